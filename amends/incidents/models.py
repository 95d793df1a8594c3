"""Proactive incidents: a known problem announced to the affected customers before they complain."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from amends.core.text import single_line

from .enums import IncidentStatus, NoticeStatus, UpdateKind


class Incident(models.Model):
    """E.g. "storm delays deliveries in region North". The cohort is a query over interactions, fixed (into
    members) when the first notice is sent, so updates reach exactly the same customers."""

    title = models.CharField(_("title"), max_length=200, validators=[single_line])
    status = models.CharField(_("status"), max_length=12, choices=IncidentStatus.choices, default=IncidentStatus.DRAFT)
    location = models.ForeignKey("core.Location", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    occurred_from = models.DateTimeField(_("interactions from"), null=True, blank=True)
    occurred_to = models.DateTimeField(_("interactions until"), null=True, blank=True)
    attributes = models.JSONField(_("attribute filters"), default=dict, blank=True)  # {"region": "North"}
    messages = models.JSONField(_("first notice per language"), default=dict)  # {"nl": "...", "en": "..."}
    gesture = models.ForeignKey(
        "compensation.CatalogueItem", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("gesture for every affected customer"),
    )  # fmt: skip
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    announced_at = models.DateTimeField(_("announced at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")

    def __str__(self) -> str:
        return self.title


class IncidentMember(models.Model):
    """An affected customer: the cohort as it was when the incident was announced."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="members")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="incidents")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident", "customer"], name="incident_member_once")]

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.customer_id}"


class IncidentUpdate(models.Model):
    """One message to the whole cohort: the first notice, a status update, or the resolution."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    kind = models.CharField(_("kind"), max_length=12, choices=UpdateKind.choices)
    messages = models.JSONField(_("message per language"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.kind}"


class IncidentNotice(models.Model):
    """One customer's copy of one update, with its delivery status. Unique per update and customer: nobody is
    queued twice, and a claimed row is never sent again."""

    update = models.ForeignKey(IncidentUpdate, on_delete=models.CASCADE, related_name="notices")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(_("status"), max_length=12, choices=NoticeStatus.choices, default=NoticeStatus.QUEUED)
    claim = models.CharField(max_length=32, blank=True)  # which worker's batch took it
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["update", "customer"], name="incident_notice_once")]
        indexes = [models.Index(fields=["update", "status"], name="incident_notice_status")]

    def __str__(self) -> str:
        return f"{self.update_id}: {self.customer_id} ({self.status})"


class IncidentCase(models.Model):
    """A case opened by a customer of the incident after it was announced: they complained anyway."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="cases")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="incidents")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident", "case"], name="incident_case_once")]

    def __str__(self) -> str:
        return f"{self.incident_id}: #{self.case_id}"
