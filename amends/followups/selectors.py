"""Reads of follow-ups and follow-up tasks; what a person may see follows the cases they may see."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from amends.cases.models import Case
from amends.cases.selectors import cases_visible_to
from amends.core.errors import NotFound
from amends.core.models import User

from . import rules
from .enums import FollowUpStatus, Verdict
from .models import CaseTask, FollowUp

GROUPS = ("team", "category", "month")


def latest_follow_up(case: Case) -> FollowUp | None:
    """The follow-up of the case's latest resolution; from `prefetch_related("follow_ups")` when lists use it."""
    current = [f for f in case.follow_ups.all() if f.status != FollowUpStatus.CANCELLED]
    return max(current, key=lambda f: f.pk, default=None)


def tasks_due_for(user: User, *, now: datetime | None = None) -> list[CaseTask]:
    """The person's open follow-up tasks that are due, oldest first (they show at the top of the inbox), on the cases
    they may still see: a case moved to another team takes its customer out of their sight."""
    due = CaseTask.objects.filter(owner=user, done_at__isnull=True, due_at__lte=now or timezone.now(),
                                  case__in=cases_visible_to(user))  # fmt: skip
    return list(due.select_related("case__customer").order_by("due_at")[:50])


def tasks_of_case(case: Case) -> list[CaseTask]:
    return list(case.tasks.select_related("owner").order_by("done_at", "due_at"))


def tasks_visible_to(user: User) -> QuerySet[CaseTask]:
    return CaseTask.objects.filter(case__in=cases_visible_to(user))


def task_get_for_user(*, user: User, task_id: int) -> CaseTask:
    task = tasks_visible_to(user).filter(pk=task_id).select_related("case").first()
    if task is None:
        raise NotFound(_("There is no follow-up task %(id)s, or you may not see it.") % {"id": task_id})
    return task


@dataclass(frozen=True)
class RecoveryRate:
    group: str  # the team's slug, the category, or the month "2026-11"
    answered: int
    satisfied: int
    unhappy: int
    unanswered: int
    rate: float | None  # satisfied / answered


def follow_ups_visible_to(user: User) -> QuerySet[FollowUp]:
    return FollowUp.objects.filter(case__in=cases_visible_to(user))


def recovery_rates(
    user: User, *, by: str, resolved_from: datetime | None = None, resolved_to: datetime | None = None
) -> list[RecoveryRate]:
    """The recovery rate (share of answered follow-ups whose customer was satisfied) per team, category or month
    of resolution, over the follow-ups the person may see."""
    rows = follow_ups_visible_to(user).exclude(status=FollowUpStatus.CANCELLED)
    if resolved_from is not None:
        rows = rows.filter(resolved_at__gte=resolved_from)
    if resolved_to is not None:
        rows = rows.filter(resolved_at__lt=resolved_to)
    key = {"team": "team__slug", "category": "category", "month": "month"}[by]
    if by == "month":
        rows = rows.annotate(month=TruncMonth("resolved_at"))
    counted = (
        rows.values(key)
        .annotate(
            answered=Count("pk", filter=Q(status=FollowUpStatus.ANSWERED)),
            satisfied=Count("pk", filter=Q(verdict=Verdict.SATISFIED)),
            unhappy=Count("pk", filter=Q(verdict=Verdict.UNHAPPY)),
            unanswered=Count("pk", filter=Q(status=FollowUpStatus.UNANSWERED)),
        )
        .order_by(key)
    )
    return [
        RecoveryRate(
            group=_group_name(row[key], by),
            answered=row["answered"],
            satisfied=row["satisfied"],
            unhappy=row["unhappy"],
            unanswered=row["unanswered"],
            rate=rules.recovery_rate(satisfied=row["satisfied"], answered=row["answered"]),
        )
        for row in counted
    ]


def _group_name(value: object, by: str) -> str:
    if value is None or value == "":
        return ""
    if by == "month" and isinstance(value, datetime):
        return value.strftime("%Y-%m")
    return str(value)
