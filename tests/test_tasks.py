"""The new-case alert travels through the real queue (database or Redis) to a real SMTP server."""

from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import gettext

from amends.cases.models import Case
from amends.cases.tasks import case_opened_alert_task
from amends.core.models import User

from .conftest import ApiClient, Mailbox, World, negative_survey


def recipients(mailbox: Mailbox) -> set[str]:
    return {address for message in mailbox.messages for address in message["To"].split(", ")}


def open_case_and_run_worker(api: ApiClient, settings: Any) -> int:
    if settings.REDIS_URL:
        pytest.skip("this run uses the Redis queue")
    case_id = api.post("/feedback", negative_survey()).json()["case"]["id"]
    call_command("worker", burst=True)
    return int(case_id)


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_emails_the_team_when_a_case_opens(
    api: ApiClient, world: World, smtp_server: Mailbox, settings: Any
) -> None:
    case_id = open_case_and_run_worker(api, settings)
    assert recipients(smtp_server) == {"alice@example.com", "bob@example.com", "amsterdam@example.com"}
    subjects = {message["To"]: message["Subject"] for message in smtp_server.messages}
    assert subjects["alice@example.com"] == f"New recovery case #{case_id} at Hotel Amsterdam"
    assert "charlie@example.com" not in recipients(smtp_server)
    case = Case.objects.get(pk=case_id)
    assert case.alert_sent_at is not None
    assert case.events.filter(kind="alert_sent").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_alert_is_written_in_each_recipients_language(
    api: ApiClient, world: World, smtp_server: Mailbox, settings: Any
) -> None:
    case_id = open_case_and_run_worker(api, settings)
    german = next(message for message in smtp_server.messages if message["To"] == "bob@example.com")
    english_subject = f"New recovery case #{case_id} at Hotel Amsterdam"
    with translation.override("de"):
        expected = gettext("New recovery case #%(id)s at %(location)s") % {"id": case_id, "location": "Hotel Amsterdam"}
    assert expected != english_subject
    assert german["Subject"] == expected


@pytest.mark.django_db(transaction=True)
def test_running_the_alert_twice_sends_nothing_twice(
    api: ApiClient, world: World, smtp_server: Mailbox, settings: Any
) -> None:
    if settings.REDIS_URL:
        pytest.skip("this run uses the Redis queue")
    User.objects.update(weekly_summary=False)  # only the alert's emails are counted here, whatever the weekday
    case_id = api.post("/feedback", negative_survey()).json()["case"]["id"]
    Case.objects.filter(pk=case_id).update(alert_sent_at=None)
    assert case_opened_alert_task.call(case_id) == 3
    assert case_opened_alert_task.call(case_id) == 0
    call_command("worker", burst=True)
    call_command("worker", burst=True)
    assert len(smtp_server.messages) == 3


@pytest.mark.django_db(transaction=True)
def test_an_alert_the_mail_server_could_not_take_is_kept_with_the_reason_and_sent_once_it_is_back(
    api: ApiClient, world: World, smtp_server: Mailbox, settings: Any
) -> None:
    if settings.REDIS_URL:
        pytest.skip("this run uses the Redis queue")
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from amends.notifications.models import OutgoingEmail

    from .conftest import free_port

    User.objects.update(weekly_summary=False)
    running_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # the mail server is down: nobody listens there
    case_id = api.post("/feedback", negative_survey()).json()["case"]["id"]
    call_command("worker", burst=True)
    alerts = OutgoingEmail.objects.filter(case_id=case_id)
    assert [(alert.status, alert.attempts) for alert in alerts] == [("queued", 1)] * 3
    assert all("refused" in alert.error.lower() for alert in alerts.all()), [alert.error for alert in alerts]
    assert Case.objects.get(pk=case_id).alert_sent_at is not None  # claimed once: the emails are tried again
    settings.EMAIL_PORT = running_port  # back up
    call_command("worker", burst=True)
    assert smtp_server.messages == []  # the next try waits a minute
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        call_command("worker", burst=True)
        call_command("worker", burst=True)
    assert len(smtp_server.messages) == 3
    assert {alert.status for alert in alerts.all()} == {"sent"}
    assert Case.objects.get(pk=case_id).events.filter(kind="alert_sent").count() == 1


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_the_redis_worker_emails_the_team_when_a_case_opens(
    api: ApiClient, world: World, smtp_server: Mailbox, settings: Any
) -> None:
    import django_rq

    assert settings.TASKS["default"]["BACKEND"] == "django_tasks_rq.RQBackend"
    django_rq.get_queue("default").empty()
    case_id = api.post("/feedback", negative_survey()).json()["case"]["id"]
    assert django_rq.get_queue("default").count == 2  # the new-case alert, and the reading of the comment
    from rq import SimpleWorker

    worker = django_rq.get_worker("default", worker_class=SimpleWorker)
    worker.work(burst=True)
    assert recipients(smtp_server) == {"alice@example.com", "bob@example.com", "amsterdam@example.com"}
    assert Case.objects.get(pk=case_id).events.filter(kind="alert_sent").exists()


@pytest.mark.django_db(transaction=True)
def test_no_alert_goes_out_for_a_case_resolved_before_the_worker_ran(
    api: ApiClient, world: World, smtp_server: Mailbox
) -> None:
    from amends.cases.services import case_resolve

    case_id = api.post("/feedback", negative_survey()).json()["case"]["id"]
    case_resolve(case=Case.objects.get(pk=case_id), category="other", resolution="Solved on the phone", by=world.alice)
    Case.objects.filter(pk=case_id).update(alert_sent_at=None)
    smtp_server.messages.clear()
    assert case_opened_alert_task.call(case_id) == 0
    assert smtp_server.messages == []


@pytest.mark.django_db
def test_the_sweeper_queues_the_periodic_work(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    from django_tasks_db.models import DBTaskResult

    from amends.intake.models import Mailbox

    Mailbox.objects.create(name="Support", host="127.0.0.1", username="u", password_env="X", location=world.ams)
    call_command("sweeper", once=True)
    paths = sorted(DBTaskResult.objects.values_list("task_path", flat=True))
    assert paths == [
        "amends.analytics.tasks.analytics_refresh_task",  # never refreshed yet
        "amends.cases.tasks.case_messages_stalled_task",
        "amends.cases.tasks.reopen_window_sweep_task",
        "amends.cases.tasks.sla_sweep_task",
        "amends.compensation.tasks.offers_expire_task",
        "amends.followups.tasks.follow_up_sweep_task",
        "amends.intake.tasks.poll_mailbox_task",
        "amends.notifications.tasks.outbox_sweep_task",
        "amends.surveys.tasks.invitation_reminders_task",
        "amends.surveys.tasks.invitations_due_task",
    ]
    DBTaskResult.objects.all().delete()
    import time_machine

    from amends.analytics.services import facts_refresh

    with time_machine.travel(datetime(2026, 11, 26, 9, tzinfo=UTC), tick=False):  # a Thursday
        facts_refresh()
        call_command("sweeper", once=True)
    assert not DBTaskResult.objects.filter(task_path__startswith="amends.analytics").exists()  # fresh enough
    with time_machine.travel(datetime(2026, 11, 30, 0, 10, tzinfo=UTC), tick=False):  # the next Monday
        facts_refresh()
        call_command("sweeper", once=True)
    analytics = DBTaskResult.objects.filter(task_path__startswith="amends.analytics")
    assert list(analytics.values_list("task_path", flat=True)) == ["amends.analytics.tasks.weekly_summaries_task"]


@pytest.mark.django_db(transaction=True)
def test_a_task_whose_worker_died_runs_again_and_alerts_once(
    api: ApiClient, world: World, smtp_server: Mailbox, settings: Any
) -> None:
    if settings.REDIS_URL:
        pytest.skip("this run uses the Redis queue")
    from datetime import timedelta

    import time_machine
    from django.utils import timezone
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    User.objects.update(weekly_summary=False)  # only the alert's emails are counted here, whatever the weekday
    case_id = api.post("/feedback", negative_survey()).json()["case"]["id"]
    alert = DBTaskResult.objects.get(task_path__endswith="case_opened_alert_task")
    # A worker took it, then was killed before it finished: the row stays RUNNING and nothing was sent.
    DBTaskResult.objects.filter(pk=alert.pk).update(status=TaskResultStatus.RUNNING, started_at=timezone.now())
    call_command("worker", burst=True)
    assert smtp_server.messages == []
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        call_command("sweeper", once=True)
    call_command("worker", burst=True)
    assert len(smtp_server.messages) == 3  # alice, bob and the team address: once each
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        call_command("sweeper", once=True)
    call_command("worker", burst=True)
    assert len(smtp_server.messages) == 3
    assert Case.objects.get(pk=case_id).events.filter(kind="alert_sent").count() == 1
