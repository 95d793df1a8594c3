from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from amends.core.models import Location, Team
from amends.customers.models import Customer

from .enums import CaseStatus, EventKind, Severity


class Case(models.Model):
    """A recovery case: one failure of one customer, with one owner and an SLA clock."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="cases")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="cases")
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="cases")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="owned_cases"
    )
    status = models.CharField(_("status"), max_length=24, choices=CaseStatus.choices, default=CaseStatus.NEW)
    severity = models.CharField(_("severity"), max_length=12, choices=Severity.choices, default=Severity.MEDIUM)
    category = models.CharField(_("category"), max_length=100, blank=True)
    summary = models.CharField(_("summary"), max_length=200, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    # How the recovery ended for the customer, e.g. monetary_relief (see RecoveryOutcome).
    outcome = models.CharField(_("outcome"), max_length=32, blank=True)
    outcome_disputed = models.BooleanField(_("customer disputed the outcome"), null=True, blank=True)
    sla_met = models.BooleanField(_("SLA met"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    first_response_due_at = models.DateTimeField(_("first response due"))
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    # The next SLA deadline while the case is open (first response, then resolution); null once resolved.
    # Denormalised so that inboxes sort on an index.
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    alert_sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("recovery case")
        verbose_name_plural = _("recovery cases")
        indexes = [
            models.Index(fields=["owner", "due_at", "id"], name="case_owner_due"),
            models.Index(fields=["team", "due_at", "id"], name="case_team_due"),
            models.Index(fields=["status", "due_at", "id"], name="case_status_due"),
            models.Index(fields=["customer", "status"], name="case_customer_status"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.summary}"


class CaseEvent(models.Model):
    """One entry of a case's timeline; `kind` says what happened and which keys `data` holds."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=32, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        indexes = [models.Index(fields=["case", "created_at"], name="case_event_timeline")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on #{self.case_id}"
