"""The agent pages: inbox, case page, forms with errors next to the field, languages, permissions."""

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from amends.cases.models import Case
from amends.cases.services import case_take_ownership

from .conftest import ApiClient, World, negative_survey

pytestmark = pytest.mark.django_db


def logged_in(user: Any, **headers: str) -> Client:
    client = Client(headers=headers)
    client.force_login(user)
    return client


@pytest.fixture
def cases(api: ApiClient, world: World) -> list[Case]:
    ids = [api.post("/feedback", negative_survey(external_id=f"c{n}")).json()["case"]["id"] for n in range(3)]
    ids.append(api.post("/feedback", negative_survey(external_id="b1", location="ber")).json()["case"]["id"])
    return list(Case.objects.filter(pk__in=ids).order_by("id"))


def test_pages_need_a_login(cases: list[Case]) -> None:
    for path in ("/", f"/cases/{cases[0].pk}/"):
        response = Client().get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_logging_in_with_a_password_leads_to_the_inbox(world: World) -> None:
    client = Client()
    wrong = client.post("/login/", {"username": "alice", "password": "nope"})
    assert wrong.status_code == 200
    assert "Please enter a correct username and password" in wrong.content.decode()
    right = client.post("/login/", {"username": "alice", "password": "alice-pass-123"})
    assert right.status_code == 302
    assert client.get("/").status_code == 200


def test_the_team_inbox_lists_open_cases_soonest_deadline_first(cases: list[Case], world: World) -> None:
    Case.objects.filter(pk=cases[2].pk).update(due_at=timezone.now() - timedelta(minutes=3))
    page = logged_in(world.alice).get("/").content.decode()
    positions = [page.index(f'data-case="{case.pk}"') for case in (cases[2], cases[0], cases[1])]
    assert positions == sorted(positions)
    assert f'data-case="{cases[3].pk}"' not in page  # Berlin's case: not Alice's team
    assert "data-due=" in page  # the live countdown


def test_my_cases_and_unassigned_views(cases: list[Case], world: World) -> None:
    case_take_ownership(case=cases[0], by=world.alice)
    client = logged_in(world.alice)
    mine = client.get("/", {"view": "mine"}).content.decode()
    assert f'data-case="{cases[0].pk}"' in mine and f'data-case="{cases[1].pk}"' not in mine
    unassigned = client.get("/", {"view": "unassigned"}).content.decode()
    assert f'data-case="{cases[0].pk}"' not in unassigned and f'data-case="{cases[1].pk}"' in unassigned


def test_htmx_filters_return_only_the_list(cases: list[Case], world: World) -> None:
    response = logged_in(world.alice).get("/", {"view": "team", "severity": "critical"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "<html" not in body
    assert 'class="empty"' in body


def test_the_inbox_pages_with_a_cursor(cases: list[Case], world: World, settings: Any) -> None:
    settings.AMENDS_PAGE_SIZE = 2
    client = logged_in(world.alice)
    first = client.get("/").content.decode()
    assert first.count("data-case=") == 2
    assert "cursor=" in first
    cursor = first.split("cursor=")[1].split('"')[0]
    more = client.get("/", {"view": "team", "cursor": cursor}, headers={"HX-Request": "true"}).content.decode()
    assert more.count("data-case=") == 1
    assert "<table" not in more  # just the rows, appended in place


def test_the_inbox_reads_no_more_queries_for_more_rows(cases: list[Case], world: World, settings: Any) -> None:
    case_take_ownership(case=cases[0], by=world.alice)  # a row with an owner, one without
    client = logged_in(world.alice)
    settings.AMENDS_PAGE_SIZE = 1
    with CaptureQueriesContext(connection) as one_row:
        assert client.get("/").content.decode().count("data-case=") == 1
    settings.AMENDS_PAGE_SIZE = 25
    with CaptureQueriesContext(connection) as three_rows:
        assert client.get("/").content.decode().count("data-case=") == 3
    assert len(three_rows) == len(one_row)


def test_the_inbox_escapes_and_shortens_the_summary(cases: list[Case], world: World) -> None:
    Case.objects.filter(pk=cases[0].pk).update(summary="<b>Cold soup</b> & " + "x" * 100)
    page = logged_in(world.alice).get("/").content.decode()
    assert "<b>Cold soup</b>" not in page
    assert f"#{cases[0].pk} &lt;b&gt;Cold soup&lt;/b&gt; &amp; {'x' * 60}…</a>" in page


def test_an_empty_inbox_says_so(world: World) -> None:
    body = logged_in(world.charlie).get("/", {"view": "mine"}).content.decode()
    assert "You own no open cases" in body


def test_another_teams_agent_gets_404_for_a_case(cases: list[Case], world: World) -> None:
    client = logged_in(world.charlie)
    assert client.get(f"/cases/{cases[0].pk}/").status_code == 404
    assert client.post(f"/cases/{cases[0].pk}/take/").status_code == 404
    assert Case.objects.get(pk=cases[0].pk).owner is None


def test_the_case_page_shows_customer_feedback_and_timeline(cases: list[Case], world: World) -> None:
    body = logged_in(world.alice).get(f"/cases/{cases[0].pk}/").content.decode()
    for text in ("Anna de Vries", "De kamer was niet schoon", "NPS 3", "Case opened", "Take ownership"):
        assert text in body


def test_take_note_and_resolve_through_the_case_page(cases: list[Case], world: World) -> None:
    client = logged_in(world.alice)
    url = f"/cases/{cases[0].pk}/"
    client.post(url + "take/")
    client.post(url + "notes/", {"body": "Called her, very understanding."})
    response = client.post(url + "resolve/", {"category": "cleanliness", "resolution": "Room upgrade"}, follow=True)
    body = response.content.decode()
    assert "Case resolved" in body
    case = Case.objects.get(pk=cases[0].pk)
    assert (case.status, case.owner, case.category) == ("resolved", world.alice, "cleanliness")
    assert "Called her, very understanding." in body


def test_form_errors_appear_next_to_the_field(cases: list[Case], world: World) -> None:
    client = logged_in(world.alice)
    response = client.post(f"/cases/{cases[0].pk}/resolve/", {"category": "", "resolution": ""})
    assert response.status_code == 422
    body = response.content.decode()
    assert 'id="id_category-error"' in body and 'id="id_resolution-error"' in body
    assert Case.objects.get(pk=cases[0].pk).status == "new"


def test_user_text_is_escaped(api: ApiClient, world: World) -> None:
    case_id = api.post("/feedback", negative_survey(external_id="x", text="<script>alert(1)</script>")).json()["case"][
        "id"
    ]
    body = logged_in(world.alice).get(f"/cases/{case_id}/").content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;" in body


def test_the_browser_language_is_used_and_the_users_setting_wins(cases: list[Case], world: World) -> None:
    french = logged_in(world.alice, accept_language="fr").get("/").content.decode()
    assert '<html lang="fr">' in french
    client = logged_in(world.alice, accept_language="fr")
    client.post("/settings/language/", {"language": "it", "next": "/"})
    world.alice.refresh_from_db()
    assert world.alice.language == "it"
    assert '<html lang="it">' in client.get("/").content.decode()


@pytest.mark.parametrize("language", ["nl", "de", "it", "fr", "es"])
def test_every_page_is_translated(cases: list[Case], world: World, language: str) -> None:
    world.alice.language = language
    world.alice.save()
    client = logged_in(world.alice)
    for path in ("/", f"/cases/{cases[0].pk}/"):
        body = client.get(path).content.decode()
        for english in ("Recovery inbox", "Take ownership", "What the customer told us", "Log out"):
            assert english not in body, (language, path, english)


def test_the_language_switch_refuses_an_outside_redirect(world: World) -> None:
    response = logged_in(world.alice).post("/settings/language/", {"language": "de", "next": "//evil.example"})
    assert response["Location"] == "/"


def test_posts_need_a_csrf_token(cases: list[Case], world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.alice)
    assert client.post(f"/cases/{cases[0].pk}/take/").status_code == 403


def test_an_agent_corrects_what_the_text_model_read_and_an_outsider_cannot(cases: list[Case], world: World) -> None:
    from amends.textsense.models import LabelCorrection, TextSense

    feedback = cases[0].feedback.get()
    TextSense.objects.create(
        feedback=feedback, language="nl", negative=0.2, alert=False, category="billing", model_version="test",
        analysed_at=timezone.now(),
    )  # fmt: skip
    client = logged_in(world.alice)
    page = client.get(f"/cases/{cases[0].pk}/").content.decode()
    assert "Read by the text model:" in page and "Negative?" in page
    url = f"/cases/{cases[0].pk}/feedback/{feedback.pk}/label/"
    client.post(url, {"field": "negative", "value": "true"})
    client.post(url, {"field": "category", "value": "cleanliness"})
    sense = TextSense.objects.get(feedback=feedback)
    assert (sense.alert, sense.category) == (True, "cleanliness")
    assert LabelCorrection.objects.filter(feedback=feedback, corrected_by=world.alice).count() == 2
    bad = client.post(url, {"field": "category", "value": "nonsense"}, follow=True)
    assert "is not a valid value" in bad.content.decode()
    assert logged_in(world.charlie).post(url, {"field": "negative", "value": "false"}).status_code == 404
    assert TextSense.objects.get(feedback=feedback).alert is True
