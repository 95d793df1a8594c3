"""Follow-ups: the survey a week or two after a case is resolved, and the agents' own call-back tasks."""

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .enums import FollowUpStatus, Verdict
from .rules import MAX_DAYS, MIN_DAYS

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _scale(label: "StrOrPromise", low: int, high: int) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        label, null=True, blank=True, validators=[MinValueValidator(low), MaxValueValidator(high)]
    )


class FollowUpDelay(models.Model):
    """How long after resolution a category's customers are asked (the default is AMENDS_FOLLOW_UP_DAYS)."""

    category = models.CharField(_("category"), max_length=100, unique=True)
    days = models.PositiveSmallIntegerField(
        _("days after resolution"), default=7, validators=[MinValueValidator(MIN_DAYS), MaxValueValidator(MAX_DAYS)]
    )

    class Meta:
        ordering = ["category"]
        verbose_name = _("follow-up delay")
        verbose_name_plural = _("follow-up delays")

    def __str__(self) -> str:
        return f"{self.category}: {self.days}"


class FollowUp(models.Model):
    """Asking the customer, after a resolution, whether the recovery worked. One per resolution of a case.

    The link's token is an HMAC of the id and a random nonce under SECRET_KEY: unguessable and never stored.
    Team, category and location are copied at resolution so the recovery rate keeps the case's state then.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="follow_ups")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="follow_ups")
    team = models.ForeignKey("core.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    category = models.CharField(_("category"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=FollowUpStatus.choices)
    language = models.CharField(_("language"), max_length=8)
    nonce = models.CharField(max_length=32)
    resolved_at = models.DateTimeField(_("resolved at"))
    due_at = models.DateTimeField(_("due"))
    remind_at = models.DateTimeField(_("remind at"))
    closes_at = models.DateTimeField(_("closes at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    verdict = models.CharField(_("verdict"), max_length=10, choices=Verdict.choices, blank=True)
    handling = _scale(_("satisfaction with the handling"), 1, 5)
    overall = _scale(_("overall satisfaction"), 1, 5)
    nps = _scale(_("likelihood to recommend"), 0, 10)
    repurchase = _scale(_("likelihood to buy again"), 1, 5)
    fair_outcome = _scale(_("fair outcome"), 1, 5)
    fair_process = _scale(_("fair and quick process"), 1, 5)
    fair_treatment = _scale(_("courteous and honest treatment"), 1, 5)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [
            models.Index(fields=["status", "due_at"], name="follow_up_due"),
            models.Index(fields=["status", "remind_at"], name="follow_up_remind"),
        ]

    def __str__(self) -> str:
        return f"#{self.case_id} ({self.status})"


class CaseTask(models.Model):
    """An agent's own follow-up on a case, e.g. "call back in two weeks"; it shows in their inbox when due."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="tasks")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_tasks")
    due_at = models.DateTimeField(_("due"))
    note = models.CharField(_("what to do"), max_length=300)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("created at"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        ordering = ["due_at"]
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")
        indexes = [models.Index(fields=["owner", "due_at"], condition=models.Q(done_at__isnull=True),
                                name="case_task_open")]  # fmt: skip

    def __str__(self) -> str:
        return self.note
