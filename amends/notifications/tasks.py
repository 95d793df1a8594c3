from django.db import transaction
from django.utils import timezone
from django_tasks import task

from .models import Notification
from .transports.email import send_email


@task()
def notification_email_task(notification_id: int) -> bool:
    """Email one notification. Claimed with a conditional update: a retry or a second worker sends nothing twice;
    a failed send rolls the claim back so that a retry can try again."""
    with transaction.atomic():
        claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
        if not claimed:
            return False
        notification = Notification.objects.select_related("recipient").get(pk=notification_id)
        send_email(to=[notification.recipient.email], subject=notification.subject, body=notification.body)
        return True
