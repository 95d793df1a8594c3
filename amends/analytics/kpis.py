"""KPIs of recovery over a period: how often service fails, how fast and how well it is recovered, at what cost."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet, Sum

from amends.core.models import User
from amends.followups.enums import Verdict

from .filters import Filters, narrowed, weekly_sums
from .models import FollowUpDay, InteractionDay, SilentDay, case_facts

SUMMED = (
    "cases", "resolved", "first_contact_resolved", "reopened", "transfers", "sla_known", "sla_met",
    "first_response_count", "first_response_minutes", "resolution_count", "resolution_minutes", "cost",
)  # fmt: skip


@dataclass(frozen=True)
class Kpis:
    cases: int
    interactions: int
    failures_per_1000: float | None
    first_response_minutes: float | None  # mean business minutes
    resolution_minutes: float | None
    sla_compliance: float | None  # shares are 0..1
    first_contact_resolution: float | None
    transfers_per_case: float | None
    reopen_rate: float | None
    recovery_rate: float | None  # satisfied at follow-up, of those who answered
    follow_ups_answered: int
    cost: Decimal
    cost_per_case: Decimal | None
    silent_unhappy: int | None  # None when a channel or category narrows: the silent have neither
    reached_proactively: int | None
    proactive_reach: float | None
    weekly: list[dict]  # week, cases, interactions, failures_per_1000

    @property
    def resolution_hours(self) -> float | None:
        return None if self.resolution_minutes is None else self.resolution_minutes / 60


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def kpis(user: User, filters: Filters) -> Kpis:
    facts = narrowed(case_facts(filters.channel, filters.category), filters, user)
    totals = {name: total or 0 for name, total in facts.aggregate(**{name: Sum(name) for name in SUMMED}).items()}
    interactions = narrowed(InteractionDay.objects.all(), filters, user, has_team=False)
    interaction_total = interactions.aggregate(n=Sum("interactions"))["n"] or 0
    answered = _follow_ups(narrowed(FollowUpDay.objects.all(), filters, user))
    cases = totals["cases"]
    cost = Decimal(totals["cost"]).quantize(Decimal("0.01"))
    silent, reached = _silent(user, filters)
    return Kpis(
        cases=cases,
        interactions=interaction_total,
        failures_per_1000=_per_1000(cases, interaction_total),
        first_response_minutes=_ratio(totals["first_response_minutes"], totals["first_response_count"]),
        resolution_minutes=_ratio(totals["resolution_minutes"], totals["resolution_count"]),
        sla_compliance=_ratio(totals["sla_met"], totals["sla_known"]),
        first_contact_resolution=_ratio(totals["first_contact_resolved"], totals["resolved"]),
        transfers_per_case=_ratio(totals["transfers"], cases),
        reopen_rate=_ratio(totals["reopened"], cases),
        recovery_rate=_ratio(answered[Verdict.SATISFIED], sum(answered.values())),
        follow_ups_answered=sum(answered.values()),
        cost=cost,
        cost_per_case=(cost / cases).quantize(Decimal("0.01")) if cases else None,
        silent_unhappy=silent,
        reached_proactively=reached,
        proactive_reach=None if silent is None or reached is None else _ratio(reached, silent),
        weekly=_weekly(facts, interactions),
    )


def _per_1000(failures: int, interactions: int) -> float | None:
    return failures * 1000 / interactions if interactions else None


def _weekly(facts: QuerySet[Any], interactions: QuerySet[InteractionDay]) -> list[dict]:
    weeks: dict[date, list[int]] = {}
    for index, (rows, summed) in enumerate(((facts, "cases"), (interactions, "interactions"))):
        for week, n in weekly_sums(rows, summed):
            weeks.setdefault(week, [0, 0])[index] = n
    return [
        {"week": week, "cases": cases, "interactions": seen, "failures_per_1000": _per_1000(cases, seen)}
        for week, (cases, seen) in sorted(weeks.items())
    ]


def _silent(user: User, filters: Filters) -> tuple[int | None, int | None]:
    """The silent unhappy of the period, and how many of them we reached out to before they complained."""
    if filters.channel is not None or filters.category is not None:
        return None, None
    totals = narrowed(SilentDay.objects.all(), filters, user).aggregate(silent=Sum("silent"), reached=Sum("reached"))
    return totals["silent"] or 0, totals["reached"] or 0


def _follow_ups(facts: QuerySet[FollowUpDay]) -> dict[str, int]:
    """Follow-up verdicts of cases resolved in the period."""
    totals = facts.aggregate(**{verdict: Sum(verdict) for verdict in Verdict.values})
    return {verdict: total or 0 for verdict, total in totals.items()}
