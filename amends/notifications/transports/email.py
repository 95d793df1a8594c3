"""Email out through Django's configured backend (SMTP in production)."""

from django.conf import settings
from django.core.mail import EmailMessage


def send_email(*, to: list[str], subject: str, body: str) -> None:
    message = EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=to)
    message.send(fail_silently=False)
