"""Pure statistics for the analytics pages: Pareto, control charts, effect sizes, intervals, SERVQUAL.

Nothing here touches Django or the database, so every function can be tested against independent
implementations (numpy, statsmodels) and reused from views, tasks and exports alike.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist

__all__ = [
    "CENTRE_TOLERANCE",
    "SERVQUAL_DIMENSIONS",
    "SERVQUAL_ITEM_DIMENSION",
    "SIGNAL_BEYOND_LIMITS",
    "SIGNAL_RUN_OF_8",
    "SIGNAL_TREND_OF_6",
    "VITAL_FEW_SHARE",
    "ChartPoint",
    "ControlChart",
    "EffectSize",
    "ParetoRow",
    "ServqualResponse",
    "ServqualResult",
    "hedges_g",
    "p_chart",
    "pareto",
    "servqual_gaps",
    "signal_indexes",
    "u_chart",
    "western_electric",
    "wilson_interval",
]

# --------------------------------------------------------------------------- Pareto

VITAL_FEW_SHARE = 0.8
# Shares are ratios of float sums; a boundary that is exactly 0.8 on paper must not miss by one ulp.
_SHARE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class ParetoRow:
    """One category of a Pareto table; shares are fractions (0..1) of the grand total."""

    key: str
    value: float
    share: float
    cumulative_share: float
    vital_few: bool


def pareto(values: Mapping[str, float]) -> list[ParetoRow]:
    """Rank categories by size so the few causes behind most of the total stand out.

    Rows are sorted by value descending, ties by key ascending; zero values are dropped. A row is
    one of the vital few up to and including the first row whose cumulative share reaches 80%.
    """
    for key, value in values.items():
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"pareto value for {key!r} must be a finite number >= 0, got {value!r}")
    items = sorted(((k, float(v)) for k, v in values.items() if v > 0), key=lambda kv: (-kv[1], kv[0]))
    # Summing in display order makes the last cumulative share exactly 1.0.
    total = 0.0
    for _, value in items:
        total += value
    rows: list[ParetoRow] = []
    running = 0.0
    still_vital = True
    for key, value in items:
        running += value
        cumulative = running / total
        rows.append(ParetoRow(key, value, value / total, cumulative, still_vital))
        if cumulative >= VITAL_FEW_SHARE - _SHARE_TOLERANCE:
            still_vital = False
    return rows


# --------------------------------------------------------------------------- control charts

SIGNAL_BEYOND_LIMITS = "beyond_limits"
SIGNAL_RUN_OF_8 = "run_of_8"
SIGNAL_TREND_OF_6 = "trend_of_6"
# |z| at or below this counts as "on the centre line": float noise in the centre (Σc/Σn) must not
# turn a process sitting exactly on its mean into a run of tiny same-signed deviations.
CENTRE_TOLERANCE = 1e-9
_RUN_LENGTH = 8
_TREND_LENGTH = 6
_SIGMA_LIMIT = 3.0


@dataclass(frozen=True)
class ChartPoint:
    """One subgroup: its rate, size and own limits (limits vary with n); value None = empty subgroup."""

    value: float | None
    n: float
    lcl: float | None
    ucl: float | None
    signals: tuple[str, ...] = ()


@dataclass(frozen=True)
class ControlChart:
    """A chart's centre line and its points, in the chart's reporting unit."""

    centre: float
    points: tuple[ChartPoint, ...]


def western_electric(z: Sequence[float | None], values: Sequence[float | None] | None = None) -> list[tuple[str, ...]]:
    """Flag special-cause variation so people react to signals, not to noise.

    `z` holds standardized values (x - centre) / sigma_i; None marks a skipped subgroup, which
    breaks every run and trend. Codes, on the point that completes the pattern and each later
    point that extends it:

    - ``beyond_limits``: |z| > 3.
    - ``run_of_8``: 8+ consecutive points strictly on one side of the centre (|z| <= 1e-9 breaks it).
    - ``trend_of_6``: 6+ consecutive points each strictly above (or each strictly below) the one
      before, i.e. five rises or five falls in a row.

    The trend is judged on `values` when given (raw rates), else on `z`. With limits that vary by
    subgroup size, z rescales every point by its own sigma, so a steady rate measured on growing
    subgroups would look like a rising z "trend" (and a real drift could be masked); a trend is a
    statement about the process level, so raw values are the honest input. A point that is None in
    `values` is skipped like a None in `z`.
    """
    if values is not None and len(values) != len(z):
        raise ValueError(f"values has {len(values)} entries but z has {len(z)}")
    trend_input: Sequence[float | None] = z if values is None else values
    out: list[tuple[str, ...]] = []
    side, run = 0, 0
    rises, falls = 0, 0
    previous: float | None = None
    for zi, vi in zip(z, trend_input, strict=True):
        if zi is None or vi is None:
            side, run, rises, falls, previous = 0, 0, 0, 0, None
            out.append(())
            continue
        codes: list[str] = []
        if abs(zi) > _SIGMA_LIMIT:
            codes.append(SIGNAL_BEYOND_LIMITS)
        point_side = 0 if abs(zi) <= CENTRE_TOLERANCE else (1 if zi > 0 else -1)
        run = run + 1 if point_side != 0 and point_side == side else (1 if point_side != 0 else 0)
        side = point_side
        if run >= _RUN_LENGTH:
            codes.append(SIGNAL_RUN_OF_8)
        rises = rises + 1 if previous is not None and vi > previous else 0
        falls = falls + 1 if previous is not None and vi < previous else 0
        previous = vi
        if max(rises, falls) >= _TREND_LENGTH - 1:
            codes.append(SIGNAL_TREND_OF_6)
        out.append(tuple(codes))
    return out


def signal_indexes(chart: ControlChart) -> list[int]:
    """Indexes of the points that carry at least one signal, for highlighting and alerting."""
    return [i for i, point in enumerate(chart.points) if point.signals]


def _validate_counts(kind: str, counts: Sequence[float], sizes: Sequence[float]) -> None:
    if len(counts) != len(sizes):
        raise ValueError(f"{kind}: counts and sizes differ in length ({len(counts)} vs {len(sizes)})")
    for i, (count, size) in enumerate(zip(counts, sizes, strict=True)):
        if not (math.isfinite(count) and math.isfinite(size)):
            raise ValueError(f"{kind}: subgroup {i} has a non-finite count or size")
        if count < 0 or size < 0:
            raise ValueError(f"{kind}: subgroup {i} has a negative count or size ({count}, {size})")


def _standardise(value: float, centre: float, sigma: float) -> float:
    if sigma > 0:
        return (value - centre) / sigma
    # sigma 0 only when the centre is 0 (or 1 for p): every real point then sits on it.
    return 0.0 if value == centre else math.copysign(math.inf, value - centre)


def _build_chart(
    rates: Sequence[float | None],
    sizes: Sequence[float],
    centre: float,
    sigmas: Sequence[float | None],
    ucl_cap: float | None,
    per: float,
) -> ControlChart:
    """Shared tail of the attribute charts: z-scores, signals, clipped limits, scaling by `per`."""
    z = [
        None if rate is None or sigma is None else _standardise(rate, centre, sigma)
        for rate, sigma in zip(rates, sigmas, strict=True)
    ]
    signals = western_electric(z, values=rates)
    points: list[ChartPoint] = []
    for rate, n, sigma, codes in zip(rates, sizes, sigmas, signals, strict=True):
        if rate is None or sigma is None:
            points.append(ChartPoint(None, float(n), None, None, ()))
            continue
        lcl = max(0.0, centre - _SIGMA_LIMIT * sigma)
        ucl = centre + _SIGMA_LIMIT * sigma
        if ucl_cap is not None:
            ucl = min(ucl_cap, ucl)
        points.append(ChartPoint(rate * per, float(n), lcl * per, ucl * per, codes))
    return ControlChart(centre * per, tuple(points))


_D4 = 0.954  # for moving ranges of two: median |x_i - x_(i-1)| / 0.954 estimates sigma


def laney_factor(rates: Sequence[float | None], centre: float, sigmas: Sequence[float | None]) -> float:
    """Laney's sigma_z: how much more (or less) the subgroups vary than the binomial or Poisson model says.

    z_i = (x_i - centre) / sigma_i over the non-empty subgroups; sigma_z = median moving range of z / 0.954. With
    very large subgroups (thousands of interactions a week) the textbook limits become so narrow that ordinary
    week-to-week variation signals everywhere; multiplying each sigma_i by sigma_z (the p' and u' charts) puts the
    limits back where the process's own variation is. The median moving range (rather than Laney's mean) keeps the
    spike we want to see from widening the limits that should flag it. Fewer than two points give 1.
    """
    z = [(rate - centre) / sigma for rate, sigma in zip(rates, sigmas, strict=True)
         if rate is not None and sigma is not None and sigma > 0]  # fmt: skip
    if len(z) < 2:
        return 1.0
    return statistics.median(abs(b - a) for a, b in itertools.pairwise(z)) / _D4


def _widened(rates: Sequence[float | None], centre: float, sigmas: list[float | None], laney: bool) -> list:
    if not laney:
        return sigmas
    factor = laney_factor(rates, centre, sigmas)
    return [None if sigma is None else sigma * factor for sigma in sigmas]


def p_chart(defects: Sequence[int], sizes: Sequence[int], *, laney: bool = False) -> ControlChart:
    """Proportion defective per subgroup, with limits that widen for small subgroups.

    p̄ = Σd/Σn; sigma_i = sqrt(p̄(1-p̄)/n_i); limits p̄ ± 3 sigma_i clipped to [0, 1]. An empty
    subgroup (n_i = 0) is a point without value or limits; with no data at all the centre is 0.
    `laney` gives Laney's p' chart: each sigma_i times `laney_factor`.
    """
    _validate_counts("p_chart", defects, sizes)
    for i, (d, n) in enumerate(zip(defects, sizes, strict=True)):
        if d > n:
            raise ValueError(f"p_chart: subgroup {i} has more defects than items ({d} > {n})")
    total_n = sum(sizes)
    centre = sum(defects) / total_n if total_n > 0 else 0.0
    rates = [d / n if n > 0 else None for d, n in zip(defects, sizes, strict=True)]
    sigmas = [math.sqrt(centre * (1 - centre) / n) if n > 0 else None for n in sizes]
    return _build_chart(rates, sizes, centre, _widened(rates, centre, sigmas, laney), ucl_cap=1.0, per=1.0)


def u_chart(counts: Sequence[int], sizes: Sequence[float], per: float = 1000.0, *, laney: bool = False) -> ControlChart:
    """Events per unit of exposure (e.g. complaints per 1,000 interactions) with size-aware limits.

    ū = Σc/Σn; sigma_i = sqrt(ū/n_i); limits ū ± 3 sigma_i, LCL clipped at 0. Values, centre and
    limits are all reported multiplied by `per`, so the chart reads in the business's unit.
    `laney` gives Laney's u' chart: each sigma_i times `laney_factor`.
    """
    if not (math.isfinite(per) and per > 0):
        raise ValueError(f"u_chart: per must be a positive number, got {per!r}")
    _validate_counts("u_chart", counts, sizes)
    total_n = math.fsum(sizes)
    centre = sum(counts) / total_n if total_n > 0 else 0.0
    rates = [c / n if n > 0 else None for c, n in zip(counts, sizes, strict=True)]
    sigmas = [math.sqrt(centre / n) if n > 0 else None for n in sizes]
    return _build_chart(rates, sizes, centre, _widened(rates, centre, sigmas, laney), ucl_cap=None, per=per)


# --------------------------------------------------------------------------- effect size, intervals


def _normal_quantile(confidence: float) -> float:
    """Two-sided critical value; NormalDist keeps scipy a test-only dependency."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence!r}")
    return NormalDist().inv_cdf((1 + confidence) / 2)


@dataclass(frozen=True)
class EffectSize:
    """Hedges' g (treated minus control) with its normal-approximation confidence interval."""

    g: float
    ci_low: float
    ci_high: float
    n1: int
    n2: int
    mean1: float
    mean2: float
    sd1: float
    sd2: float


@dataclass(frozen=True)
class Moments:
    """A sample summed up as n, Σx and Σx²: enough for its mean and SD, and additive, so pre-aggregated facts
    can be filtered and summed in the database and still give an exact effect size."""

    n: int = 0
    total: float = 0.0
    total_sq: float = 0.0

    @classmethod
    def of(cls, sample: Sequence[float]) -> Moments:
        return cls(len(sample), math.fsum(sample), math.fsum(x * x for x in sample))

    def __add__(self, other: Moments) -> Moments:
        return Moments(self.n + other.n, self.total + other.total, self.total_sq + other.total_sq)

    @property
    def mean(self) -> float | None:
        return self.total / self.n if self.n else None

    @property
    def sd(self) -> float | None:
        if self.n < 2:
            return None
        # Clamped: Σx² - (Σx)²/n can come out a hair below 0 in floating point when every value is equal.
        return math.sqrt(max(0.0, (self.total_sq - self.total**2 / self.n) / (self.n - 1)))


def hedges_g(treated: Sequence[float], control: Sequence[float], confidence: float = 0.95) -> EffectSize | None:
    """Hedges' g of two samples (see hedges_g_of)."""
    return hedges_g_of(Moments.of(treated), Moments.of(control), confidence)


def hedges_g_of(treated: Moments, control: Moments, confidence: float = 0.95) -> EffectSize | None:
    """Size of a difference in means in pooled-SD units, bias-corrected for small samples.

    Uses Hedges & Olkin's large-sample variance (n1+n2)/(n1 n2) + g²/(2(n1+n2)). Returns None when
    either group has fewer than 2 values or the pooled SD is 0 (the effect is undefined).
    """
    z = _normal_quantile(confidence)
    n1, n2 = treated.n, control.n
    if n1 < 2 or n2 < 2:
        return None
    mean1, sd1 = treated.total / n1, treated.sd or 0.0
    mean2, sd2 = control.total / n2, control.sd or 0.0
    pooled = math.sqrt(((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / (n1 + n2 - 2))
    if pooled <= 1e-12 * max(1.0, abs(mean1), abs(mean2)):
        return None
    correction = 1 - 3 / (4 * (n1 + n2) - 9)
    g = correction * (mean1 - mean2) / pooled
    se = math.sqrt((n1 + n2) / (n1 * n2) + g**2 / (2 * (n1 + n2)))
    return EffectSize(g, g - z * se, g + z * se, n1, n2, mean1, mean2, sd1, sd2)


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float] | None:
    """Wilson score interval for a proportion: sane near 0% and 100% and for small n, unlike Wald.

    Returns None when n is 0 (nothing observed); bounds are clipped to [0, 1] against float error.
    """
    z = _normal_quantile(confidence)
    if n < 0 or not 0 <= successes <= max(n, 0):
        raise ValueError(f"wilson_interval: need 0 <= successes <= n, got successes={successes}, n={n}")
    if n == 0:
        return None
    p = successes / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


# --------------------------------------------------------------------------- SERVQUAL

SERVQUAL_DIMENSIONS: tuple[str, ...] = ("tangibles", "reliability", "responsiveness", "assurance", "empathy")
# Item k (1-based) of the 22-item instrument belongs to SERVQUAL_ITEM_DIMENSION[k - 1].
SERVQUAL_ITEM_DIMENSION: tuple[str, ...] = (
    ("tangibles",) * 4 + ("reliability",) * 5 + ("responsiveness",) * 4 + ("assurance",) * 4 + ("empathy",) * 5
)
_SERVQUAL_ITEMS = 22
_SCALE_MIN, _SCALE_MAX = 1, 7
_IMPORTANCE_TOTAL = 100.0
_IMPORTANCE_SLACK = 0.5


@dataclass(frozen=True)
class ServqualResponse:
    """One respondent: 22 expectation and 22 perception scores (1..7, None = skipped) and
    importance points per dimension summing to 100 (empty = equal weights)."""

    expectations: Sequence[int | None]
    perceptions: Sequence[int | None]
    importance: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ServqualResult:
    """Gaps are perception minus expectation: negative means service fell short of expectations.

    A value is None when no respondent answered anything it depends on. `n` counts respondents
    with at least one item answered on both scales.
    """

    item_gaps: tuple[float | None, ...]
    dimension_gaps: dict[str, float | None]
    unweighted: float | None
    weighted: float | None
    largest_gap_dimension: str | None
    n: int


def _mean(values: Sequence[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None


def _check_scale(index: int, name: str, scores: Sequence[int | None]) -> None:
    if len(scores) != _SERVQUAL_ITEMS:
        raise ValueError(f"response {index}: {name} has {len(scores)} values, expected {_SERVQUAL_ITEMS}")
    for item, score in enumerate(scores, start=1):
        if score is None:
            continue
        if isinstance(score, bool) or score != int(score) or not _SCALE_MIN <= score <= _SCALE_MAX:
            raise ValueError(
                f"response {index}: {name} item {item} is {score!r}, expected a whole number "
                f"{_SCALE_MIN}..{_SCALE_MAX} or None"
            )


def _importance_weights(index: int, importance: Mapping[str, float]) -> dict[str, float]:
    if not importance:
        return dict.fromkeys(SERVQUAL_DIMENSIONS, _IMPORTANCE_TOTAL / len(SERVQUAL_DIMENSIONS))
    for dimension, points in importance.items():
        if dimension not in SERVQUAL_DIMENSIONS:
            raise ValueError(f"response {index}: importance names unknown dimension {dimension!r}")
        if not math.isfinite(points) or points < 0:
            raise ValueError(f"response {index}: importance for {dimension} is {points!r}, expected >= 0")
    total = math.fsum(importance.values())
    if abs(total - _IMPORTANCE_TOTAL) > _IMPORTANCE_SLACK:
        raise ValueError(f"response {index}: importance points sum to {total:g}, expected 100 (±0.5)")
    return {dimension: float(importance.get(dimension, 0.0)) for dimension in SERVQUAL_DIMENSIONS}


def _respondent_gaps(response: ServqualResponse) -> tuple[list[float | None], dict[str, float]]:
    """Item gaps (None where either scale was skipped) and the mean gap per answered dimension."""
    items: list[float | None] = [
        None if e is None or p is None else float(p - e)
        for e, p in zip(response.expectations, response.perceptions, strict=True)
    ]
    by_dimension: dict[str, list[float]] = {dimension: [] for dimension in SERVQUAL_DIMENSIONS}
    for dimension, gap in zip(SERVQUAL_ITEM_DIMENSION, items, strict=True):
        if gap is not None:
            by_dimension[dimension].append(gap)
    means = {dimension: math.fsum(gaps) / len(gaps) for dimension, gaps in by_dimension.items() if gaps}
    return items, means


def _weighted_score(weights: Mapping[str, float], dimension_means: Mapping[str, float]) -> float | None:
    """Importance-weighted gap; weights are renormalised over the dimensions the respondent answered."""
    total = math.fsum(weights[d] for d in dimension_means)
    if total <= 0:
        return None
    return math.fsum(weights[d] * gap for d, gap in dimension_means.items()) / total


def servqual_gaps(responses: Sequence[ServqualResponse]) -> ServqualResult:
    """Where service falls short of what customers expect, per item and per SERVQUAL dimension.

    Skipped items (None on either scale) are left out of that respondent's means; a dimension a
    respondent skipped entirely is left out of that dimension's mean and their weighted score uses
    the remaining dimensions' weights, renormalised (so ±0.5 rounding slack in the points is too).
    The largest gap is the dimension with the lowest (most negative) mean gap; ties go to the
    earlier dimension in SERVQUAL_DIMENSIONS.
    """
    item_values: list[list[float]] = [[] for _ in range(_SERVQUAL_ITEMS)]
    dimension_values: dict[str, list[float]] = {dimension: [] for dimension in SERVQUAL_DIMENSIONS}
    weighted_scores: list[float] = []
    n = 0
    for index, response in enumerate(responses):
        _check_scale(index, "expectations", response.expectations)
        _check_scale(index, "perceptions", response.perceptions)
        weights = _importance_weights(index, response.importance)
        items, dimension_means = _respondent_gaps(response)
        if not dimension_means:
            continue
        n += 1
        for position, gap in enumerate(items):
            if gap is not None:
                item_values[position].append(gap)
        for dimension, gap in dimension_means.items():
            dimension_values[dimension].append(gap)
        score = _weighted_score(weights, dimension_means)
        if score is not None:
            weighted_scores.append(score)
    dimension_gaps = {dimension: _mean(values) for dimension, values in dimension_values.items()}
    present = [(gap, order, d) for order, (d, gap) in enumerate(dimension_gaps.items()) if gap is not None]
    return ServqualResult(
        item_gaps=tuple(_mean(values) for values in item_values),
        dimension_gaps=dimension_gaps,
        unweighted=_mean([gap for gap, _, _ in present]),
        weighted=_mean(weighted_scores),
        largest_gap_dimension=min(present)[2] if present else None,
        n=n,
    )


@dataclass(frozen=True)
class ServqualItemSums:
    """One item's answers summed over complete responses: n, Σ(P-E), and Σ(w·(P-E)) with w the respondent's
    importance share (points/100) of the item's dimension."""

    n: int = 0
    gap_sum: float = 0.0
    weighted_gap_sum: float = 0.0


def servqual_from_sums(items: Sequence[ServqualItemSums]) -> ServqualResult:
    """servqual_gaps over complete responses, from per-item sums that can be added up in the database.

    With every item answered, a respondent's dimension gap is the mean of its item gaps, so the mean over
    respondents is the mean of the item means; the weighted score Σ_d w_d·gap_d averages the same way.
    """
    if len(items) != _SERVQUAL_ITEMS:
        raise ValueError(f"expected {_SERVQUAL_ITEMS} items, got {len(items)}")
    item_gaps = tuple(item.gap_sum / item.n if item.n else None for item in items)
    dimension_gaps: dict[str, float | None] = {}
    weighted_parts: list[float] = []
    for dimension in SERVQUAL_DIMENSIONS:
        members = [item for item, d in zip(items, SERVQUAL_ITEM_DIMENSION, strict=True) if d == dimension and item.n]
        dimension_gaps[dimension] = _mean([item.gap_sum / item.n for item in members])
        if members:
            weighted_parts.append(math.fsum(item.weighted_gap_sum / item.n for item in members) / len(members))
    present = [(gap, order, d) for order, (d, gap) in enumerate(dimension_gaps.items()) if gap is not None]
    return ServqualResult(
        item_gaps=item_gaps,
        dimension_gaps=dimension_gaps,
        unweighted=_mean([gap for gap, _, _ in present]),
        weighted=math.fsum(weighted_parts) if weighted_parts else None,
        largest_gap_dimension=min(present)[2] if present else None,
        n=max((item.n for item in items), default=0),
    )
