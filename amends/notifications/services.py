"""Tell colleagues something: an in-app notification each, emailed by the worker."""

from collections.abc import Callable, Iterable

from django.conf import settings
from django.utils import timezone, translation

from amends.core.models import User
from amends.core.tasks import enqueue_with_transaction
from amends.core.text import flattened

from .models import Notification, OutgoingEmail
from .tasks import outgoing_email_send_task

MAX_SUBJECT_LENGTH = 255  # OutgoingEmail.subject


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
            recipient=user, case_id=case_id, kind=kind, subject=flattened(subject)[:200], body=body, created_at=now
        )
        if user.email:
            email_queue(
                to=user.email, subject=subject, body=body, kind=kind, case_id=case_id, notification=notification
            )
        created.append(notification)
    return created


def email_queue(
    *,
    to: str,
    subject: str,
    body: str,
    kind: str,
    case_id: int | None = None,
    notification: Notification | None = None,
) -> OutgoingEmail:
    """Put an email to a colleague (or a team's address) in the outbox; the worker sends it once it is committed."""
    email = OutgoingEmail.objects.create(
        kind=kind,
        case_id=case_id,
        notification=notification,
        to_email=to,
        subject=flattened(subject)[:MAX_SUBJECT_LENGTH],
        body=body,
        created_at=timezone.now(),
    )
    enqueue_with_transaction(outgoing_email_send_task, email.pk)
    return email


def notifications_mark_read(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
