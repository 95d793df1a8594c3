"""Following up a resolved case: the survey a week later, the reminder, what an unhappy answer does, the recovery
rate, and the agents' own call-back tasks."""

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from amends.cases.models import Case
from amends.followups.models import CaseTask, FollowUp, FollowUpDelay
from amends.followups.tasks import follow_up_sweep_task
from amends.notifications.models import Notification

from .conftest import ApiClient, Mailbox, World, negative_survey

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
HAPPY = {"handling": "5", "fair_outcome": "4", "fair_process": "5", "fair_treatment": "5", "overall": "4",
         "nps": "9", "repurchase": "4", "comment": "Netjes opgelost"}  # fmt: skip
UNHAPPY = {"handling": "2", "fair_outcome": "1", "comment": "Nog steeds niet goed"}


@pytest.fixture
def alice(world: World) -> ApiClient:
    return ApiClient(world.alice)


def resolved_case(api: ApiClient, alice: ApiClient, *, customer: str = "cust-1", category: str = "cleanliness") -> int:
    case_id = api.post("/feedback", negative_survey(customer)).json()["case"]["id"]
    assert alice.post(f"/cases/{case_id}/assign", {"owner": "alice", "reason": "mine"}).status_code == 200
    response = alice.post(f"/cases/{case_id}/resolve", {"category": category, "resolution": "Room cleaned, refund"})
    assert response.status_code == 200, response.json()
    return case_id


def link_in(message: Any) -> str:
    found = re.search(r"http://127\.0\.0\.1:8000(/f/[^\s]+)", message.get_content())
    assert found, message.get_content()
    return found.group(1)


@pytest.mark.django_db(transaction=True)
def test_the_follow_up_arrives_seven_days_after_resolution_in_the_customers_language(
    api: ApiClient, alice: ApiClient, smtp_server: Mailbox
) -> None:
    with time_machine.travel(NOW, tick=False):
        case_id = resolved_case(api, alice)
        case = api.get(f"/cases/{case_id}").json()
        assert case["follow_up"]["status"] == "scheduled"
        assert case["follow_up"]["due_at"].startswith("2026-11-09T09:00")
    with time_machine.travel(NOW + timedelta(days=6, hours=23), tick=False):
        follow_up_sweep_task.enqueue()
        call_command("worker", burst=True)
    assert smtp_server.messages == []
    with time_machine.travel(NOW + timedelta(days=7, minutes=1), tick=False):
        follow_up_sweep_task.enqueue()
        follow_up_sweep_task.enqueue()  # two sweeps at once send one email
        call_command("worker", burst=True)
        assert len(smtp_server.messages) == 1
        message = smtp_server.messages[0]
        assert message["To"] == "anna@example.com" and message["Subject"] == "Hebben we het goedgemaakt?"
        page = Client().get(link_in(message))
    assert page.status_code == 200 and "Hotel Amsterdam" in page.content.decode()
    assert "Was de uitkomst eerlijk?" in page.content.decode()
    assert api.get(f"/cases/{case_id}").json()["follow_up"]["status"] == "sent"
    kinds = list(Case.objects.get(pk=case_id).events.values_list("kind", flat=True))
    assert kinds[-2:] == ["follow_up_scheduled", "follow_up_sent"]


@pytest.mark.django_db(transaction=True)
def test_an_unhappy_answer_reopens_the_case_and_alerts_its_owner(
    api: ApiClient, alice: ApiClient, world: World, smtp_server: Mailbox
) -> None:
    with time_machine.travel(NOW, tick=False):
        case_id = resolved_case(api, alice)
    with time_machine.travel(NOW + timedelta(days=7, minutes=1), tick=False):
        follow_up_sweep_task.call()
        link = link_in(smtp_server.messages[0])
        response = Client().post(link, UNHAPPY)
        assert response.status_code == 200
        assert Client().post(link, HAPPY).status_code == 410  # single use: the first answer stands
    case = Case.objects.get(pk=case_id)
    assert (case.status, case.reopens) == ("in_progress", 1)
    follow_up = FollowUp.objects.get(case=case)
    assert (follow_up.status, follow_up.verdict, follow_up.handling, follow_up.fair_outcome) == (
        "answered", "unhappy", 2, 1
    )  # fmt: skip
    answered = case.events.get(kind="follow_up_answered").data
    assert answered["verdict"] == "unhappy" and answered["comment"] == "Nog steeds niet goed"
    alert = Notification.objects.get(recipient=world.alice, kind="follow_up_unhappy")
    assert alert.case_id == case_id and "Nog steeds niet goed" in alert.body


@pytest.mark.django_db
def test_an_unhappy_answer_joins_the_case_the_customer_has_open_by_then(api: ApiClient, alice: ApiClient) -> None:
    with time_machine.travel(NOW, tick=False):
        first = resolved_case(api, alice)
    with time_machine.travel(NOW + timedelta(days=3), tick=False):
        second = api.post("/feedback", negative_survey()).json()["case"]["id"]
    with time_machine.travel(NOW + timedelta(days=7, minutes=1), tick=False):
        follow_up_sweep_task.call()
        follow_up = FollowUp.objects.get(case_id=first)
        from amends.followups.services import follow_up_token

        assert Client().post(f"/f/{follow_up_token(follow_up)}/", UNHAPPY).status_code == 200
    assert Case.objects.get(pk=first).status == "resolved"
    assert list(Case.objects.get(pk=second).related.values_list("pk", flat=True)) == [first]


@pytest.mark.django_db(transaction=True)
def test_one_reminder_then_the_follow_up_closes_unanswered(
    api: ApiClient, alice: ApiClient, smtp_server: Mailbox
) -> None:
    with time_machine.travel(NOW, tick=False):
        case_id = resolved_case(api, alice)
    for days in (7, 8, 10, 10, 13):
        with time_machine.travel(NOW + timedelta(days=days, minutes=1), tick=False):
            follow_up_sweep_task.call()
    assert [m["Subject"] for m in smtp_server.messages] == [
        "Hebben we het goedgemaakt?", "Een herinnering: hebben we het goedgemaakt?"
    ]  # fmt: skip
    with time_machine.travel(NOW + timedelta(days=14, minutes=1), tick=False):
        assert follow_up_sweep_task.call()["unanswered"] == 1
        assert follow_up_sweep_task.call()["unanswered"] == 0
        assert Client().get(link_in(smtp_server.messages[0])).status_code == 410
    assert api.get(f"/cases/{case_id}").json()["follow_up"]["status"] == "unanswered"
    assert Case.objects.get(pk=case_id).events.filter(kind="follow_up_unanswered").count() == 1


@pytest.mark.django_db
def test_the_delay_is_set_per_category_and_reopening_cancels_the_pending_follow_up(
    api: ApiClient, alice: ApiClient, world: World
) -> None:
    FollowUpDelay.objects.create(category="delivery", days=14)
    with time_machine.travel(NOW, tick=False):
        case_id = resolved_case(api, alice, category="delivery")
        assert api.get(f"/cases/{case_id}").json()["follow_up"]["due_at"].startswith("2026-11-16T09:00")
        assert alice.post(f"/cases/{case_id}/reopen", {"reason": "Not fixed"}).status_code == 200
        assert api.get(f"/cases/{case_id}").json()["follow_up"] is None
        assert FollowUp.objects.get(case_id=case_id).status == "cancelled"
    with time_machine.travel(NOW + timedelta(days=15), tick=False):
        assert follow_up_sweep_task.call()["sent"] == 0


@pytest.mark.django_db
def test_a_forged_link_and_an_incomplete_answer_are_refused(api: ApiClient, alice: ApiClient) -> None:
    with time_machine.travel(NOW, tick=False):
        case_id = resolved_case(api, alice)
    with time_machine.travel(NOW + timedelta(days=7, minutes=1), tick=False):
        follow_up_sweep_task.call()
        from amends.followups.services import follow_up_token

        token = follow_up_token(FollowUp.objects.get(case_id=case_id))
        assert Client().get(f"/f/{token[:-1]}x/").status_code == 404
        assert Client().get("/f/not-a-token/").status_code == 404
        page = Client().post(f"/f/{token}/", {"comment": "?", "nps": "11"})
        assert page.status_code == 422
        assert "Beantwoord deze vraag alstublieft." in page.content.decode()
        assert FollowUp.objects.get(case_id=case_id).status == "sent"


@pytest.mark.django_db
def test_the_recovery_rate_per_team_category_and_month(api: ApiClient, alice: ApiClient, world: World) -> None:
    from amends.followups.services import follow_up_token

    answers = [HAPPY, HAPPY, UNHAPPY, {"handling": "3"}]
    with time_machine.travel(NOW, tick=False):
        for n in range(5):
            resolved_case(api, alice, customer=f"cust-{n}", category="cleanliness" if n < 3 else "billing")
    with time_machine.travel(NOW + timedelta(days=7, minutes=1), tick=False):
        follow_up_sweep_task.call()
        for follow_up, answer in zip(FollowUp.objects.order_by("id"), answers, strict=False):
            assert Client().post(f"/f/{follow_up_token(follow_up)}/", answer).status_code == 200
    by_category = api.get("/recovery-rate", by="category").json()
    assert by_category["items"] == [
        {"group": "billing", "answered": 1, "satisfied": 0, "unhappy": 0, "unanswered": 0, "rate": 0.0},
        {"group": "cleanliness", "answered": 3, "satisfied": 2, "unhappy": 1, "unanswered": 0,
         "rate": pytest.approx(2 / 3)},
    ]  # fmt: skip
    by_team = api.get("/recovery-rate", by="team").json()["items"]
    assert [(row["group"], row["answered"], row["rate"]) for row in by_team] == [("amsterdam", 4, 0.5)]
    assert api.get("/recovery-rate", by="month").json()["items"][0]["group"] == "2026-11"
    assert api.get("/recovery-rate", by="month", **{"from": "2026-12-01T00:00:00Z"}).json()["items"] == []
    assert api.get("/recovery-rate", by="weekday").json()["code"] == "invalid_value"
    assert ApiClient(world.charlie).get("/recovery-rate", by="team").json()["items"] == []  # another team's


@pytest.mark.django_db
def test_a_personal_follow_up_task_shows_when_due_and_is_ticked_once(
    api: ApiClient, alice: ApiClient, world: World
) -> None:
    with time_machine.travel(NOW, tick=False):
        case_id = api.post("/feedback", negative_survey()).json()["case"]["id"]
        body = {"due_at": "2026-11-16T10:00:00+01:00", "note": "Call back about the replacement"}
        created = alice.post(f"/cases/{case_id}/tasks", body, **{"Idempotency-Key": "t-1"})
        assert created.status_code == 201, created.json()
        assert alice.post(f"/cases/{case_id}/tasks", body, **{"Idempotency-Key": "t-1"}).json() == created.json()
        task = created.json()
        assert (task["owner"], task["due_at"], task["done_at"]) == ("alice", "2026-11-16T09:00:00Z", None)
        assert alice.get("/tasks/due").json()["items"] == []
        past = alice.post(f"/cases/{case_id}/tasks", {**body, "due_at": "2026-11-01T10:00:00Z"})
        assert (past.status_code, past.json()["field"]) == (400, "due_at")
        assert alice.post(f"/cases/{case_id}/tasks", {**body, "note": " "}).json()["code"] == "missing_field"
        assert ApiClient(world.charlie).post(f"/cases/{case_id}/tasks", body).status_code == 404
    with time_machine.travel(NOW + timedelta(days=14, hours=1), tick=False):
        due = alice.get("/tasks/due").json()["items"]
        assert [t["note"] for t in due] == ["Call back about the replacement"]
        assert ApiClient(world.charlie).post(f"/tasks/{task['id']}/done", {}).status_code == 404
        done = alice.post(f"/tasks/{task['id']}/done", {}).json()
        assert done["done_at"] is not None
        assert alice.post(f"/tasks/{task['id']}/done", {}).json()["done_at"] == done["done_at"]
        assert alice.get("/tasks/due").json()["items"] == []
    kinds = list(Case.objects.get(pk=case_id).events.values_list("kind", flat=True))
    assert kinds.count("task_scheduled") == 1 and kinds.count("task_done") == 1


@pytest.mark.django_db
def test_a_task_cannot_be_given_to_someone_who_may_not_see_the_case(
    api: ApiClient, alice: ApiClient, world: World
) -> None:
    case_id = api.post("/feedback", negative_survey()).json()["case"]["id"]
    body = {"due_at": "2099-01-01T09:00:00+01:00", "note": "Call back", "owner": "charlie"}
    refused = alice.post(f"/cases/{case_id}/tasks", body)
    assert (refused.status_code, refused.json()["field"]) == (400, "owner")
    assert not CaseTask.objects.exists()
    assert alice.post(f"/cases/{case_id}/tasks", {**body, "owner": "bob"}).status_code == 201


@pytest.mark.django_db
def test_a_task_on_a_case_moved_to_another_team_leaves_its_owners_list(
    api: ApiClient, alice: ApiClient, world: World
) -> None:
    """Alice's call-back stays on the case, but once Berlin has it her inbox no longer shows her its customer."""
    case = Case.objects.get(pk=api.post("/feedback", negative_survey()).json()["case"]["id"])
    CaseTask.objects.create(case=case, owner=world.alice, created_by=world.alice, note="Call back",
                            due_at=timezone.now() - timedelta(hours=1), created_at=timezone.now())  # fmt: skip
    assert [task["note"] for task in alice.get("/tasks/due").json()["items"]] == ["Call back"]
    moved = ApiClient(world.bob).post(f"/cases/{case.pk}/assign", {"team": "berlin", "reason": "Berlin's parcel"})
    assert moved.status_code == 200, moved.json()
    assert alice.get("/tasks/due").json()["items"] == []
    client = Client()
    client.force_login(world.alice)
    assert "Anna de Vries" not in client.get("/").content.decode()
