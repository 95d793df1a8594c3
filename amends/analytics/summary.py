"""The week in recovery, as a CX manager reads it on Monday: the headline KPIs against the week before, the causes
that led, and the locations whose failure rate went out of control. Read in the recipient's language and scope."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from amends.core.models import User
from amends.surveys.servqual import DIMENSION_NAMES

from .control import control_charts
from .filters import Filters
from .kpis import Kpis, kpis
from .numbers import NONE, fixed, number, percent, signed
from .pareto import pareto
from .servqual import servqual_result

CONTROL_WEEKS = 26  # the window a week's signal is judged in, as for the alerts
TOP_CAUSES = 3
SERVQUAL_WEEKS = 13  # SERVQUAL answers are few and change slowly: a quarter says more than a week


@dataclass(frozen=True)
class Headline:
    """A KPI as shown everywhere: its label, how to read it, and which way is better."""

    label: Promise
    value: Callable[[Kpis], float | Decimal | None]
    shown: Callable[[Any], str]
    higher_is_better: bool


def _money(value: Decimal | None) -> str:
    return NONE if value is None else f"{fixed(value, 2)} {settings.AMENDS_CURRENCY}"


HEADLINES = (
    Headline(gettext_lazy("Failures per 1,000 interactions"), lambda k: k.failures_per_1000, number, False),
    Headline(gettext_lazy("Cases"), lambda k: k.cases, lambda v: number(v, 0), False),
    Headline(gettext_lazy("SLA compliance"), lambda k: k.sla_compliance, percent, True),
    Headline(gettext_lazy("First-contact resolution"), lambda k: k.first_contact_resolution, percent, True),
    Headline(gettext_lazy("Reopen rate"), lambda k: k.reopen_rate, percent, False),
    Headline(gettext_lazy("Recovery rate at follow-up"), lambda k: k.recovery_rate, percent, True),
    Headline(gettext_lazy("Hours to resolve (business)"), lambda k: k.resolution_hours, number, False),
    Headline(gettext_lazy("Cost per case"), lambda k: k.cost_per_case, _money, False),
    Headline(gettext_lazy("Silent unhappy reached first"), lambda k: k.proactive_reach, percent, True),
)


@dataclass(frozen=True)
class Line:
    label: str
    now: str
    before: str
    trend: str  # "better", "worse" or "" (unchanged, or nothing to compare)
    arrow: str


@dataclass(frozen=True)
class WeekSummary:
    week: date  # Monday
    sunday: date
    number: int  # ISO week
    cases: int
    failures_per_1000: str
    lines: list[Line]
    causes: list[tuple[str, str, str]]  # category, cases, share of the week's cases
    out_of_control: list[str]  # location names
    servqual: tuple[str, str, str] | None  # the dimension with the largest gap, the gap, answers; None: no answers
    link: str
    settings_link: str


def _line(headline: Headline, now: Kpis, before: Kpis) -> Line:
    this, last = headline.value(now), headline.value(before)
    trend, arrow = "", ""
    if this is not None and last is not None and this != last:
        rising = this > last
        trend = "better" if rising == headline.higher_is_better else "worse"
        arrow = "\u25b2" if rising else "\u25bc"  # up or down triangle
    return Line(str(headline.label), headline.shown(this), headline.shown(last), trend, arrow)


def week_summary(user: User, week: date) -> WeekSummary:
    """The week from Monday `week` for this user's teams (admins: everywhere)."""
    sunday = week + timedelta(days=6)
    this_week = Filters.of(since=week, until=sunday)
    now = kpis(user, this_week)
    before = kpis(user, Filters.of(since=week - timedelta(weeks=1), until=week - timedelta(days=1)))
    charts = control_charts(user, Filters.of(since=week - timedelta(weeks=CONTROL_WEEKS - 1), until=sunday))
    query = urlencode({"since": this_week.since.isoformat(), "until": this_week.until.isoformat()})
    return WeekSummary(
        week=week,
        sunday=sunday,
        number=week.isocalendar().week,
        cases=now.cases,
        failures_per_1000=number(now.failures_per_1000),
        lines=[_line(headline, now, before) for headline in HEADLINES],
        causes=[
            (bar.label or _("(none)"), number(bar.value, 0), percent(bar.share))
            for bar in pareto(user, this_week)[:TOP_CAUSES]
        ],
        out_of_control=[chart.name for chart in charts if week in chart.signal_weeks],
        servqual=_largest_gap(user, Filters.of(since=week - timedelta(weeks=SERVQUAL_WEEKS - 1), until=sunday)),
        link=f"{settings.AMENDS_BASE_URL}{reverse('analytics:dashboard')}?{query}",
        settings_link=f"{settings.AMENDS_BASE_URL}{reverse('analytics:dashboard')}#weekly-summary",
    )


def _largest_gap(user: User, quarter: Filters) -> tuple[str, str, str] | None:
    result = servqual_result(user, quarter)
    largest = result.largest_gap_dimension
    if largest is None:
        return None
    return str(DIMENSION_NAMES[largest]), signed(result.dimension_gaps[largest]), number(result.n, 0)
