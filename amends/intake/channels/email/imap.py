"""Poll a support mailbox over IMAP: every message newer than the last one read becomes feedback, once.

The folder is opened read-only (EXAMINE) and messages are fetched with BODY.PEEK[]: Amends never marks mail as seen
or moves it, so the people who also read the mailbox see it as they left it. Where to resume is `Mailbox.last_uid`,
advanced in the same transaction that stores each message, so an interrupted poll resumes without loss or
duplicates. When the server renumbers the folder (UIDVALIDITY changes) the poll starts again from the first
message; the Message-ID keeps what was stored before from being stored again.
"""

import imaplib
import logging
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from amends.core.errors import DomainError
from amends.intake.models import Mailbox

from .services import email_receive

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 30
MAX_MESSAGES_PER_POLL = 200  # a first poll of a large mailbox continues in the next poll
# A poll claims its mailbox by stamping last_polled_at (again after each message); another poll may start only when
# the stamp is older than this, so two workers never read the same mailbox at once.
CLAIM_SECONDS = 30


class MailboxError(Exception):
    """The mailbox cannot be read now (no password, refused login, unreachable server, unknown folder)."""


@dataclass
class PollResult:
    read: int = 0  # messages fetched and handled
    outcomes: Counter[str] = field(default_factory=Counter)  # EmailStatus value: count
    error: str = ""


def mailbox_claim(mailbox_id: int) -> Mailbox | None:
    """The active mailbox, stamped as being polled now; None when it is inactive or another poll holds it."""
    now = timezone.now()
    claimed = (
        Mailbox.objects.filter(pk=mailbox_id, is_active=True)
        .filter(Q(last_polled_at__isnull=True) | Q(last_polled_at__lt=now - timedelta(seconds=CLAIM_SECONDS)))
        .update(last_polled_at=now)
    )
    if not claimed:
        return None
    return Mailbox.objects.select_related("location").get(pk=mailbox_id)


def mailbox_poll(mailbox: Mailbox, *, limit: int = MAX_MESSAGES_PER_POLL) -> PollResult:
    """Read the messages that arrived since the last poll; the error, if any, is kept in `mailbox.last_error`."""
    result = PollResult()
    try:
        with _connect(mailbox) as imap:
            uidvalidity = _open_folder(imap, mailbox)
            _follow_uidvalidity(mailbox, uidvalidity)
            for uid in _new_uids(imap, mailbox.last_uid)[:limit]:
                _read_one(imap, mailbox, uid, result)
    except (MailboxError, imaplib.IMAP4.error, OSError) as error:
        result.error = str(error) or type(error).__name__
        logger.warning("mailbox %s: %s", mailbox.pk, result.error)
    mailbox.last_error = result.error
    mailbox.last_polled_at = timezone.now()
    Mailbox.objects.filter(pk=mailbox.pk).update(last_error=result.error, last_polled_at=mailbox.last_polled_at)
    return result


def _connect(mailbox: Mailbox) -> imaplib.IMAP4:
    password = os.environ.get(mailbox.password_env, "") if mailbox.password_env else ""
    if not password:
        raise MailboxError(
            _("The environment variable %(name)s with this mailbox's password is not set.")
            % {"name": mailbox.password_env or "?"}
        )
    imap_class = imaplib.IMAP4_SSL if mailbox.use_ssl else imaplib.IMAP4
    imap = imap_class(mailbox.host, mailbox.port, timeout=TIMEOUT_SECONDS)
    try:
        if not mailbox.use_ssl and "STARTTLS" in imap.capabilities:
            imap.starttls()  # the password travels encrypted whenever the server can do it
        imap.login(mailbox.username, password)
    except imaplib.IMAP4.error as error:
        imap.shutdown()
        raise MailboxError(_("The IMAP server refused the login: %(error)s") % {"error": error}) from error
    except OSError:
        imap.shutdown()
        raise
    return imap


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _open_folder(imap: imaplib.IMAP4, mailbox: Mailbox) -> int:
    """EXAMINE the folder (read-only) and return its UIDVALIDITY."""
    status, data = imap.select(_quoted(mailbox.folder), readonly=True)
    if status != "OK":
        detail = data[0].decode(errors="replace") if data and isinstance(data[0], bytes) else ""
        raise MailboxError(
            _("The folder %(folder)s cannot be opened: %(detail)s") % {"folder": mailbox.folder, "detail": detail}
        )
    _name, values = imap.response("UIDVALIDITY")  # the server said it in its answer to EXAMINE
    found = re.fullmatch(rb"\s*(\d+)\s*", values[0] if values and isinstance(values[0], bytes) else b"")
    if found is None:
        _status, values = imap.status(_quoted(mailbox.folder), "(UIDVALIDITY)")
        found = re.search(rb"UIDVALIDITY (\d+)", values[0] if values and isinstance(values[0], bytes) else b"")
    if found is None:
        raise MailboxError(_("The IMAP server did not say the folder's UIDVALIDITY."))
    return int(found.group(1))


def _follow_uidvalidity(mailbox: Mailbox, uidvalidity: int) -> None:
    if mailbox.uidvalidity == uidvalidity:
        return
    if mailbox.uidvalidity is not None:
        logger.warning("mailbox %s: UIDVALIDITY changed, reading the folder again from the start", mailbox.pk)
    mailbox.uidvalidity, mailbox.last_uid = uidvalidity, 0
    Mailbox.objects.filter(pk=mailbox.pk).update(uidvalidity=uidvalidity, last_uid=0)


def _new_uids(imap: imaplib.IMAP4, last_uid: int) -> list[int]:
    status, data = imap.uid("SEARCH", "UID", f"{last_uid + 1}:*")
    if status != "OK":
        raise MailboxError(_("The IMAP server refused to search the folder."))
    found = data[0] if data and isinstance(data[0], bytes) else b""
    # "n:*" always includes the newest message, even when its UID is below n: keep only the really new ones.
    return sorted(uid for uid in map(int, found.split()) if uid > last_uid)


def _fetch(imap: imaplib.IMAP4, uid: int) -> bytes | None:
    """The raw message, or None when it was deleted since the search."""
    status, data = imap.uid("FETCH", str(uid), "(BODY.PEEK[])")
    if status != "OK":
        raise MailboxError(_("The IMAP server refused to fetch message %(uid)s.") % {"uid": uid})
    for item in data:
        if isinstance(item, tuple) and b"BODY[]" in item[0]:
            return bytes(item[1])
    return None


def _read_one(imap: imaplib.IMAP4, mailbox: Mailbox, uid: int, result: PollResult) -> None:
    """Store one message and move past it; a message that cannot be stored stops the poll, to be tried again."""
    raw = _fetch(imap, uid)
    try:
        with transaction.atomic():
            if raw is not None:
                outcome = email_receive(raw, mailbox_location_code=mailbox.location.code, mailbox_name=mailbox.name)
                result.outcomes[outcome.status] += 1
            # Same transaction as the message: a crash before the commit reads it again, after the commit never.
            Mailbox.objects.filter(pk=mailbox.pk, last_uid__lt=uid).update(last_uid=uid, last_polled_at=timezone.now())
    except DomainError as error:  # e.g. the mailbox's location was deleted
        raise MailboxError(_("Message %(uid)s was not stored: %(error)s") % {"uid": uid, "error": error}) from error
    except Exception as error:
        logger.exception("mailbox %s: message %s was not stored", mailbox.pk, uid)
        raise MailboxError(_("Message %(uid)s was not stored: %(error)s") % {"uid": uid, "error": error}) from error
    mailbox.last_uid = max(mailbox.last_uid, uid)
    result.read += 1
