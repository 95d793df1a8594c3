from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .enums import DeliveryStatus


class Notification(models.Model):
    """A message for one colleague, shown in the app and emailed; written in the recipient's language."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    kind = models.CharField(_("kind"), max_length=32)  # the case event kind that caused it, e.g. sla_breached
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    created_at = models.DateTimeField(_("at"))
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["recipient", "read_at", "created_at"], name="notification_inbox")]

    def __str__(self) -> str:
        return self.subject


class OutgoingEmail(models.Model):
    """An email to a colleague or a team's address (a new-case alert, a notification), in the outbox until the
    worker has sent it: sent once, tried again while the failure may pass, failed with the reason when refused."""

    kind = models.CharField(_("kind"), max_length=32)  # the case event behind it: opened (the new-case alert), ...
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    notification = models.OneToOneField(
        Notification, on_delete=models.CASCADE, null=True, blank=True, related_name="email"
    )
    to_email = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("body"))
    status = models.CharField(_("status"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("tries"), default=0)
    error = models.CharField(_("why not sent"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("written at"))
    attempted_at = models.DateTimeField(_("last tried at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        indexes = [models.Index(fields=["status", "attempted_at"], name="outgoing_email_status")]

    def __str__(self) -> str:
        return f"{self.to_email}: {self.subject}"
