"""The case page as an agent works it: status, clock stop, transfer, playbook, messages, override."""

import pytest
from django.test import Client

from amends.cases.models import Case, CaseMessage, Playbook

from .conftest import ApiClient, World, negative_survey

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def case(api: ApiClient, world: World) -> Case:
    Playbook.objects.create(name="General", guidance="Listen first, then fix it.")
    case_id = api.post("/feedback", negative_survey()).json()["case"]["id"]
    return Case.objects.get(pk=case_id)


def test_the_case_page_shows_the_playbook_composer_and_clock(case: Case, world: World) -> None:
    page = logged_in(world.alice).get(f"/cases/{case.pk}/").content.decode()
    assert "Listen first, then fix it." in page
    assert 'name="message-template"' in page and 'value="acknowledge" selected' in page  # the next step is proposed
    assert "Standard" not in page and "Default, around the clock" in page
    assert 'name="status" value="waiting_on_customer"' in page


def test_waiting_on_the_customer_shows_the_clock_stopped(case: Case, world: World) -> None:
    client = logged_in(world.alice)
    response = client.post(f"/cases/{case.pk}/status/", {"status": "waiting_on_customer"})
    assert response.status_code == 302
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "Stopped: waiting on the customer" in page
    in_dutch = logged_in(world.alice)
    in_dutch.cookies["django_language"] = "nl"
    world.alice.language = "nl"
    world.alice.save()
    assert "Gestopt: wachten op de klant" in in_dutch.get(f"/cases/{case.pk}/").content.decode()


def test_a_transfer_without_a_reason_is_refused_next_to_the_field(case: Case, world: World) -> None:
    client = logged_in(world.alice)
    client.post(f"/cases/{case.pk}/assign/", {"owner": "alice", "team": "amsterdam"})
    refused = client.post(f"/cases/{case.pk}/assign/", {"owner": "bob", "team": "amsterdam"})
    assert refused.status_code == 422
    assert 'id="id_reason-error"' in refused.content.decode()
    moved = client.post(f"/cases/{case.pk}/assign/", {"owner": "bob", "team": "amsterdam", "reason": "Night shift"})
    assert moved.status_code == 302
    case.refresh_from_db()
    assert (case.owner, case.transfers) == (world.bob, 1)


def test_ticking_steps_and_sending_a_template_message(case: Case, world: World) -> None:
    client = logged_in(world.alice)
    client.post(f"/cases/{case.pk}/steps/", {"step": "confirm", "done": "1"})
    sent = client.post(
        f"/cases/{case.pk}/messages/",
        {"message-template": "apologise", "message-language": "de", "message-subject": "", "message-body": ""},
    )
    assert sent.status_code == 302
    message = CaseMessage.objects.get(case=case)
    assert message.subject == "Wir entschuldigen uns"
    case.refresh_from_db()
    assert set(case.checklist) == {"confirm", "apologise"}
    resolve = client.post(f"/cases/{case.pk}/resolve/", {"category": "cleanliness", "resolution": "Cleaned"})
    assert resolve.status_code == 422
    assert "A supervisor can resolve it anyway" in resolve.content.decode()


def test_a_supervisor_resolves_with_steps_open_giving_a_reason(case: Case, world: World) -> None:
    client = logged_in(world.bob)
    body = {"category": "cleanliness", "resolution": "Refunded", "override_reason": ""}
    assert client.post(f"/cases/{case.pk}/resolve/", body).status_code == 422
    body["override_reason"] = "Guest left before we could call"
    assert client.post(f"/cases/{case.pk}/resolve/", body).status_code == 302
    case.refresh_from_db()
    assert case.status == "resolved"


def test_an_agent_of_another_team_cannot_act_on_the_case(case: Case, world: World) -> None:
    client = logged_in(world.charlie)
    for path, body in [
        ("status", {"status": "in_progress"}),
        ("assign", {"owner": "charlie"}),
        ("steps", {"step": "fix", "done": "1"}),
        ("messages", {"message-body": "hi", "message-language": "en"}),
    ]:
        assert client.post(f"/cases/{case.pk}/{path}/", body).status_code == 404, path


def test_merging_a_duplicate_from_the_case_page_continues_on_the_kept_case(
    api: ApiClient, case: Case, world: World
) -> None:
    Case.objects.filter(pk=case.pk).update(status="resolved")
    duplicate = Case.objects.get(pk=api.post("/feedback", negative_survey()).json()["case"]["id"])
    Case.objects.filter(pk=case.pk).update(status="in_progress")
    client = logged_in(world.alice)
    wrong = client.post(f"/cases/{duplicate.pk}/merge/", {"other": duplicate.pk})
    assert wrong.status_code == 422 and 'id="id_other-error"' in wrong.content.decode()
    merged = client.post(f"/cases/{duplicate.pk}/merge/", {"other": case.pk})
    assert merged["Location"] == f"/cases/{case.pk}/"
    assert f'href="/cases/{case.pk}/"' in client.get(f"/cases/{duplicate.pk}/").content.decode()


def test_bulk_assignment_gives_the_ticked_cases_to_a_colleague(api: ApiClient, world: World) -> None:
    ids = [api.post("/feedback", negative_survey(external_id=f"bulk-{n}")).json()["case"]["id"] for n in range(3)]
    outsider = api.post("/feedback", negative_survey(external_id="far", location="ber")).json()["case"]["id"]
    client = logged_in(world.bob)
    response = client.post("/inbox/assign/", {"case": [*ids[:2], outsider], "owner": "alice", "query": "view=team"})
    assert response.status_code == 302 and response["Location"] == "/?view=team"
    owners = dict(Case.objects.filter(pk__in=[*ids, outsider]).values_list("pk", "owner__username"))
    assert owners == {ids[0]: "alice", ids[1]: "alice", ids[2]: None, outsider: None}  # alice is not in Berlin
    refused = [str(message) for message in client.get("/").context["messages"]]
    assert any(f"#{outsider}" in message for message in refused)


def test_a_saved_view_is_one_click_away_and_only_for_its_owner(world: World) -> None:
    client = logged_in(world.alice)
    client.post("/inbox/views/", {"name": "Urgent", "query": "view=team&severity=high"})
    page = client.get("/").content.decode()
    assert 'href="/?view=team&amp;severity=high"' in page and "Urgent" in page
    assert "Urgent" not in logged_in(world.bob).get("/").content.decode()
    refused = client.post("/inbox/views/", {"name": " ", "query": "view=mine"})
    assert refused.status_code == 302


def test_the_waiting_view_lists_stopped_clocks_not_resolved_cases(case: Case, world: World) -> None:
    client = logged_in(world.alice)
    client.post(f"/cases/{case.pk}/status/", {"status": "waiting_on_customer"})
    page = client.get("/?view=waiting").content.decode()
    assert f'data-case="{case.pk}"' in page
    assert "clock stopped" in page and ">resolved<" not in page
    assert f'data-case="{case.pk}"' not in client.get("/?view=team&status=new").content.decode()
