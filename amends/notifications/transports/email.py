"""Email out through Django's configured backend (SMTP in production)."""

from collections.abc import Mapping

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives


def send_email(*, to: list[str], subject: str, body: str, html: str | None = None) -> None:
    """Plain text, with an HTML alternative when given (mail clients that cannot show it read the text)."""
    if html is None:
        send_email_with_headers(to=to, subject=subject, body=body, headers={})
        return
    message = EmailMultiAlternatives(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=to)
    message.attach_alternative(html, "text/html")
    message.send(fail_silently=False)


def send_email_with_headers(*, to: list[str], subject: str, body: str, headers: Mapping[str, str]) -> None:
    """With our own Message-ID, In-Reply-To and References, so that the answer finds its way back."""
    message = EmailMessage(
        subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=to, headers=dict(headers)
    )
    message.send(fail_silently=False)
