"""Nothing waits forever in silence: an email is sent once, tried again while the mail server is away, and failed
with the reason when it is refused, shown to the agent on the case. Through a real SMTP server."""

import smtplib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core.mail import BadHeaderError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django.utils.html import escape
from django_tasks_db.models import DBTaskResult

from amends.cases.models import Case, CaseMessage, MessageTemplate
from amends.cases.tasks import case_message_send_task, case_messages_stalled_task
from amends.core.models import Location, User
from amends.notifications.delivery import MAX_ATTEMPTS, STALLED_REASON, send_failure
from amends.notifications.models import Notification, OutgoingEmail
from amends.notifications.services import notify
from amends.notifications.tasks import notification_email_task, outbox_sweep_task

from .conftest import ApiClient, World, free_port, negative_survey

pytestmark = pytest.mark.django_db(transaction=True)  # the worker commits, as in production

REFUSED = "nobody@example.com"


@dataclass
class Delivered:
    envelope_to: list[str]
    message: Any


@dataclass
class MailServer:
    """What a real SMTP server took: each email with the addresses it was delivered to (Bcc included)."""

    delivered: list[Delivered] = field(default_factory=list)
    port: int = 0

    def subjects(self) -> list[str]:
        return [item.message["Subject"] for item in self.delivered]


class _PickyHandler:
    """Refuses one mailbox as unknown (550), like a real server; takes every other one."""

    def __init__(self, server: MailServer):
        self.server = server

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address == REFUSED:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        from email import message_from_bytes, policy

        message = message_from_bytes(envelope.content, policy=policy.default)
        self.server.delivered.append(Delivered(list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


@pytest.fixture
def mail_server(settings: Any) -> Iterator[MailServer]:
    server = MailServer(port=free_port())
    controller = Controller(_PickyHandler(server), hostname="127.0.0.1", port=server.port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    try:
        yield server
    finally:
        controller.stop()


@pytest.fixture(autouse=True)
def no_weekly_summaries(world: World) -> None:
    User.objects.update(weekly_summary=False)  # only the emails of each test are counted, whatever the weekday


@pytest.fixture
def agent_api(world: World) -> ApiClient:
    return ApiClient(world.alice)


def case_page(user: User, case_id: int, language: str = "en") -> str:
    user.language = language
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    return client.get(f"/cases/{case_id}/").content.decode()


def open_case(api: ApiClient, email: str = "anna@example.com") -> int:
    body = negative_survey(customer={"external_id": "c1", "name": "Anna", "email": email, "language": "nl"})
    case_id = int(api.post("/feedback", body).json()["case"]["id"])
    call_command("worker", burst=True)  # the new-case alerts go out first
    return case_id


def write(agent_api: ApiClient, case_id: int) -> CaseMessage:
    response = agent_api.post(f"/cases/{case_id}/messages", {"subject": "About your room", "body": "Dear Anna, sorry."})
    assert response.status_code == 201, response.json()
    return CaseMessage.objects.get(pk=response.json()["id"])


def retries_waiting(task_name: str) -> int:
    return DBTaskResult.objects.filter(task_path__endswith=task_name, status="READY").count()


def test_a_stored_location_name_with_a_line_break_still_lets_the_new_case_alerts_go_out(
    api: ApiClient, world: World, mail_server: MailServer
) -> None:
    Location.objects.filter(pk=world.ams.pk).update(name="Hotel\r\nBcc: spy@example.com")  # written before the rule
    case_id = open_case(api)
    assert sorted(address for item in mail_server.delivered for address in item.envelope_to) == [
        "alice@example.com", "amsterdam@example.com", "bob@example.com",
    ]  # fmt: skip
    english = next(item.message for item in mail_server.delivered if item.message["To"] == "alice@example.com")
    assert english["Subject"] == f"New recovery case #{case_id} at Hotel Bcc: spy@example.com"
    assert all(item.message["Bcc"] is None for item in mail_server.delivered)
    assert set(OutgoingEmail.objects.filter(case_id=case_id).values_list("status", flat=True)) == {"sent"}


def test_a_stored_message_subject_with_a_line_break_goes_out_on_one_line(
    api: ApiClient, agent_api: ApiClient, mail_server: MailServer
) -> None:
    case_id = open_case(api)
    message = write(agent_api, case_id)
    CaseMessage.objects.filter(pk=message.pk).update(subject="Hello\r\nBcc: victim@example.com")  # a legacy row
    mail_server.delivered.clear()
    call_command("worker", burst=True)
    [item] = mail_server.delivered
    assert item.envelope_to == ["anna@example.com"]
    assert item.message["Subject"] == "Hello Bcc: victim@example.com" and item.message["Bcc"] is None
    assert CaseMessage.objects.get(pk=message.pk).status == "sent"


def test_a_template_naming_a_stored_location_with_a_line_break_gives_a_one_line_subject(
    api: ApiClient, agent_api: ApiClient, world: World, mail_server: MailServer
) -> None:
    MessageTemplate.objects.create(step="apologise", language="nl", subject="Uw verblijf in {location}", body="Sorry.")
    Location.objects.filter(pk=world.ams.pk).update(name="Hotel\nAmsterdam")
    case_id = open_case(api)
    response = agent_api.post(f"/cases/{case_id}/messages", {"template": "apologise"})
    assert response.status_code == 201 and response.json()["subject"] == "Uw verblijf in Hotel Amsterdam"


def test_an_address_the_mail_server_refuses_fails_the_message_at_once_with_the_reason_on_the_case(
    api: ApiClient, agent_api: ApiClient, world: World, mail_server: MailServer
) -> None:
    case_id = open_case(api, email=REFUSED)
    message = write(agent_api, case_id)
    call_command("worker", burst=True)
    message.refresh_from_db()
    assert (message.status, message.attempts, message.sent_at) == ("failed", 1, None)
    assert message.error.startswith("550 5.1.1") and "User unknown" in message.error
    assert retries_waiting("case_message_send_task") == 0  # refused for good: not tried again
    event = Case.objects.get(pk=case_id).events.get(kind="message_failed")
    assert event.data == {"message_id": message.pk, "subject": "About your room", "reason": message.error}
    page = case_page(world.alice, case_id)
    assert f"Failed: {escape(message.error)}" in page and "Message not sent" in page
    told = Notification.objects.get(recipient=world.alice, kind="message_failed")
    assert f"#{case_id}" in told.subject and "User unknown" in told.body


def test_the_failure_reads_in_the_agents_language(
    api: ApiClient, agent_api: ApiClient, world: World, mail_server: MailServer
) -> None:
    case_id = open_case(api, email=REFUSED)
    write(agent_api, case_id)
    call_command("worker", burst=True)
    page = case_page(world.alice, case_id, language="nl")
    assert "Mislukt: 550 5.1.1" in page and "Failed:" not in page


def test_a_message_is_tried_again_while_the_mail_server_is_down_and_sent_exactly_once(
    api: ApiClient, agent_api: ApiClient, world: World, mail_server: MailServer, settings: Any
) -> None:
    case_id = open_case(api)
    mail_server.delivered.clear()
    settings.EMAIL_PORT = free_port()  # the mail server is down
    message = write(agent_api, case_id)
    call_command("worker", burst=True)
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("queued", 1)
    assert "refused" in message.error.lower()  # [Errno 111] Connection refused
    assert retries_waiting("case_message_send_task") == 1
    assert "Not sent yet, trying again" in case_page(world.alice, case_id)
    settings.EMAIL_PORT = mail_server.port  # back up
    call_command("worker", burst=True)
    assert mail_server.delivered == []  # the next try waits a minute
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        call_command("worker", burst=True)
        assert case_message_send_task.call(message.pk) is False  # run again: sends nothing twice
        call_command("worker", burst=True)
    [item] = mail_server.delivered
    assert item.message["Message-ID"] == message.message_id
    message.refresh_from_db()
    assert (message.status, message.attempts, message.error) == ("sent", 2, "")
    assert not Case.objects.get(pk=case_id).events.filter(kind="message_failed").exists()


def test_a_message_still_failing_after_the_last_try_is_failed_and_its_author_told(
    api: ApiClient, agent_api: ApiClient, world: World, mail_server: MailServer, settings: Any
) -> None:
    case_id = open_case(api)
    settings.EMAIL_PORT = free_port()  # the mail server stays down
    message = write(agent_api, case_id)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        case_message_send_task.call(message.pk)
        message.refresh_from_db()
        assert message.attempts == attempt
        assert message.status == ("failed" if attempt == MAX_ATTEMPTS else "queued")
    assert Case.objects.get(pk=case_id).events.filter(kind="message_failed").count() == 1
    assert Notification.objects.filter(recipient=world.alice, kind="message_failed").count() == 1
    assert case_message_send_task.call(message.pk) is False  # failed stays failed


def test_a_message_whose_worker_died_while_sending_is_failed_and_never_sent_twice(
    api: ApiClient, agent_api: ApiClient, world: World, mail_server: MailServer
) -> None:
    case_id = open_case(api)
    message = write(agent_api, case_id)
    # A worker claimed it, then was killed: nobody can tell whether the mail server got it.
    claimed_at = timezone.now() - timedelta(minutes=20)
    CaseMessage.objects.filter(pk=message.pk).update(status="sending", attempts=1, attempted_at=claimed_at)
    mail_server.delivered.clear()
    call_command("worker", burst=True)
    assert mail_server.delivered == []
    assert case_messages_stalled_task.call() == 1
    assert case_messages_stalled_task.call() == 0
    message.refresh_from_db()
    assert (message.status, message.error) == ("failed", STALLED_REASON)
    assert Case.objects.get(pk=case_id).events.filter(kind="message_failed").count() == 1
    assert "it may not have been delivered" in case_page(world.alice, case_id)


def test_a_notification_the_mail_server_refuses_is_kept_failed_with_the_reason(
    world: World, mail_server: MailServer
) -> None:
    world.alice.email = REFUSED
    world.alice.save(update_fields=["email"])
    [notification] = notify(recipients=[world.alice], kind="sla_breached",
                            message=lambda: ("Case #1 missed its SLA", "Hotel Amsterdam"))  # fmt: skip
    call_command("worker", burst=True)
    email = OutgoingEmail.objects.get(notification=notification)
    assert (email.status, email.attempts) == ("failed", 1) and "User unknown" in email.error
    notification.refresh_from_db()
    assert notification.emailed_at is None


def test_a_notification_email_is_sent_once_and_marks_the_notification_emailed(
    world: World, mail_server: MailServer
) -> None:
    [notification] = notify(recipients=[world.bob], kind="sla_breached",
                            message=lambda: ("Case #1 missed\nits SLA", "Hotel Amsterdam"))  # fmt: skip
    call_command("worker", burst=True)
    [item] = mail_server.delivered
    assert item.message["Subject"] == "Case #1 missed its SLA"
    notification.refresh_from_db()
    assert notification.emailed_at is not None
    assert notification_email_task.call(notification.pk) is False  # a task queued before the outbox: nothing twice
    assert len(mail_server.delivered) == 1


def test_a_notification_task_queued_before_the_outbox_still_sends_its_email_once(
    world: World, mail_server: MailServer
) -> None:
    notification = Notification.objects.create(
        recipient=world.bob, kind="sla_breached", subject="Case #1 missed its SLA", body="-", created_at=timezone.now()
    )
    assert notification_email_task.call(notification.pk) is True
    assert notification_email_task.call(notification.pk) is False
    assert len(mail_server.delivered) == 1


def test_an_outbox_email_whose_worker_died_while_sending_is_failed_and_old_sent_ones_are_deleted(
    world: World, mail_server: MailServer
) -> None:
    long_ago = timezone.now() - timedelta(days=40)
    stalled = OutgoingEmail.objects.create(
        kind="opened", to_email="bob@example.com", subject="s", body="b", created_at=long_ago, status="sending",
        attempts=1, attempted_at=timezone.now() - timedelta(minutes=20),
    )  # fmt: skip
    old = OutgoingEmail.objects.create(
        kind="opened", to_email="bob@example.com", subject="s", body="b", created_at=long_ago, status="sent",
        attempts=1, attempted_at=long_ago, sent_at=long_ago,
    )  # fmt: skip
    assert outbox_sweep_task.call() == {"stalled": 1, "deleted": 1}
    stalled.refresh_from_db()
    assert (stalled.status, stalled.error) == ("failed", STALLED_REASON)
    assert not OutgoingEmail.objects.filter(pk=old.pk).exists()
    assert mail_server.delivered == []


@pytest.mark.parametrize(
    ("error", "permanent"),
    [
        (smtplib.SMTPRecipientsRefused({REFUSED: (550, b"5.1.1 User unknown")}), True),
        (smtplib.SMTPRecipientsRefused({REFUSED: (450, b"4.2.1 Mailbox busy, try later")}), False),
        (smtplib.SMTPDataError(554, b"5.7.1 Message rejected as spam"), True),
        (smtplib.SMTPDataError(451, b"4.3.0 Try again later"), False),
        (smtplib.SMTPAuthenticationError(535, b"5.7.8 Bad credentials"), False),  # our setup: an admin fixes it
        (smtplib.SMTPSenderRefused(553, b"5.7.1 Sender not allowed", "amends@localhost"), False),
        (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), False),
        (ConnectionRefusedError(111, "Connection refused"), False),
        (TimeoutError("timed out"), False),
        (BadHeaderError("Header values can't contain newlines"), True),
    ],
)
def test_refusals_fail_at_once_and_passing_troubles_are_tried_again(error: Exception, permanent: bool) -> None:
    failure = send_failure(error)
    assert failure.permanent is permanent
    assert failure.reason
