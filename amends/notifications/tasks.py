from datetime import timedelta

from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from .delivery import deliver, stalled_give_up
from .enums import DeliveryStatus
from .models import Notification, OutgoingEmail
from .transports.email import email_message

# Sent emails to colleagues stay in the outbox this long (to see what went out), then they are deleted.
SENT_KEPT = timedelta(days=30)


def _email(email: OutgoingEmail) -> EmailMessage:
    return email_message(to=[email.to_email], subject=email.subject, body=email.body)


@task()
def outgoing_email_send_task(email_id: int) -> bool:
    """Send one email from the outbox, once; a failure that may pass is tried again later, a refusal is kept with
    its reason (see delivery.py). A notification's email marks the notification emailed."""
    delivery = deliver(OutgoingEmail, email_id, build=_email, retry=outgoing_email_send_task)
    if delivery is None or delivery.status != DeliveryStatus.SENT:
        return False
    email = OutgoingEmail.objects.get(pk=email_id)
    if email.notification_id is not None:
        Notification.objects.filter(pk=email.notification_id).update(emailed_at=email.sent_at)
    return True


@task()
def outbox_sweep_task() -> dict[str, int]:
    """Emails whose worker died while sending them are marked failed (they may have gone out, so they are not sent
    again); sent emails older than SENT_KEPT are deleted. Safe on several workers at once."""
    stalled = stalled_give_up(OutgoingEmail)
    old = OutgoingEmail.objects.filter(status=DeliveryStatus.SENT, sent_at__lt=timezone.now() - SENT_KEPT)
    deleted, _per_model = old.delete()
    return {"stalled": len(stalled), "deleted": deleted}


@task()
def notification_email_task(notification_id: int) -> bool:
    """Tasks queued before the outbox existed: the notification's email goes into the outbox (once) and out."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient")
            .filter(pk=notification_id, emailed_at__isnull=True, email__isnull=True)
            .first()
        )
        if notification is None or not notification.recipient.email:
            return False
        email = OutgoingEmail.objects.create(
            kind=notification.kind,
            case_id=notification.case_id,
            notification=notification,
            to_email=notification.recipient.email,
            subject=notification.subject,
            body=notification.body,
            created_at=timezone.now(),
        )
    return bool(outgoing_email_send_task.call(email.pk))
