"""Email out through Django's configured backend (SMTP in production).

Every email Amends sends is built here, so that its subject and headers are one line each: a subject is often put
together from stored text (a location's name, a customer's, an incident's title, a business's template), and Django
refuses to send a header with a line break in it (BadHeaderError), which would lose the email.
"""

from collections.abc import Mapping

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives

from amends.core.text import flattened


def email_message(
    *, to: list[str], subject: str, body: str, headers: Mapping[str, str] | None = None, html: str | None = None
) -> EmailMessage:
    """Plain text, with an HTML alternative when given (mail clients that cannot show it read the text)."""
    subject, sender = flattened(subject), settings.DEFAULT_FROM_EMAIL
    one_line = {name: flattened(value) for name, value in (headers or {}).items()}
    if html is None:
        return EmailMessage(subject=subject, body=body, from_email=sender, to=to, headers=one_line)
    message = EmailMultiAlternatives(subject=subject, body=body, from_email=sender, to=to, headers=one_line)
    message.attach_alternative(html, "text/html")
    return message


def send_email(*, to: list[str], subject: str, body: str, html: str | None = None) -> None:
    email_message(to=to, subject=subject, body=body, html=html).send(fail_silently=False)


def send_email_with_headers(*, to: list[str], subject: str, body: str, headers: Mapping[str, str]) -> None:
    """With our own Message-ID, In-Reply-To and References, so that the answer finds its way back."""
    email_message(to=to, subject=subject, body=body, headers=headers).send(fail_silently=False)
