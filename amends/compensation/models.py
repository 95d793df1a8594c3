"""Gestures: the catalogue, spending authority, offers with their alternatives and approvals, and the ledger."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from amends.core.enums import STAFF_ROLES
from amends.core.text import single_line

from .enums import Decision, Fulfilment, GestureType, OfferStatus


class CatalogueItem(models.Model):
    """A gesture staff can choose from, with its usual amount; per location or brand, or for everyone."""

    name = models.CharField(_("name"), max_length=120, validators=[single_line])
    type = models.CharField(_("type"), max_length=20, choices=GestureType.choices)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    default_amount = models.DecimalField(_("default amount"), max_digits=12, decimal_places=2, default=Decimal("0"),
                                         validators=[MinValueValidator(Decimal("0"))])  # fmt: skip
    validity_days = models.PositiveIntegerField(_("valid for (days)"), null=True, blank=True)
    location = models.ForeignKey("core.Location", on_delete=models.CASCADE, null=True, blank=True)
    brand = models.CharField(_("brand"), max_length=80, blank=True, validators=[single_line])
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["type", "name"]
        verbose_name = _("catalogue gesture")
        verbose_name_plural = _("gesture catalogue")

    def __str__(self) -> str:
        return self.name


class AuthorityLimit(models.Model):
    """How much a role, or one person (replacing their role's), may give without approval."""

    role = models.CharField(
        _("role"), max_length=20, choices=[(role.value, role.label) for role in STAFF_ROLES], blank=True
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    per_case = models.DecimalField(_("per case"), max_digits=12, decimal_places=2)
    per_day = models.DecimalField(_("per day"), max_digits=12, decimal_places=2, null=True, blank=True)
    per_month = models.DecimalField(_("per month"), max_digits=12, decimal_places=2, null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("spending authority")
        verbose_name_plural = _("spending authorities")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(role="") & models.Q(user__isnull=False))
                | (~models.Q(role="") & models.Q(user__isnull=True)),
                name="authority_for_role_or_user",
            ),
            models.UniqueConstraint(fields=["role"], condition=~models.Q(role=""), name="authority_one_per_role"),
            models.UniqueConstraint(fields=["user"], name="authority_one_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.role or self.user}: {self.per_case} {self.currency}"


class TeamBudget(models.Model):
    """What a team may spend on gestures in a month; a warning goes out at 80%."""

    team = models.OneToOneField("core.Team", on_delete=models.CASCADE, related_name="gesture_budget")
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    per_month = models.DecimalField(_("per month"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("team budget")
        verbose_name_plural = _("team budgets")

    def __str__(self) -> str:
        return f"{self.team}: {self.per_month} {self.currency}"


class Offer(models.Model):
    """One gesture, or alternatives for the customer to choose from, offered on a case."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="offers")
    status = models.CharField(_("status"), max_length=20, choices=OfferStatus.choices)
    reason = models.TextField(_("reason"))
    currency = models.CharField(_("currency"), max_length=3)
    offered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="offers_made")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="offers_approved"
    )
    approver_role = models.CharField(_("approved by role"), max_length=20, blank=True)  # while pending
    created_at = models.DateTimeField(auto_now_add=True)
    offered_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)  # the customer's link works until then
    chosen = models.ForeignKey("Alternative", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    chosen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        indexes = [models.Index(fields=["status", "approver_role"], name="offer_pending")]

    def __str__(self) -> str:
        return f"#{self.pk} ({self.status})"


class Alternative(models.Model):
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="alternatives")
    position = models.PositiveSmallIntegerField()  # 1, 2, ... as the customer sees them
    type = models.CharField(_("type"), max_length=20, choices=GestureType.choices)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    description = models.CharField(_("description"), max_length=300, blank=True)

    class Meta:
        ordering = ["offer", "position"]
        constraints = [models.UniqueConstraint(fields=["offer", "position"], name="alternative_position")]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.amount}"


class OfferDecision(models.Model):
    """An approver's step in the approval chain."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="decisions")
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    amount = models.DecimalField(
        _("amount"), max_digits=12, decimal_places=2, null=True, blank=True
    )  # a change: the new maximum
    comment = models.TextField(_("comment"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.decision} #{self.offer_id}"


class LedgerEntry(models.Model):
    """Every gesture given, never changed or deleted: a correction is a new entry pointing at the one it corrects."""

    # A gesture comes from an offer on a case, or from an incident announced to many customers (no case then).
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_entries"
    )
    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.PROTECT, null=True, blank=True, related_name="gestures"
    )
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="gestures")
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_entries")
    type = models.CharField(_("type"), max_length=20, choices=GestureType.choices)
    amount = models.DecimalField(
        _("amount"), max_digits=12, decimal_places=2
    )  # negative in a correction that takes money back
    currency = models.CharField(_("currency"), max_length=3)
    category = models.CharField(_("root-cause category"), max_length=100, blank=True)
    location = models.ForeignKey("core.Location", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    team = models.ForeignKey("core.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    offered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    fulfilment = models.CharField(_("fulfilment"), max_length=20, choices=Fulfilment.choices)
    voucher_code = models.CharField(_("voucher code"), max_length=40, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    corrects = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections")
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger")
        indexes = [models.Index(fields=["offered_by", "created_at"], name="ledger_by_person")]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "customer"],
                condition=models.Q(incident__isnull=False, corrects__isnull=True),
                name="ledger_incident_gesture_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.amount} {self.currency}"
