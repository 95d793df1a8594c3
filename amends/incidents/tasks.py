from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from amends.compensation.models import LedgerEntry
from amends.notifications.delivery import MAX_ERROR_LENGTH, send_failure
from amends.notifications.transports.email import email_message

from .enums import NoticeStatus
from .models import IncidentNotice, IncidentUpdate

BATCH = 200


def _email(update: IncidentUpdate, notice: IncidentNotice, gesture: LedgerEntry | None) -> EmailMessage:
    """The update's message as this customer reads it (selectors.notice_text)."""
    from .selectors import notice_text

    customer = notice.customer
    subject, body = notice_text(update.incident, update.messages, customer, gesture)
    return email_message(to=[customer.email], subject=subject[:200], body=body)


def _gestures(update: IncidentUpdate, batch: list[IncidentNotice]) -> dict[int, LedgerEntry]:
    """The incident's gesture to each customer of the batch, if it has one (its voucher code goes in the text)."""
    if update.incident.gesture_id is None:
        return {}
    entries = LedgerEntry.objects.filter(
        incident_id=update.incident_id, corrects__isnull=True, customer_id__in=[n.customer_id for n in batch]
    )
    return {entry.customer_id: entry for entry in entries}


@task()
def incident_send_task(update_id: int) -> int:
    """Send an update's queued notices in batches over one connection; returns how many were sent.

    Each batch is claimed (and committed) before sending, and each notice marked sent after it went out, so a
    crash never sends anyone the same update twice; a rerun, or a second worker, takes what is still queued.
    """
    from .services import notices_claim

    update = IncidentUpdate.objects.select_related("incident__location").get(pk=update_id)
    sent = 0
    while batch := notices_claim(update_id, size=BATCH):
        gestures = _gestures(update, batch)
        try:
            with get_connection() as connection:
                for notice in batch:
                    try:
                        connection.send_messages([_email(update, notice, gestures.get(notice.customer_id))])
                    except Exception as error:
                        IncidentNotice.objects.filter(pk=notice.pk).update(
                            status=NoticeStatus.FAILED, error=send_failure(error).reason[:MAX_ERROR_LENGTH]
                        )
                        continue
                    with transaction.atomic():
                        IncidentNotice.objects.filter(pk=notice.pk).update(
                            status=NoticeStatus.SENT, sent_at=timezone.now()
                        )
                    sent += 1
        except Exception as error:  # the mail server could not be reached: the rest of the batch says so
            IncidentNotice.objects.filter(pk__in=[notice.pk for notice in batch], status=NoticeStatus.SENDING).update(
                status=NoticeStatus.FAILED, error=send_failure(error).reason[:MAX_ERROR_LENGTH]
            )
    return sent
