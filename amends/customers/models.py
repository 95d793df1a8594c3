from django.db import models
from django.utils.translation import gettext_lazy as _

from amends.core.enums import Language
from amends.core.models import Location
from amends.core.text import single_line


class Customer(models.Model):
    external_id = models.CharField(_("external id"), max_length=128, unique=True, validators=[single_line])
    name = models.CharField(_("name"), max_length=200, blank=True, validators=[single_line])
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True, validators=[single_line])
    language = models.CharField(_("language"), max_length=8, choices=Language.choices, default=Language.EN)
    segment = models.CharField(
        _("segment"), max_length=40, blank=True, help_text=_("For example VIP."), validators=[single_line]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return self.name or self.external_id


class Interaction(models.Model):
    """A service event: an order, a stay, a flight, a delivery."""

    external_id = models.CharField(_("external id"), max_length=128, unique=True, validators=[single_line])
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="interactions")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="interactions")
    kind = models.CharField(
        _("kind"), max_length=40, help_text=_("For example order, stay, flight."), validators=[single_line]
    )
    occurred_at = models.DateTimeField(_("occurred at"), db_index=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        # A customer's next visit after a failure or a survey: "actual return within N days" in the analytics.
        indexes = [models.Index(fields=["customer", "occurred_at"], name="interaction_customer_time")]

    def __str__(self) -> str:
        return f"{self.kind} {self.external_id}"
