"""Control charts per location and week: the failure rate (p-chart: cases / interactions) and complaints per 1,000
interactions (u-chart), with 3-sigma limits that vary with the week's number of interactions and the Western
Electric signals flagged."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from amends.core.models import Location, User

from . import stats
from .filters import Filters, monday, narrowed, weekly_sums
from .models import InteractionDay, case_facts

CHARTS = ("p", "u")


@dataclass(frozen=True)
class LocationChart:
    location_id: int
    team_id: int | None
    location: str
    name: str
    weeks: list[date]  # Mondays
    failures: list[int]  # cases (p) or complaints (u) per week
    interactions: list[int]
    chart: stats.ControlChart | None  # None: the rate is not a proportion here (more cases than interactions)

    @property
    def signal_weeks(self) -> list[date]:
        return [self.weeks[i] for i in stats.signal_indexes(self.chart)] if self.chart else []


def control_charts(user: User, filters: Filters, *, chart: str = "p", laney: bool = False) -> list[LocationChart]:
    """One chart per location with interactions in the period; locations with signals first. `laney`: limits
    widened by Laney's sigma_z, for locations so large that the textbook limits flag ordinary weeks."""
    weeks = _weeks(filters.since, filters.until)
    failures = narrowed(case_facts(filters.channel, filters.category), filters, user)
    # u: complaints, what customers raised themselves, not what a survey found
    counted = _by_location_week(failures, "complaints" if chart == "u" else "cases")
    exposure = _by_location_week(narrowed(InteractionDay.objects.all(), filters, user, has_team=False), "interactions")
    locations = Location.objects.in_bulk(list(exposure))
    charts = []
    for location_id, sizes_by_week in exposure.items():
        sizes = [sizes_by_week.get(week, 0) for week in weeks]
        counts = [counted.get(location_id, {}).get(week, 0) for week in weeks]
        location = locations[location_id]
        charts.append(LocationChart(location_id, location.team_id, location.code, location.name, weeks, counts, sizes,
                                    _chart(chart, counts, sizes, laney)))  # fmt: skip
    return sorted(charts, key=lambda c: (not c.signal_weeks, c.name))


def _chart(kind: str, counts: list[int], sizes: list[int], laney: bool) -> stats.ControlChart | None:
    if kind == "u":
        return stats.u_chart(counts, sizes, per=1000.0, laney=laney)
    if any(count > size for count, size in zip(counts, sizes, strict=True)):
        return None
    return stats.p_chart(counts, sizes, laney=laney)


def _weeks(since: date, until: date) -> list[date]:
    """The complete weeks of the period: a week cut short (the current one, or by the period) has fewer
    interactions and would look out of control for that reason alone."""
    first = monday(since + timedelta(days=6))  # since itself when it is a Monday, else the Monday after
    last = min(monday(until + timedelta(days=1)), monday(timezone.localdate())) - timedelta(weeks=1)
    return [first + timedelta(weeks=n) for n in range((last - first).days // 7 + 1)] if first <= last else []


def _by_location_week(facts: QuerySet[Any], summed: str) -> dict[int, dict[date, int]]:
    """The facts summed per location and week (Monday), grouped by the database."""
    grouped: dict[int, dict[date, int]] = {}
    for location_id, week, n in weekly_sums(facts, summed, "location_id"):
        grouped.setdefault(location_id, {})[week] = n
    return grouped
