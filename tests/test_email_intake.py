"""Email in: a complaint opens a case, its replies join it, nothing is stored twice, machines are ignored.

The IMAP tests run against a real Dovecot on loopback (CI installs dovecot-imapd).
"""

import grp
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from amends.cases.enums import CaseStatus
from amends.cases.models import Case
from amends.cases.services import case_resolve
from amends.core.errors import DomainError
from amends.core.models import Location
from amends.customers.models import Customer
from amends.intake.channels.email import imap as imap_module
from amends.intake.channels.email.imap import mailbox_claim, mailbox_poll
from amends.intake.channels.email.services import EmailStatus, email_receive
from amends.intake.models import Feedback, FeedbackAttachment, Mailbox
from amends.intake.tasks import poll_mailbox_task

from .conftest import World, free_port

IMAP_USER, IMAP_PASSWORD = "support", "imap-secret-123"
PASSWORD_ENV = "AMENDS_TEST_IMAP_PASSWORD"


def message(
    *,
    message_id: str | None = "<complaint-1@mail.example.com>",
    sender: str = '"Anna de Vries" <anna@example.com>',
    subject: str = "Dirty room, nobody came",
    body: str = "The room was dirty and nobody came when I called.",
    extra: tuple[str, ...] = (),
) -> bytes:
    headers = [f"From: {sender}", "To: support@hotel.example", f"Subject: {subject}", *extra]
    if message_id:
        headers.append(f"Message-ID: {message_id}")
    return "\r\n".join([*headers, "Date: Mon, 03 Mar 2025 10:00:00 +0100", "", body, ""]).encode()


def reply(**overrides: Any) -> bytes:
    values: dict[str, Any] = {
        "message_id": "<reply-1@mail.example.com>",
        "subject": "Re: Dirty room, nobody came",
        "body": "And now the shower is broken too.\n\nOn Mon, 3 Mar 2025, Hotel wrote:\n> We are sorry",
        "extra": ("In-Reply-To: <hotel-answer@hotel.example>", "References: <complaint-1@mail.example.com>"),
    }
    values.update(overrides)
    return message(**values)


OUT_OF_OFFICE = message(
    message_id="<ooo-1@mail.example.com>",
    subject="Automatic reply: Your stay with us",
    body="I am out of the office until Monday.",
    extra=("Auto-Submitted: auto-replied",),
)
BOUNCE = "\r\n".join(
    [
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.com>",
        "To: support@hotel.example",
        "Subject: Undelivered Mail Returned to Sender",
        "Message-ID: <bounce-1@mx.example.com>",
        "MIME-Version: 1.0",
        'Content-Type: multipart/report; report-type=delivery-status; boundary="dsn"',
        "",
        "--dsn",
        "Content-Type: text/plain",
        "",
        "I'm sorry to have to inform you that your message could not be delivered.",
        "--dsn",
        "Content-Type: message/delivery-status",
        "",
        "Final-Recipient: rfc822; gone@example.com",
        "Action: failed",
        "--dsn--",
        "",
    ]
).encode()


WITH_PHOTO = "\r\n".join(
    [
        "From: anna@example.com",
        "Subject: Broken lamp",
        "Message-ID: <lamp@example.com>",
        'Content-Type: multipart/mixed; boundary="b"',
        "",
        "--b",
        "Content-Type: text/plain",
        "",
        "Photo attached.",
        "--b",
        "Content-Type: image/jpeg",
        'Content-Disposition: attachment; filename="lamp.jpg"',
        "Content-Transfer-Encoding: base64",
        "",
        "/9j/4AAQSkZJRg==",
        "--b",
        "Content-Type: application/pdf",
        'Content-Disposition: attachment; filename="receipt.pdf"',
        "",
        "%PDF-1.4",
        "--b--",
        "",
    ]
).encode()


def receive(raw: bytes, **options: Any):
    return email_receive(raw, mailbox_location_code="ams", **options)


# --- the service ----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_complaint_by_email_becomes_feedback_on_a_new_case(world: World) -> None:
    outcome = receive(message(extra=("Content-Language: nl-NL",)), mailbox_name="Support")
    assert outcome.status == EmailStatus.STORED
    feedback = Feedback.objects.select_related("customer", "case").get()
    assert (feedback.pk, feedback.case_id) == (outcome.feedback_id, outcome.case_id)
    assert (feedback.channel, feedback.kind, feedback.source) == ("email", "complaint", "email")
    assert feedback.external_ref == "<complaint-1@mail.example.com>"
    assert feedback.text == "Dirty room, nobody came\n\nThe room was dirty and nobody came when I called."
    assert feedback.language == "nl"
    customer = feedback.customer
    assert (customer.external_id, customer.name, customer.email, customer.language) == (
        "email:anna@example.com",
        "Anna de Vries",
        "anna@example.com",
        "nl",
    )
    assert feedback.attributes["subject"] == "Dirty room, nobody came"
    assert feedback.attributes["mailbox"] == "Support"
    assert feedback.case is not None and feedback.case.status == CaseStatus.NEW
    assert feedback.case.location == world.ams


@pytest.mark.django_db
def test_a_reply_joins_the_case_of_the_message_it_answers(world: World) -> None:
    first = receive(message())
    answer = receive(reply())
    assert answer.status == EmailStatus.STORED
    assert answer.case_id == answer.thread_case_id == first.case_id
    stored = Feedback.objects.get(pk=answer.feedback_id)
    assert stored.text == "Re: Dirty room, nobody came\n\nAnd now the shower is broken too."
    assert stored.attributes["in_reply_to"] == "<hotel-answer@hotel.example>"
    assert stored.attributes["references"] == ["<complaint-1@mail.example.com>"]
    assert Case.objects.count() == 1


@pytest.mark.django_db
def test_a_reply_from_another_address_still_joins_the_thread(world: World) -> None:
    first = receive(message())
    answer = receive(reply(sender="Pieter de Vries <pieter@work.example>"))
    assert answer.case_id == first.case_id
    stored = Feedback.objects.select_related("customer").get(pk=answer.feedback_id)
    assert stored.customer.external_id == "email:anna@example.com"
    assert stored.customer.name == "Anna de Vries"  # the thread's customer is not renamed
    assert stored.attributes["from"] == "pieter@work.example"
    assert not Customer.objects.filter(external_id="email:pieter@work.example").exists()


@pytest.mark.django_db
def test_a_reply_to_a_resolved_case_within_its_reopen_window_reopens_it(world: World) -> None:
    first = receive(message())
    case_resolve(
        case=Case.objects.get(pk=first.case_id), category="cleaning", resolution="Room cleaned", by=world.alice
    )
    answer = receive(reply())
    assert answer.status == EmailStatus.STORED
    assert answer.case_id == first.case_id
    case = Case.objects.get(pk=first.case_id)
    assert (case.status, case.reopens, case.contacts) == ("in_progress", 1, 2)


@pytest.mark.django_db
def test_a_reply_after_the_reopen_window_opens_a_new_case_linked_to_the_old_one(world: World) -> None:
    first = receive(message())
    case_resolve(
        case=Case.objects.get(pk=first.case_id), category="cleaning", resolution="Room cleaned", by=world.alice
    )
    Case.objects.filter(pk=first.case_id).update(reopen_until=timezone.now() - timedelta(minutes=1))
    answer = receive(reply())
    assert answer.thread_case_id == first.case_id != answer.case_id
    new = Case.objects.get(pk=answer.case_id)
    assert new.follows_id == first.case_id
    assert new.customer_id == Case.objects.get(pk=first.case_id).customer_id


@pytest.mark.django_db
def test_the_same_message_twice_is_stored_once(world: World) -> None:
    assert receive(message()).status == EmailStatus.STORED
    again = receive(message())
    assert (again.status, again.feedback_id, again.message_id) == (
        EmailStatus.DUPLICATE,
        None,
        "<complaint-1@mail.example.com>",
    )
    assert Feedback.objects.count() == 1


@pytest.mark.django_db
def test_a_message_without_message_id_is_recognised_by_its_bytes(world: World) -> None:
    first = receive(message(message_id=None))
    assert first.message_id.startswith("sha256:")
    assert receive(message(message_id=None)).status == EmailStatus.DUPLICATE
    assert receive(message(message_id=None, body="Another complaint")).status == EmailStatus.STORED
    assert Feedback.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("automatic", [OUT_OF_OFFICE, BOUNCE], ids=["out-of-office", "bounce"])
def test_auto_replies_and_bounces_store_nothing(world: World, automatic: bytes) -> None:
    outcome = receive(automatic)
    assert outcome.status == EmailStatus.IGNORED_AUTOMATIC
    assert outcome.reason
    assert (Feedback.objects.count(), Case.objects.count(), Customer.objects.count()) == (0, 0, 0)


@pytest.mark.django_db
def test_a_message_without_sender_is_rejected_not_stored(world: World) -> None:
    outcome = receive(b"Subject: Who am I?\r\nMessage-ID: <anon@example.com>\r\n\r\nHello\r\n")
    assert (outcome.status, outcome.reason) == (EmailStatus.REJECTED, "no sender address")
    assert Feedback.objects.count() == 0


@pytest.mark.django_db
def test_attachments_are_stored_with_the_feedback(world: World, settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    outcome = receive(WITH_PHOTO)
    attachment, receipt = FeedbackAttachment.objects.filter(feedback_id=outcome.feedback_id).order_by("id")
    assert (receipt.content_type, receipt.size) == ("application/pdf", 8)
    assert (attachment.content_type, attachment.size) == ("image/jpeg", 10)
    assert str(attachment.file.name).endswith(".jpg")
    with attachment.file.open("rb") as stored:
        assert stored.read() == b"\xff\xd8\xff\xe0\x00\x10JFIF"


@pytest.mark.django_db
def test_a_failure_while_storing_leaves_no_files_behind(
    world: World, settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from amends.intake.channels.email import services

    settings.MEDIA_ROOT = tmp_path
    real_attach = services.feedback_attach

    def fail_on_the_second(**kwargs: Any):
        if FeedbackAttachment.objects.exists():
            raise OSError("disk full")
        return real_attach(**kwargs)

    monkeypatch.setattr(services, "feedback_attach", fail_on_the_second)
    with pytest.raises(OSError, match="disk full"):
        receive(WITH_PHOTO)
    assert (Feedback.objects.count(), FeedbackAttachment.objects.count()) == (0, 0)
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []


@pytest.mark.django_db
def test_a_language_amends_does_not_speak_leaves_the_customers_language(world: World) -> None:
    outcome = receive(message(extra=("Content-Language: pt-BR",)))
    feedback = Feedback.objects.select_related("customer").get(pk=outcome.feedback_id)
    assert (feedback.language, feedback.customer.language) == ("en", "en")


@pytest.mark.django_db
def test_an_unknown_location_is_refused(world: World) -> None:
    with pytest.raises(DomainError):
        email_receive(message(), mailbox_location_code="nowhere")
    assert Feedback.objects.count() == 0


@pytest.mark.django_db
def test_import_eml_stores_each_file_once(world: World, tmp_path: Path) -> None:
    complaint, bounce = tmp_path / "complaint.eml", tmp_path / "bounce.eml"
    complaint.write_bytes(message())
    bounce.write_bytes(BOUNCE)
    output = run_command("import_eml", str(complaint), str(bounce), str(complaint), "--location", "ams")
    lines = output.splitlines()
    assert lines[0].startswith(f"{complaint}: stored as feedback ")
    assert lines[1].startswith(f"{bounce}: ignored_automatic ")
    assert lines[2] == f"{complaint}: duplicate"
    assert Feedback.objects.count() == 1


@pytest.mark.django_db
def test_import_eml_refuses_an_unknown_location_and_reports_unreadable_files(world: World, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no location with the code nowhere"):
        run_command("import_eml", str(tmp_path / "x.eml"), "--location", "nowhere")
    with pytest.raises(CommandError, match="1 file"):
        run_command("import_eml", str(tmp_path / "missing.eml"), "--location", "ams")


def run_command(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


# --- a real IMAP server ---------------------------------------------------------------------------------------------


@dataclass
class Dovecot:
    port: int

    def client(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        client.login(IMAP_USER, IMAP_PASSWORD)
        return client

    def append(self, folder: str, *messages: bytes) -> None:
        with self.client() as client:
            for raw in messages:
                status, data = client.append(f'"{folder}"', None, None, raw)
                assert status == "OK", data

    def flags(self, folder: str) -> list[bytes]:
        with self.client() as client:
            client.select(f'"{folder}"', readonly=True)
            _status, data = client.uid("FETCH", "1:*", "(FLAGS)")
            return [item for item in data if isinstance(item, bytes)]


def _dovecot_conf(home: Path, port: int, user: str, group: str) -> str:
    # Only the master runs as root (when the tests do); every other process runs as `user`, so nothing chroots.
    # No delay or growing penalty after a failed login: a test of a wrong password must not slow the next test.
    return f"""
base_dir = {home}/run
state_dir = {home}/state
log_path = {home}/dovecot.log
instance_name = amends-test-{port}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_login_user = {user}
default_internal_user = {user}
default_internal_group = {group}
mail_location = maildir:{home}/mail/%u
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {home}/passwd
}}
userdb {{
  driver = static
  args = uid={user} gid={group} home={home}/home/%u
}}
"""


def _wait_for_port(process: subprocess.Popen, port: int, home: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    logs = "\n".join(path.read_text(errors="replace") for path in home.glob("*.log") if path.exists())
    pytest.fail(f"Dovecot did not start listening on 127.0.0.1:{port}:\n{logs}")


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    """A real Dovecot IMAP server on loopback, with its own configuration, state and mail in a temporary directory.

    The directory comes from mkdtemp rather than tmp_path: Dovecot's unix sockets need a short path, and when the
    tests run as root the unprivileged Dovecot processes must be able to reach it (pytest's tmp dirs are 0700).
    """
    binary = shutil.which("dovecot", path=f"{os.environ.get('PATH', '')}{os.pathsep}/usr/sbin{os.pathsep}/sbin")
    if binary is None:
        pytest.fail("Dovecot is not installed: the IMAP intake tests need it (apt-get install dovecot-imapd).")
    home = Path(tempfile.mkdtemp(prefix="amends-dovecot-"))
    account = pwd.getpwnam("nobody") if os.geteuid() == 0 else pwd.getpwuid(os.geteuid())
    user, group = account.pw_name, grp.getgrgid(account.pw_gid).gr_name
    port = free_port()
    (home / "dovecot.conf").write_text(_dovecot_conf(home, port, user, group))
    (home / "passwd").write_text(f"{IMAP_USER}:{{PLAIN}}{IMAP_PASSWORD}\n")
    for sub in ("mail", "home"):
        (home / sub).mkdir()
    home.chmod(0o755)
    if os.geteuid() == 0:
        for path in (home, home / "mail", home / "home", home / "passwd"):
            os.chown(path, account.pw_uid, account.pw_gid)
    with open(home / "stderr.log", "wb") as stderr:
        process = subprocess.Popen([binary, "-F", "-c", str(home / "dovecot.conf")], stdout=stderr, stderr=stderr)
    try:
        _wait_for_port(process, port, home)
        yield Dovecot(port=port)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        shutil.rmtree(home, ignore_errors=True)


_folders = iter(range(1, 10_000))


@pytest.fixture
def mailbox(world: World, dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch) -> Mailbox:
    """A mailbox on its own new IMAP folder (the server outlives each test's database)."""
    folder = f"Support {next(_folders)}"
    with dovecot.client() as client:
        status, data = client.create(f'"{folder}"')
        assert status == "OK", data
    monkeypatch.setenv(PASSWORD_ENV, IMAP_PASSWORD)
    return Mailbox.objects.create(
        name="Amsterdam support",
        host="127.0.0.1",
        port=dovecot.port,
        use_ssl=False,
        username=IMAP_USER,
        password_env=PASSWORD_ENV,
        folder=folder,
        location=world.ams,
    )


def poll(mailbox: Mailbox):
    result = mailbox_poll(Mailbox.objects.select_related("location").get(pk=mailbox.pk))
    mailbox.refresh_from_db()
    return result


@pytest.mark.django_db
def test_polling_a_real_mailbox_turns_complaints_into_cases_once(mailbox: Mailbox, dovecot: Dovecot) -> None:
    dovecot.append(mailbox.folder, message(), OUT_OF_OFFICE, BOUNCE)
    first = poll(mailbox)
    assert (first.read, first.error, dict(first.outcomes)) == (3, "", {"stored": 1, "ignored_automatic": 2})
    case = Case.objects.get()
    assert case.status == CaseStatus.NEW
    assert (mailbox.last_uid, mailbox.last_error) == (3, "")
    assert mailbox.uidvalidity is not None and mailbox.last_polled_at is not None

    dovecot.append(mailbox.folder, reply(), message())  # the customer answers; a mail loop delivers the first again
    second = poll(mailbox)
    assert (second.read, dict(second.outcomes)) == (2, {"stored": 1, "duplicate": 1})
    assert Case.objects.get() == case
    assert case.feedback.count() == 2
    assert Feedback.objects.count() == 2

    third = poll(mailbox)
    assert (third.read, mailbox.last_uid) == (0, 5)
    assert all(b"\\Seen" not in flags for flags in dovecot.flags(mailbox.folder))  # left unread for the humans


@pytest.mark.django_db
def test_a_poll_interrupted_mid_way_resumes_without_loss_or_duplicates(
    mailbox: Mailbox, dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    second = message(message_id="<complaint-2@mail.example.com>", sender="bob@example.com")
    dovecot.append(mailbox.folder, message(), second)
    real_receive = imap_module.email_receive
    calls = []

    def crash_on_the_second(raw: bytes, **options: Any):
        calls.append(raw)
        if len(calls) == 2:
            raise RuntimeError("worker lost its database connection")
        return real_receive(raw, **options)

    monkeypatch.setattr(imap_module, "email_receive", crash_on_the_second)
    interrupted = poll(mailbox)
    assert interrupted.read == 1
    assert "Message 2 was not stored" in interrupted.error
    assert (mailbox.last_uid, mailbox.last_error) == (1, interrupted.error)
    monkeypatch.setattr(imap_module, "email_receive", real_receive)
    resumed = poll(mailbox)
    assert (resumed.read, dict(resumed.outcomes), resumed.error) == (1, {"stored": 1}, "")
    assert (mailbox.last_uid, mailbox.last_error) == (2, "")
    assert Feedback.objects.count() == 2


@pytest.mark.django_db
def test_a_new_uidvalidity_reads_the_folder_again_without_storing_twice(mailbox: Mailbox, dovecot: Dovecot) -> None:
    dovecot.append(mailbox.folder, message())
    poll(mailbox)
    Mailbox.objects.filter(pk=mailbox.pk).update(uidvalidity=1, last_uid=99)  # as if the server renumbered
    again = poll(mailbox)
    assert (again.read, dict(again.outcomes)) == (1, {"duplicate": 1})
    assert mailbox.last_uid == 1 and mailbox.uidvalidity != 1
    assert Feedback.objects.count() == 1


@pytest.mark.django_db
def test_a_missing_password_is_reported_on_the_mailbox(mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PASSWORD_ENV)
    result = poll(mailbox)
    assert result.read == 0
    assert mailbox.last_error == f"The environment variable {PASSWORD_ENV} with this mailbox's password is not set."


@pytest.mark.django_db
def test_a_wrong_password_is_reported_on_the_mailbox(mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "wrong")
    poll(mailbox)
    assert mailbox.last_error.startswith("The IMAP server refused the login")


@pytest.mark.django_db
def test_an_unknown_folder_is_reported_on_the_mailbox(mailbox: Mailbox) -> None:
    Mailbox.objects.filter(pk=mailbox.pk).update(folder="No such folder")
    poll(mailbox)
    assert mailbox.last_error.startswith("The folder No such folder cannot be opened")


@pytest.mark.django_db
def test_two_workers_never_poll_the_same_mailbox_at_once(world: World) -> None:
    mailbox = Mailbox.objects.create(
        name="Support", host="127.0.0.1", username="u", password_env="X", location=world.ams
    )
    assert mailbox_claim(mailbox.pk) is not None
    assert mailbox_claim(mailbox.pk) is None
    Mailbox.objects.filter(pk=mailbox.pk).update(last_polled_at=timezone.now() - timedelta(minutes=5))
    assert mailbox_claim(mailbox.pk) is not None
    Mailbox.objects.filter(pk=mailbox.pk).update(last_polled_at=None, is_active=False)
    assert mailbox_claim(mailbox.pk) is None


@pytest.mark.django_db(transaction=True)
def test_the_worker_polls_a_queued_mailbox(mailbox: Mailbox, dovecot: Dovecot, settings: Any) -> None:
    if settings.REDIS_URL:
        pytest.skip("this run uses the Redis queue")
    dovecot.append(mailbox.folder, message(), OUT_OF_OFFICE)
    poll_mailbox_task.enqueue(mailbox.pk)
    call_command("worker", burst=True)
    mailbox.refresh_from_db()
    assert (mailbox.last_uid, mailbox.last_error) == (2, "")
    assert Feedback.objects.get().case is not None
    assert poll_mailbox_task.call(mailbox.pk) == 0  # just polled: claimed by the worker's run


@pytest.mark.django_db
def test_poll_mailboxes_once_inline_polls_every_active_mailbox(mailbox: Mailbox, dovecot: Dovecot) -> None:
    dovecot.append(mailbox.folder, message())
    output = run_command("poll_mailboxes", "--once", "--inline")
    assert output == "Amsterdam support: 1 new message(s) (1 stored)\n"
    assert Feedback.objects.count() == 1


@pytest.mark.django_db
def test_poll_mailboxes_once_queues_a_poll_per_mailbox_and_fails_on_errors(
    mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run_command("poll_mailboxes", "--once") == "Amsterdam support: poll queued\n"
    monkeypatch.delenv(PASSWORD_ENV)
    with pytest.raises(CommandError, match="1 mailbox"):
        run_command("poll_mailboxes", "--once", "--inline")


# --- upload on the web ----------------------------------------------------------------------------------------------

UPLOAD_URL = "/intake/email/upload/"


def upload(client: Client, location: Location, *files: tuple[str, bytes]):
    uploads = [SimpleUploadedFile(name, content, content_type="message/rfc822") for name, content in files]
    return client.post(UPLOAD_URL, {"location": location.pk, "emails": uploads})


@pytest.mark.django_db
def test_an_agent_uploads_saved_emails_for_their_location(world: World, settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    client = Client()
    client.force_login(world.alice)
    assert client.get(UPLOAD_URL).status_code == 200
    response = upload(client, world.ams, ("complaint.eml", message()), ("bounce.eml", BOUNCE))
    assert response.status_code == 200
    case = Case.objects.get()
    page = response.content.decode()
    assert 'data-status="stored"' in page and f'href="/cases/{case.pk}/"' in page
    assert 'data-status="ignored_automatic"' in page
    assert Feedback.objects.get().attributes["mailbox"] == "upload"


@pytest.mark.django_db
def test_an_agent_cannot_upload_for_another_teams_location(world: World) -> None:
    client = Client()
    client.force_login(world.alice)
    response = upload(client, world.ber, ("complaint.eml", message()))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert Feedback.objects.count() == 0


@pytest.mark.django_db
def test_someone_without_a_location_may_not_upload(world: World) -> None:
    client = Client()
    client.force_login(world.charlie)
    assert client.get(UPLOAD_URL).status_code == 403
    assert upload(client, world.ams, ("complaint.eml", message())).status_code == 403
    assert Feedback.objects.count() == 0


@pytest.mark.django_db
def test_the_upload_page_needs_a_login(world: World) -> None:
    response = Client().get(UPLOAD_URL)
    assert response.status_code == 302 and "login" in response["Location"]
