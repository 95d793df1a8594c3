"""Tell colleagues something: an in-app notification each, emailed by the worker."""

from collections.abc import Callable, Iterable

from django.conf import settings
from django.utils import timezone, translation

from amends.core.models import User
from amends.core.tasks import enqueue_with_transaction

from .models import Notification
from .tasks import notification_email_task


def notify(
    *, recipients: Iterable[User], kind: str, message: Callable[[], tuple[str, str]], case_id: int | None = None
) -> list[Notification]:
    """One notification per active recipient; `message` gives (subject, body) and runs in each one's language."""
    now = timezone.now()
    created = []
    for user in {user.pk: user for user in recipients if user.is_active}.values():
        with translation.override(user.language or settings.LANGUAGE_CODE):
            subject, body = message()
        notification = Notification.objects.create(
            recipient=user, case_id=case_id, kind=kind, subject=subject[:200], body=body, created_at=now
        )
        if user.email:
            enqueue_with_transaction(notification_email_task, notification.pk)
        created.append(notification)
    return created


def notifications_mark_read(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
