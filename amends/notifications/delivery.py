"""Every email row is sent at most once, retried while the failure may pass, and marked failed with the reason.

A row that is emailed (a message to a customer, an alert or a notification to a colleague) has the fields
`status` (DeliveryStatus), `attempts`, `error`, `attempted_at` and `sent_at`. Its task calls `deliver`:

- the row is claimed (queued -> sending) in its own committed update before anything is sent, so a second worker,
  or the same task run again, never sends it twice;
- sent: `sent`. Refused for good (the server refuses the address or the content, a header is broken): `failed`, at
  once. A failure that may pass (the server is down, busy, or asks to try later): back to `queued` with the reason,
  and the task queued again after a growing delay, until MAX_ATTEMPTS tries have failed;
- a worker that dies while sending leaves the row `sending`: `stalled_give_up` marks it failed after a while, since
  nobody can tell whether it went out (sending it again could send it twice).
"""

import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.mail import EmailMessage
from django.db import models
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop
from django_tasks.base import Task

from amends.core.tasks import STALE_AFTER, enqueue_with_transaction

from .enums import DeliveryStatus

logger = logging.getLogger(__name__)


# After the first, second, ... failed try, the next one waits this long; after the last one, the email has failed.
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
MAX_ERROR_LENGTH = 300


@dataclass(frozen=True)
class SendFailure:
    reason: str  # the mail server's own words where it gave some, e.g. "550 5.1.1 No such user"
    permanent: bool  # trying again would fail again


def send_failure(error: Exception) -> SendFailure:
    """What a failed send means: refused for good (the address, the content, a broken header), or worth another
    try (the server is down, busy or misconfigured for the moment: 4xx replies, lost connections, timeouts)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        replies = list(error.recipients.values())
        reason = "; ".join(_reply(code, text) for code, text in replies) or str(error)
        return SendFailure(reason, permanent=any(code >= 500 for code, _text in replies))
    if isinstance(error, smtplib.SMTPResponseException):
        reason = _reply(error.smtp_code, error.smtp_error)
        # The server refused this message (its content, its size): for good. Refusing our login, our sender address
        # or our greeting is the server's setup, which an admin fixes: worth trying again.
        about_us = (smtplib.SMTPAuthenticationError, smtplib.SMTPSenderRefused, smtplib.SMTPConnectError,
                    smtplib.SMTPHeloError)  # fmt: skip
        return SendFailure(reason, permanent=500 <= error.smtp_code < 600 and not isinstance(error, about_us))
    if isinstance(error, smtplib.SMTPException | OSError):
        return SendFailure(str(error) or type(error).__name__, permanent=False)
    # A broken header or address (BadHeaderError is a ValueError), or a fault of ours: trying again changes nothing.
    return SendFailure(f"{type(error).__name__}: {error}", permanent=True)


def _reply(code: int, text: bytes | str) -> str:
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {words}".strip()


def retry_delay(attempts: int) -> timedelta | None:
    """How long to wait after `attempts` failed tries; None: no more tries."""
    return RETRY_DELAYS[attempts - 1] if 1 <= attempts <= len(RETRY_DELAYS) else None


@dataclass(frozen=True)
class Delivery:
    status: DeliveryStatus  # sent, queued (to be tried again) or failed
    reason: str = ""  # why it was not sent


def deliver(
    model: type[models.Model], pk: int, *, build: Callable[[Any], EmailMessage], retry: Task[Any, Any]
) -> Delivery | None:
    """Send one row's email (see the module's description); None when it was not this call's to send (already
    sent, failed, or being sent by another worker). `build` makes the email from the row; `retry` is the task that
    called, queued again with the row's id when the failure may pass."""
    rows: QuerySet[Any] = model._default_manager.filter(pk=pk)
    now = timezone.now()
    if not rows.filter(status=DeliveryStatus.QUEUED).update(
        status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, attempted_at=now
    ):
        return None
    row = rows.get()
    try:
        build(row).send(fail_silently=False)
    except Exception as error:
        failure = send_failure(error)
        delay = None if failure.permanent else retry_delay(row.attempts)
        reason = failure.reason[:MAX_ERROR_LENGTH]
        if delay is None:
            logger.warning("%s %s not sent after %s tries: %s", model.__name__, pk, row.attempts, reason, exc_info=True)
            rows.filter(status=DeliveryStatus.SENDING).update(status=DeliveryStatus.FAILED, error=reason)
            return Delivery(DeliveryStatus.FAILED, reason)
        rows.filter(status=DeliveryStatus.SENDING).update(status=DeliveryStatus.QUEUED, error=reason)
        enqueue_with_transaction(retry.using(run_after=now + delay), pk)
        return Delivery(DeliveryStatus.QUEUED, reason)
    rows.filter(status=DeliveryStatus.SENDING).update(status=DeliveryStatus.SENT, sent_at=timezone.now(), error="")
    return Delivery(DeliveryStatus.SENT)


# Stored in English like the mail servers' own words; pages show it translated (the text is its own msgid).
STALLED_REASON = gettext_noop("The worker stopped while sending it; it may not have been delivered.")


def stalled_give_up(model: type[models.Model], *, now: datetime | None = None) -> list[int]:
    """Rows whose worker died while sending them: failed, with the reason; returns their ids. Not sent again,
    since they may have gone out. Each is taken with a conditional update, so overlapping sweeps take it once."""
    cutoff = (now or timezone.now()) - STALE_AFTER
    manager = model._default_manager
    stalled = manager.filter(status=DeliveryStatus.SENDING, attempted_at__lt=cutoff)
    given_up = []
    for pk in list(stalled.values_list("pk", flat=True)[:500]):
        if manager.filter(pk=pk, status=DeliveryStatus.SENDING, attempted_at__lt=cutoff).update(
            status=DeliveryStatus.FAILED, error=STALLED_REASON
        ):
            given_up.append(pk)
    return given_up
