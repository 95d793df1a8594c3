"""The learning loop's endpoints: the same filters everywhere, numbers from the worker's pre-aggregated facts."""

from dataclasses import asdict

from django.conf import settings
from django.http import HttpRequest
from ninja import Query, Router

from amends.core.apikit import ERRORS_READ, ErrorOut, api_user, iso

from .control import LocationChart, control_charts
from .filters import Filters
from .fishbone import fishbone
from .kpis import kpis
from .models import Refresh
from .outcomes import outcomes
from .paradox import Subgroup, recovery_paradox
from .pareto import pareto
from .people import Workload, people
from .schemas import (
    ControlOut,
    ControlParams,
    FilterParams,
    FishboneOut,
    KpisOut,
    OutcomesOut,
    ParadoxOut,
    ParadoxParams,
    ParetoOut,
    ParetoParams,
    PeopleOut,
    ServqualOut,
)
from .servqual import servqual
from .stats import EffectSize

router = Router(tags=["learn"])


def filters_of(params: FilterParams) -> Filters:
    return Filters.of(since=params.from_, until=params.to, location=params.location, team=params.team,
                      channel=params.channel, category=params.category)  # fmt: skip


def freshness() -> dict:
    refresh = Refresh.objects.first()
    return {"refreshed_at": iso(refresh.finished_at) if refresh else None}


@router.get("/analytics/kpis", response={200: KpisOut, **ERRORS_READ})
def analytics_kpis(request: HttpRequest, params: Query[FilterParams]):
    """Failures per 1,000 interactions, response and resolution times, SLA compliance, first-contact resolution,
    transfers, reopens, recovery rate at follow-up and cost per case, with a weekly trend."""
    result = kpis(api_user(request), filters_of(params))
    return {**asdict(result), "currency": settings.AMENDS_CURRENCY, **freshness()}


@router.get("/analytics/pareto", response={200: ParetoOut, **ERRORS_READ})
def analytics_pareto(request: HttpRequest, params: Query[ParetoParams]):
    """Root-cause categories by cases or by recovery cost, largest first, with cumulative shares; the vital few
    are the categories that make up the first 80%."""
    bars = pareto(api_user(request), filters_of(params), measure=params.measure.value)
    return {"measure": params.measure.value, "total": sum(bar.value for bar in bars),
            "bars": [asdict(bar) for bar in bars], **freshness()}  # fmt: skip


@router.get("/analytics/control-chart", response={200: ControlOut, **ERRORS_READ})
def analytics_control_chart(request: HttpRequest, params: Query[ControlParams]):
    """Per location and week: the failure rate (p) or complaints per 1,000 interactions (u), centre line, limits
    that vary with the week's interactions (widened by Laney's sigma_z with laney=true), and the signals
    (beyond_limits, run_of_8, trend_of_6)."""
    charts = control_charts(api_user(request), filters_of(params), chart=params.chart.value, laney=params.laney)
    return {"chart": params.chart.value, "unit": "share" if params.chart == "p" else "per_1000", "laney": params.laney,
            "charts": [_chart_out(chart) for chart in charts], **freshness()}  # fmt: skip


def _chart_out(chart: LocationChart) -> dict:
    points = chart.chart.points if chart.chart else [None] * len(chart.weeks)
    return {
        "location": chart.location,
        "name": chart.name,
        "centre": chart.chart.centre if chart.chart else None,
        "signal_weeks": chart.signal_weeks,
        "points": [
            {"week": week, "failures": failures, "interactions": seen, "value": point.value if point else None,
             "lcl": point.lcl if point else None, "ucl": point.ucl if point else None,
             "signals": list(point.signals) if point else []}
            for week, failures, seen, point in zip(chart.weeks, chart.failures, chart.interactions, points,
                                                   strict=True)
        ],
    }  # fmt: skip


@router.get("/analytics/fishbone", response={200: FishboneOut, **ERRORS_READ})
def analytics_fishbone(request: HttpRequest, params: Query[FilterParams]):
    """Cases per cause family (people, process, product, place, policy, partners) and the categories in each."""
    bones = fishbone(api_user(request), filters_of(params))
    return {"bones": [{"family": b.family, "cases": b.cases,
                       "categories": [{"category": c, "cases": n} for c, n in b.categories]} for b in bones],
            **freshness()}  # fmt: skip


@router.get("/analytics/outcomes", response={200: OutcomesOut, **ERRORS_READ})
def analytics_outcomes(request: HttpRequest, params: Query[FilterParams]):
    """Per recovery outcome (monetary relief, non-monetary relief, explanation, ...): cases, and how often the
    customer disputed it, with a 95% Wilson interval."""
    return {"outcomes": [asdict(o) for o in outcomes(api_user(request), filters_of(params))], **freshness()}


def _effect(effect: EffectSize | None) -> dict | None:
    return {"g": effect.g, "ci_low": effect.ci_low, "ci_high": effect.ci_high} if effect else None


def _subgroup(subgroup: Subgroup) -> dict:
    return {"key": subgroup.key, "recovered": subgroup.recovered, "not_recovered": subgroup.not_recovered,
            "paradox": _effect(subgroup.paradox)}  # fmt: skip


@router.get("/analytics/recovery-paradox", response={200: ParadoxOut, **ERRORS_READ})
def analytics_recovery_paradox(request: HttpRequest, params: Query[ParadoxParams]):
    """Satisfaction, likelihood to recommend, likelihood to buy again and actual return within `return_days` of
    customers who never had a failure, who had one recovered to their satisfaction, and who had one not recovered;
    the paradox as Hedges' g (recovered against never failed) with its 95% interval, per measure and, for
    `measure`, per category and severity; set against de Matos, Henrique & Rossi (2007). `channel` does not apply."""
    result = recovery_paradox(api_user(request), filters_of(params), measure=params.measure.value,
                              return_days=params.return_days)  # fmt: skip
    measures = [
        {"measure": m.measure, "verdict": m.verdict, "benchmark": m.benchmark, "agrees": m.agrees,
         "paradox": _effect(m.paradox), "recovery": _effect(m.recovery),
         "groups": {group: {"n": g.n, "mean": g.mean, "sd": g.sd} for group, g in m.groups.items()}}
        for m in result.measures
    ]  # fmt: skip
    return {"measure": result.measure, "return_days": result.return_days, "measures": measures,
            "by_category": [_subgroup(s) for s in result.by_category],
            "by_severity": [_subgroup(s) for s in result.by_severity], **freshness()}  # fmt: skip


@router.get("/analytics/servqual", response={200: ServqualOut, **ERRORS_READ})
def analytics_servqual(request: HttpRequest, params: Query[FilterParams]):
    """SERVQUAL gaps (perception minus expectation, 1-7) per statement, dimension and location, the score weighted
    by the customers' importance points, and the dimension with the largest gap. `channel` and `category` do not
    apply: the answers are about the place."""
    report = servqual(api_user(request), filters_of(params))
    result = report.result
    return {
        "answers": result.n, "unweighted": result.unweighted, "weighted": result.weighted,
        "largest_gap_dimension": result.largest_gap_dimension,
        "dimensions": [asdict(d) | {"largest": d.dimension == result.largest_gap_dimension} for d in report.dimensions],
        "items": [asdict(item) for item in report.items],
        "locations": [
            {"location": g.code, "name": g.name, "answers": g.n, "dimension_gaps": g.dimension_gaps,
             "largest_gap_dimension": g.largest_gap_dimension}
            for g in report.locations
        ],
        **freshness(),
    }  # fmt: skip


def _workload(w: Workload) -> dict:
    return {
        "name": w.name,
        "team": w.team,
        "people": w.people,
        "open_now": w.open_now,
        "per_day": w.per_day,
        **w.counts,
    }


@router.get("/analytics/people", response={200: PeopleOut, 403: ErrorOut, **ERRORS_READ})
def analytics_people(request: HttpRequest, params: Query[FilterParams]):
    """Supervisors and admins: per team and person, cases open now, cases opened and resolved in the period, per
    day, SLA breaches, escalations, reopens and follow-up answers; and the signals of overload. `team` narrows;
    `location`, `channel` and `category` do not apply."""
    report = people(api_user(request), filters_of(params))
    return {"teams": [_workload(w) for w in report.teams], "persons": [_workload(w) for w in report.persons],
            "signals": [asdict(s) for s in report.signals], **freshness()}  # fmt: skip
