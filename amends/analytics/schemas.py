from datetime import date
from decimal import Decimal
from enum import StrEnum

from ninja import Schema
from pydantic import Field, field_validator

from amends.core.apikit import IsoDate, QuerySchema

from .models import RETURN_WINDOWS


class FilterParams(QuerySchema):
    from_: IsoDate | None = Field(
        default=None, alias="from", description="First day (default: 26 weeks before `to`); three years at most."
    )
    to: IsoDate | None = Field(default=None, description="Last day, included (default: today).")
    location: str | None = Field(default=None, description="A location code.")
    team: str | None = Field(default=None, description="A team slug.")
    channel: str | None = Field(default=None, description="The channel the case came in by.")
    category: str | None = Field(default=None, description="A root-cause category.")


class Measure(StrEnum):
    CASES = "cases"
    COST = "cost"


class ParetoParams(FilterParams):
    measure: Measure = Field(default=Measure.CASES, description="cases, or cost (gestures, in AMENDS_CURRENCY).")


class ChartKind(StrEnum):
    P = "p"
    U = "u"


class ControlParams(FilterParams):
    chart: ChartKind = Field(default=ChartKind.P, description="p: failure rate; u: complaints per 1,000 interactions.")
    laney: bool = Field(
        default=False,
        description="Laney's p' / u' limits (an extension): widened by how much the weeks really vary, for "
        "locations so large that the 3-sigma limits flag ordinary weeks.",
    )


class Freshness(Schema):
    refreshed_at: str | None = Field(description="When the facts were last rebuilt by the worker; null: never.")


class WeekOut(Schema):
    week: date
    cases: int
    interactions: int
    failures_per_1000: float | None


class KpisOut(Freshness):
    cases: int
    interactions: int
    failures_per_1000: float | None
    first_response_minutes: float | None = Field(description="Mean, in business minutes.")
    resolution_minutes: float | None
    sla_compliance: float | None = Field(description="Shares are fractions from 0 to 1.")
    first_contact_resolution: float | None
    transfers_per_case: float | None
    reopen_rate: float | None
    recovery_rate: float | None = Field(description="Satisfied at follow-up, of those who answered.")
    follow_ups_answered: int
    cost: Decimal
    cost_per_case: Decimal | None
    silent_unhappy: int | None = Field(
        description="Customers the at-risk rules found unhappy but silent in the period (an extension). "
        "Null when a channel or category narrows: the silent have neither."
    )
    reached_proactively: int | None = Field(description="Of those, reached by a proactive case before they complained.")
    proactive_reach: float | None = Field(description="reached_proactively / silent_unhappy.")
    currency: str
    weekly: list[WeekOut]


class ParetoBarOut(Schema):
    category: str
    label: str = Field(description="The category's name in the taxonomy, in the request's language (an extension).")
    stage: str
    family: str
    value: float
    share: float
    cumulative_share: float
    vital_few: bool


class ParetoOut(Freshness):
    measure: str
    total: float
    bars: list[ParetoBarOut]


class PointOut(Schema):
    week: date
    failures: int
    interactions: int
    value: float | None
    lcl: float | None
    ucl: float | None
    signals: list[str]


class ChartOut(Schema):
    location: str
    name: str
    centre: float | None
    signal_weeks: list[date]
    points: list[PointOut]


class ControlOut(Freshness):
    chart: str
    unit: str
    laney: bool
    charts: list[ChartOut]


class BoneOut(Schema):
    family: str
    cases: int
    categories: list[dict]


class FishboneOut(Freshness):
    bones: list[BoneOut]


class OutcomeOut(Schema):
    outcome: str
    cases: int
    disputed_known: int
    disputed: int
    dispute_rate: float | None
    ci_low: float | None
    ci_high: float | None


class OutcomesOut(Freshness):
    outcomes: list[OutcomeOut]


class ParadoxMeasure(StrEnum):
    SATISFACTION = "satisfaction"
    RECOMMEND = "recommend"
    REPURCHASE = "repurchase"
    RETURNED = "returned"


class ParadoxParams(FilterParams):
    measure: ParadoxMeasure = Field(
        default=ParadoxMeasure.SATISFACTION, description="The measure the breakdowns by category and severity compare."
    )
    return_days: int = Field(
        default=90,
        description="Actual return: an interaction within this many days (30, 90 or 180).",
        json_schema_extra={"enum": list(RETURN_WINDOWS)},
    )

    @field_validator("return_days")
    @classmethod
    def _known_window(cls, days: int) -> int:
        if days not in RETURN_WINDOWS:
            raise ValueError(f"Choose one of {', '.join(map(str, RETURN_WINDOWS))}.")
        return days


class GroupOut(Schema):
    n: int
    mean: float | None
    sd: float | None


class EffectOut(Schema):
    g: float = Field(description="Hedges' g: the difference in means in pooled standard deviations.")
    ci_low: float
    ci_high: float


class ParadoxMeasureOut(Schema):
    measure: str = Field(description="satisfaction (1-5), recommend (0-10), repurchase (1-5) or returned (0/1).")
    groups: dict[str, GroupOut] = Field(description="never_failed, recovered, not_recovered.")
    paradox: EffectOut | None = Field(description="Recovered against never failed; null when too few answers.")
    recovery: EffectOut | None = Field(description="Recovered against not recovered.")
    verdict: str | None = Field(description="paradox, no_difference or below (the interval decides).")
    benchmark: str | None = Field(description="What de Matos, Henrique & Rossi (2007) found for this measure.")
    agrees: bool | None


class SubgroupOut(Schema):
    key: str
    recovered: int
    not_recovered: int
    paradox: EffectOut | None


class ParadoxOut(Freshness):
    measure: str
    return_days: int
    measures: list[ParadoxMeasureOut]
    by_category: list[SubgroupOut]
    by_severity: list[SubgroupOut]


class ServqualItemOut(Schema):
    item: int = Field(description="The statement, 1-22.")
    dimension: str
    expectation: float | None = Field(description="Mean, 1-7.")
    perception: float | None
    gap: float | None = Field(description="Perception minus expectation: below 0 falls short.")


class ServqualDimensionOut(Schema):
    dimension: str = Field(description="tangibles, reliability, responsiveness, assurance or empathy.")
    gap: float | None
    weighted_gap: float | None = Field(description="Its part of the weighted score: importance share times gap.")
    importance: float | None = Field(description="Mean points out of 100.")
    largest: bool


class ServqualLocationOut(Schema):
    location: str
    name: str
    answers: int
    dimension_gaps: dict[str, float | None]
    largest_gap_dimension: str | None


class ServqualOut(Freshness):
    answers: int
    unweighted: float | None = Field(description="Mean of the five dimension gaps.")
    weighted: float | None = Field(description="Gaps weighted by each customer's importance points.")
    largest_gap_dimension: str | None
    dimensions: list[ServqualDimensionOut]
    items: list[ServqualItemOut]
    locations: list[ServqualLocationOut]


class WorkloadOut(Schema):
    name: str
    team: str
    people: int
    open_now: int = Field(description="Cases open now with this owner (or the team's owners).")
    cases: int = Field(description="Cases opened in the period and owned.")
    per_day: float
    resolved: int
    sla_breached: int
    escalated: int = Field(description="Cases an SLA alert went out about.")
    reopened: int
    follow_ups_answered: int
    follow_ups_satisfied: int


class SignalOut(Schema):
    person: str
    team: str
    reason: str = Field(description="open_cases (well above the team's median) or breaches (twice the team's share).")
    value: float
    usual: float


class PeopleOut(Freshness):
    teams: list[WorkloadOut]
    persons: list[WorkloadOut] = Field(description="Alphabetical within each team; never ranked.")
    signals: list[SignalOut]
