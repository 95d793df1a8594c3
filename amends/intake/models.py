from django.db import models
from django.utils.translation import gettext_lazy as _

from amends.core.models import Location
from amends.customers.models import Customer, Interaction

from .enums import Channel, FeedbackKind


class Feedback(models.Model):
    """A survey answer or a complaint, as the customer gave it."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="feedback")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="feedback")
    interaction = models.ForeignKey(
        Interaction, on_delete=models.SET_NULL, null=True, blank=True, related_name="feedback"
    )
    case = models.ForeignKey("cases.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="feedback")
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=FeedbackKind.choices)
    csat = models.PositiveSmallIntegerField(_("CSAT"), null=True, blank=True)
    nps = models.PositiveSmallIntegerField(_("NPS"), null=True, blank=True)
    ces = models.PositiveSmallIntegerField(_("CES"), null=True, blank=True)
    text = models.TextField(_("text"), blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    is_negative = models.BooleanField(_("negative"), default=False)
    occurred_at = models.DateTimeField(_("occurred at"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        indexes = [models.Index(fields=["customer", "-occurred_at"], name="feedback_customer_recent")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"
