"""SLA sweeps: warn the owner, tell the supervisors of a breach, requeue; time moves with time-machine."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.management import call_command

from amends.cases.models import Case
from amends.cases.services import case_change_status, case_resolve, case_take_ownership
from amends.cases.tasks import reopen_window_sweep_task, sla_sweep_task
from amends.notifications.models import Notification

from .conftest import ApiClient, Mailbox, World, negative_survey

pytestmark = pytest.mark.django_db
OPENED = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # default clock: first response within 60 minutes, 24/7


def open_case(api: ApiClient) -> Case:
    with time_machine.travel(OPENED, tick=False):
        case_id = api.post("/feedback", negative_survey()).json()["case"]["id"]
    return Case.objects.get(pk=case_id)


def sweep_at(moment: datetime) -> int:
    with time_machine.travel(moment, tick=False):
        return sla_sweep_task.call()


def kinds(case: Case) -> list[str]:
    return list(case.events.values_list("kind", flat=True))


def test_the_owner_is_warned_at_three_quarters_then_the_supervisors_at_the_breach_then_it_is_requeued(
    api: ApiClient, world: World
) -> None:
    case = open_case(api)
    assert case.escalation_at == OPENED + timedelta(minutes=45)
    assert sweep_at(OPENED + timedelta(minutes=44)) == 0
    # Nobody owns it yet: the team hears about it.
    assert sweep_at(OPENED + timedelta(minutes=46)) == 1
    warning = case.events.get(kind="sla_warning")
    assert warning.data["target"] == "first_response"
    assert warning.data["notified"] == ["alice", "bob"]
    assert sweep_at(OPENED + timedelta(minutes=61)) == 1
    breach = case.events.get(kind="sla_breached")
    assert breach.data["notified"] == ["bob"]  # the supervisor
    with time_machine.travel(OPENED + timedelta(minutes=62), tick=False):
        case_take_ownership(case=case, by=world.alice)  # late, but now the resolution clock runs


def test_an_owned_case_still_breached_later_goes_back_to_the_team_queue(api: ApiClient, world: World) -> None:
    case = open_case(api)
    with time_machine.travel(OPENED + timedelta(minutes=5), tick=False):
        case = case_take_ownership(case=case, by=world.alice)
    resolution_due = case.resolution_due_at  # 48 hours later
    assert case.escalation_at == OPENED + timedelta(hours=36)
    assert sweep_at(resolution_due - timedelta(hours=11)) == 1
    assert case.events.get(kind="sla_warning").data["notified"] == ["alice"]
    assert sweep_at(resolution_due + timedelta(minutes=1)) == 1
    assert sweep_at(resolution_due + timedelta(minutes=30)) == 0
    assert sweep_at(resolution_due + timedelta(minutes=61)) == 1
    case.refresh_from_db()
    assert case.owner is None
    requeued = case.events.get(kind="requeued")
    assert requeued.data["previous_owner"] == "alice"
    assert requeued.data["notified"] == ["alice", "bob"]
    assert sweep_at(resolution_due + timedelta(days=3)) == 0  # the chain ends there
    assert Notification.objects.filter(case=case, kind="requeued").count() == 2


def test_two_sweeps_at_the_same_moment_take_each_step_once(api: ApiClient) -> None:
    case = open_case(api)
    moment = OPENED + timedelta(minutes=50)
    assert sweep_at(moment) + sweep_at(moment) == 1
    assert kinds(case).count("sla_warning") == 1
    assert Notification.objects.filter(case=case).count() == 2


def test_a_case_waiting_on_the_customer_does_not_escalate(api: ApiClient, world: World) -> None:
    case = open_case(api)
    with time_machine.travel(OPENED + timedelta(minutes=5), tick=False):
        case = case_take_ownership(case=case, by=world.alice)
        case = case_change_status(case=case, status="waiting_on_customer", by=world.alice)
    assert case.escalation_at is None and case.due_at is None
    assert sweep_at(OPENED + timedelta(days=5)) == 0


def test_a_resolved_case_closes_when_its_reopen_window_ends(api: ApiClient, world: World, settings: Any) -> None:
    settings.AMENDS_REOPEN_WINDOW_DAYS = 14
    case = open_case(api)
    with time_machine.travel(OPENED + timedelta(hours=1), tick=False):
        case_resolve(case=case, category="housekeeping", resolution="Cleaned", by=world.alice)
    with time_machine.travel(OPENED + timedelta(days=14), tick=False):
        assert reopen_window_sweep_task.call() == 0
    with time_machine.travel(OPENED + timedelta(days=14, hours=2), tick=False):
        assert reopen_window_sweep_task.call() == 1
        assert reopen_window_sweep_task.call() == 0
    case.refresh_from_db()
    assert case.status == "closed"
    assert kinds(case)[-1] == "closed"


@pytest.mark.django_db(transaction=True)
def test_the_breach_email_reaches_the_supervisor_in_german_through_the_worker(
    api: ApiClient, world: World, smtp_server: Mailbox, settings: Any
) -> None:
    if settings.REDIS_URL:
        pytest.skip("this run uses the Redis queue")
    case = open_case(api)
    call_command("worker", burst=True)  # the new-case alert
    smtp_server.messages.clear()
    sweep_at(OPENED + timedelta(minutes=46))
    sweep_at(OPENED + timedelta(minutes=61))
    call_command("worker", burst=True)
    to_bob = [message for message in smtp_server.messages if message["To"] == "bob@example.com"]
    assert [message["Subject"].strip() for message in to_bob] == [  # Django folds encoded subjects
        f"Fall #{case.pk} ist bald fällig (2026-11-16 10:00 UTC)",
        f"Fall #{case.pk} hat sein SLA verfehlt",
    ]


def test_the_supervisor_sees_the_breach_in_the_app_and_reading_it_clears_the_count(
    api: ApiClient, world: World
) -> None:
    from django.test import Client

    case = open_case(api)
    sweep_at(OPENED + timedelta(minutes=46))
    sweep_at(OPENED + timedelta(minutes=61))
    client = Client()
    client.force_login(world.bob)
    assert client.get("/").context["unread_notifications"] == 2  # the team warning, then the breach
    page = client.get("/notifications/").content.decode()
    assert f"Fall #{case.pk} hat sein SLA verfehlt" in page  # bob reads German
    assert client.get("/").context["unread_notifications"] == 0
    other = Client()
    other.force_login(world.charlie)
    assert list(other.get("/notifications/").context["notifications"]) == []
