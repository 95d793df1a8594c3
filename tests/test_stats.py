"""amends.analytics.stats against hand-worked examples and independent implementations (numpy, statsmodels).

Pure functions: no database, no django_db marker.
"""

import itertools
import math
import string
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm
from statsmodels.stats.meta_analysis import effectsize_smd
from statsmodels.stats.proportion import proportion_confint

from amends.analytics.stats import (
    SERVQUAL_DIMENSIONS,
    SERVQUAL_ITEM_DIMENSION,
    ChartPoint,
    ControlChart,
    Moments,
    ServqualItemSums,
    ServqualResponse,
    hedges_g,
    hedges_g_of,
    p_chart,
    pareto,
    servqual_from_sums,
    servqual_gaps,
    signal_indexes,
    u_chart,
    western_electric,
    wilson_interval,
)

BEYOND, RUN, TREND = "beyond_limits", "run_of_8", "trend_of_6"


def real(values: Sequence[float | None]) -> list[float]:
    """Values of a chart with no empty subgroups, asserting there is none."""
    assert None not in values
    return [v for v in values if v is not None]


def limits(chart: ControlChart) -> list[tuple[float | None, float | None]]:
    return [(p.lcl, p.ucl) for p in chart.points]


# --------------------------------------------------------------------------- p chart


def test_p_chart_hand_worked_with_lcl_clipped_at_zero() -> None:
    # p̄ = 7/200 = 0.035; sigma(50) = sqrt(0.035·0.965/50) = 0.0259904, sigma(100) = 0.0183780
    chart = p_chart([2, 5, 0], [50, 100, 50])
    assert chart.centre == pytest.approx(0.035)
    assert [p.value for p in chart.points] == pytest.approx([0.04, 0.05, 0.0])
    assert [p.n for p in chart.points] == [50.0, 100.0, 50.0]
    ucls = [p.ucl for p in chart.points]
    assert ucls == pytest.approx([0.1129711, 0.0901339, 0.1129711], abs=1e-6)
    assert [p.lcl for p in chart.points] == [0.0, 0.0, 0.0]  # p̄ - 3·sigma < 0 everywhere
    assert signal_indexes(chart) == []


def test_p_chart_hand_worked_unclipped_limits_vary_with_n() -> None:
    # p̄ = 60/1000 = 0.06; 3·sigma(200) = 0.0503786, 3·sigma(400) = 0.0356230
    chart = p_chart([10, 30, 20], [200, 400, 400])
    assert chart.centre == pytest.approx(0.06)
    assert limits(chart)[0] == pytest.approx((0.0096214, 0.1103786), abs=1e-6)
    assert limits(chart)[1] == pytest.approx((0.0243770, 0.0956230), abs=1e-6)
    assert limits(chart)[1] == limits(chart)[2]  # same n, same limits
    width_small = chart.points[0].ucl - chart.points[0].lcl  # type: ignore[operator]
    width_large = chart.points[1].ucl - chart.points[1].lcl  # type: ignore[operator]
    assert width_small > width_large


@pytest.mark.parametrize("seed", range(5))
def test_p_chart_matches_numpy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 400, size=30)
    defects = rng.binomial(sizes, 0.07)
    chart = p_chart(defects.tolist(), sizes.tolist())
    pbar = defects.sum() / sizes.sum()
    sigma = np.sqrt(pbar * (1 - pbar) / sizes)
    assert chart.centre == pytest.approx(pbar)
    np.testing.assert_allclose(real([p.value for p in chart.points]), defects / sizes)
    np.testing.assert_allclose(real([p.lcl for p in chart.points]), np.maximum(0, pbar - 3 * sigma))
    np.testing.assert_allclose(real([p.ucl for p in chart.points]), np.minimum(1, pbar + 3 * sigma))
    beyond = np.abs((defects / sizes - pbar) / sigma) > 3
    assert [BEYOND in p.signals for p in chart.points] == beyond.tolist()


def test_p_chart_ucl_clipped_at_one() -> None:
    chart = p_chart([1, 9], [1, 10])  # p̄ = 10/11, n = 1 gives p̄ + 3·sigma ≈ 1.77
    assert chart.points[0].ucl == 1.0
    assert chart.points[1].ucl == 1.0


def test_p_chart_empty_subgroup_is_a_gap_that_breaks_runs() -> None:
    defects = [3] * 4 + [0] + [3] * 4
    sizes = [50] * 4 + [0] + [50] * 4
    # every real point is above the centre once a low subgroup pulls p̄ down
    chart = p_chart([*defects, 0], [*sizes, 1000])
    gap = chart.points[4]
    assert gap == ChartPoint(value=None, n=0.0, lcl=None, ucl=None, signals=())
    assert RUN not in {s for p in chart.points for s in p.signals}
    # the same eight points without the gap do form a run of 8
    joined = p_chart([3] * 8 + [0], [50] * 8 + [1000])
    assert RUN in joined.points[7].signals


def test_p_chart_beyond_limits_signal() -> None:
    chart = p_chart([2, 8] * 5 + [25], [100] * 11)  # alternating sides, then a spike
    assert signal_indexes(chart) == [10]
    assert chart.points[10].signals == (BEYOND,)
    assert chart.points[10].value > chart.points[10].ucl  # type: ignore[operator]


def test_p_chart_no_data() -> None:
    assert p_chart([], []) == ControlChart(centre=0.0, points=())
    all_empty = p_chart([0, 0], [0, 0])
    assert all_empty.centre == 0.0
    assert [p.value for p in all_empty.points] == [None, None]


def test_p_chart_all_zero_defects_does_not_signal() -> None:
    chart = p_chart([0] * 12, [40] * 12)
    assert chart.centre == 0.0
    assert signal_indexes(chart) == []
    assert limits(chart) == [(0.0, 0.0)] * 12


def test_laney_p_prime_hand_worked() -> None:
    # p = 75/400 = 0.1875, sigma = sqrt(0.1875 * 0.8125 / 100) = 0.0390312; z = -2.24179, 0.32026, -0.96077,
    # 2.88230; moving ranges 2.56205, 1.28103, 3.84307, median 2.56205; sigma_z = 2.56205 / 0.954 = 2.68559.
    chart = p_chart([10, 20, 15, 30], [100] * 4, laney=True)
    assert [point.ucl for point in chart.points] == pytest.approx([0.1875 + 3 * 0.0390312 * 2.68559] * 4, rel=1e-5)
    assert signal_indexes(chart) == []
    # 31 of 100: above the textbook UCL of 0.19 + 3 * sqrt(0.19 * 0.81 / 100) = 0.3077, well within Laney's.
    assert signal_indexes(p_chart([10, 20, 15, 31], [100] * 4)) == [3]
    assert signal_indexes(p_chart([10, 20, 15, 31], [100] * 4, laney=True)) == []


def test_laney_u_prime_matches_numpy() -> None:
    counts, sizes = [40, 55, 38, 70, 44, 61], [9000.0, 11000.0, 8000.0, 12000.0, 10000.0, 9500.0]
    rates, centre = np.array(counts) / np.array(sizes), sum(counts) / sum(sizes)
    z = (rates - centre) / np.sqrt(centre / np.array(sizes))
    factor = np.median(np.abs(np.diff(z))) / 0.954
    expected = (centre + 3 * np.sqrt(centre / np.array(sizes)) * factor) * 1000
    assert [point.ucl for point in u_chart(counts, sizes, laney=True).points] == pytest.approx(expected.tolist())


@pytest.mark.parametrize(
    ("defects", "sizes", "message"),
    [
        ([1, 2], [10], "differ in length"),
        ([-1], [10], "negative"),
        ([1], [-10], "negative"),
        ([11], [10], "more defects than items"),
    ],
)
def test_p_chart_validation(defects: list[int], sizes: list[int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        p_chart(defects, sizes)


# --------------------------------------------------------------------------- u chart


def test_u_chart_hand_worked_per_thousand() -> None:
    # ū = 12/3000 = 0.004 → 4 per 1,000; sigma(1000) = 0.002 → UCL exactly 10, LCL clipped to 0
    chart = u_chart([3, 1, 8], [1000, 500, 1500])
    assert chart.centre == pytest.approx(4.0)
    assert [p.value for p in chart.points] == pytest.approx([3.0, 2.0, 16 / 3])
    assert [p.ucl for p in chart.points] == pytest.approx([10.0, 12.4852814, 8.8989795], abs=1e-6)
    assert [p.lcl for p in chart.points] == [0.0, 0.0, 0.0]


def test_u_chart_unclipped_lcl_and_per() -> None:
    # ū = 80/15000; 3·sigma(10000) per 1,000 = 2.1908902
    chart = u_chart([50, 30], [10000, 5000])
    assert limits(chart)[0] == pytest.approx((3.1424431, 7.5242236), abs=1e-6)
    assert chart.points[1].lcl == pytest.approx(2.2349467, abs=1e-6)
    raw = u_chart([50, 30], [10000, 5000], per=1.0)
    assert raw.centre * 1000 == pytest.approx(chart.centre)
    for a, b in zip(raw.points, chart.points, strict=True):
        assert a.signals == b.signals
        assert (a.value * 1000, a.lcl * 1000, a.ucl * 1000) == pytest.approx((b.value, b.lcl, b.ucl))  # type: ignore[operator]


@pytest.mark.parametrize("seed", range(5))
def test_u_chart_matches_numpy(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    sizes = rng.uniform(50, 5000, size=25)
    counts = rng.poisson(sizes * 0.01)
    chart = u_chart(counts.tolist(), sizes.tolist(), per=1000)
    ubar = counts.sum() / sizes.sum()
    sigma = np.sqrt(ubar / sizes)
    assert chart.centre == pytest.approx(1000 * ubar)
    np.testing.assert_allclose(real([p.value for p in chart.points]), 1000 * counts / sizes)
    np.testing.assert_allclose(real([p.lcl for p in chart.points]), 1000 * np.maximum(0, ubar - 3 * sigma))
    np.testing.assert_allclose(real([p.ucl for p in chart.points]), 1000 * (ubar + 3 * sigma))
    assert len({p.ucl for p in chart.points}) > 1  # limits vary with n


def test_u_chart_fractional_sizes_and_empty_subgroup() -> None:
    chart = u_chart([1, 0, 4], [2.5, 0.0, 7.5], per=1.0)
    assert chart.centre == pytest.approx(0.5)
    assert chart.points[0].value == pytest.approx(0.4)
    assert chart.points[1] == ChartPoint(None, 0.0, None, None, ())


@pytest.mark.parametrize(
    ("counts", "sizes", "per", "message"),
    [
        ([1], [10.0, 20.0], 1000.0, "differ in length"),
        ([-1], [10.0], 1000.0, "negative"),
        ([1], [-10.0], 1000.0, "negative"),
        ([1], [math.nan], 1000.0, "non-finite"),
        ([1], [10.0], 0.0, "per must be a positive"),
    ],
)
def test_u_chart_validation(counts: list[int], sizes: list[float], per: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        u_chart(counts, sizes, per=per)


# --------------------------------------------------------------------------- Western Electric


def codes_at(signals: list[tuple[str, ...]], code: str) -> list[int]:
    return [i for i, s in enumerate(signals) if code in s]


def test_beyond_limits_is_strict() -> None:
    signals = western_electric([0.0, 3.0, -3.0, 3.01, -3.5, 2.99])
    assert codes_at(signals, BEYOND) == [3, 4]


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_run_of_7_does_not_signal_but_8_does(sign: float) -> None:
    seven = [sign * 0.5 for _ in range(7)]
    assert western_electric(seven) == [()] * 7
    assert codes_at(western_electric([*seven, sign * 0.1]), RUN) == [7]
    assert codes_at(western_electric([*seven, sign, sign * 2]), RUN) == [7, 8]


def test_run_broken_by_point_on_centre_side_switch_and_gap() -> None:
    four = [1.0, 0.5, 1.5, 0.2]  # not monotone, so no trend either
    assert codes_at(western_electric([*four, 0.0, *four]), RUN) == []
    assert codes_at(western_electric([*four, 1e-12, *four]), RUN) == []  # float noise counts as on centre
    assert codes_at(western_electric([*four, -0.3, *four]), RUN) == []
    assert codes_at(western_electric([*four, None, *four]), RUN) == []
    assert western_electric([*four, None, *four])[4] == ()
    # after a break the count restarts: eight after the break signal on the eighth
    assert codes_at(western_electric([*four, 0.0, *four, *four]), RUN) == [12]


def test_trend_5_vs_6_points() -> None:
    assert codes_at(western_electric([-2.0, -1.5, -1.0, 0.0, 1.0]), TREND) == []
    assert codes_at(western_electric([-2.0, -1.5, -1.0, 0.0, 1.0, 2.0]), TREND) == [5]
    assert codes_at(western_electric([-2.0, -1.5, -1.0, 0.0, 1.0, 2.0, 2.5]), TREND) == [5, 6]
    assert codes_at(western_electric([2.0, 1.5, 1.0, 0.0, -1.0, -2.0]), TREND) == [5]


def test_trend_broken_by_tie_reversal_and_gap() -> None:
    assert codes_at(western_electric([-2.0, -1.0, 0.0, 0.0, 1.0, 2.0, 2.5]), TREND) == []
    assert codes_at(western_electric([-2.0, -1.0, 0.0, -0.5, 1.0, 2.0, 2.5]), TREND) == []
    assert codes_at(western_electric([-2.0, -1.0, 0.0, None, 1.0, 2.0, 2.5]), TREND) == []


def test_trend_uses_raw_values_when_given() -> None:
    rising_z = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
    flat = [5.0] * 6
    assert codes_at(western_electric(rising_z), TREND) == [5]
    assert codes_at(western_electric(rising_z, values=flat), TREND) == []
    falling = [6.0, 5.0, 4.0, 3.0, 2.0, 1.0]
    assert codes_at(western_electric([0.5, -0.5] * 3, values=falling), TREND) == [5]
    # a None in values skips the point like a None in z
    assert western_electric([1.0, 1.0], values=[None, 2.0])[0] == ()
    with pytest.raises(ValueError, match="values has 1 entries"):
        western_electric([1.0, 2.0], values=[1.0])


def test_p_chart_steady_rate_on_growing_subgroups_is_not_a_trend() -> None:
    # the rate 10% stays put while n grows, so z climbs; a z-based trend rule would fire here
    sizes = [100, 200, 400, 800, 1600, 3200]
    defects = [n // 10 for n in sizes]
    chart = p_chart([*defects, 0], [*sizes, 5000])
    z = [(p.value - chart.centre) / ((p.ucl - chart.centre) / 3) for p in chart.points[:6]]  # type: ignore[operator]
    assert all(b > a for a, b in itertools.pairwise(z))
    assert TREND not in {s for p in chart.points for s in p.signals}


def test_p_chart_fills_run_and_trend_signals() -> None:
    chart = p_chart([6, 6, 6, 6, 6, 6, 6, 6, 0, 0, 0], [100, 90, 100, 110, 100, 95, 100, 105, 100, 100, 100])
    assert RUN in chart.points[7].signals
    assert RUN not in chart.points[6].signals
    trend = p_chart([1, 2, 3, 4, 5, 6, 3], [100] * 7)
    assert trend.points[5].signals == (TREND,)
    assert signal_indexes(trend) == [5]


def test_multiple_codes_on_one_point_in_fixed_order() -> None:
    z = [0.5, 1.0, 1.5, 2.0, 2.5, 2.8, 2.9, 3.5]
    assert western_electric(z)[7] == (BEYOND, RUN, TREND)


def reference_rules(z: Sequence[float | None], values: Sequence[float | None]) -> list[tuple[str, ...]]:
    """Window-based restatement of the rules, independent of the streaming implementation."""
    out: list[tuple[str, ...]] = []
    for i, zi in enumerate(z):
        if zi is None or values[i] is None:
            out.append(())
            continue
        codes = []
        if abs(zi) > 3:
            codes.append(BEYOND)
        window = list(z[i - 7 : i + 1]) if i >= 7 else []
        wvals = list(values[i - 7 : i + 1]) if i >= 7 else []
        run = [w for w in window if w is not None]
        complete = bool(window) and len(run) == len(window) and None not in wvals
        if complete and (all(w > 1e-9 for w in run) or all(w < -1e-9 for w in run)):
            codes.append(RUN)
        tz = list(z[i - 5 : i + 1]) if i >= 5 else []
        tv = list(values[i - 5 : i + 1]) if i >= 5 else []
        if tv and None not in tv and None not in tz:
            steps = list(itertools.pairwise(float(v) for v in tv if v is not None))
            if all(b > a for a, b in steps) or all(b < a for a, b in steps):
                codes.append(TREND)
        out.append(tuple(codes))
    return out


small_z = st.one_of(st.none(), st.sampled_from([-4.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0, 4.0]))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(small_z, st.one_of(st.none(), st.integers(0, 4).map(float))), max_size=40))
def test_western_electric_matches_window_reference(pairs: list[tuple[float | None, float | None]]) -> None:
    z = [a for a, _ in pairs]
    values = [b for _, b in pairs]
    assert western_electric(z, values=values) == reference_rules(z, values)
    assert western_electric(z) == reference_rules(z, z)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 50), st.integers(1, 500), st.integers(1, 40))
def test_constant_p_series_never_signals(defects: int, extra: int, length: int) -> None:
    chart = p_chart([defects] * length, [defects + extra] * length)
    assert signal_indexes(chart) == []


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, 200),
    st.floats(0.1, 1e6, allow_nan=False, allow_infinity=False),
    st.integers(1, 40),
    st.floats(0.001, 1e4),
)
def test_constant_u_series_never_signals(count: int, size: float, length: int, per: float) -> None:
    chart = u_chart([count] * length, [size] * length, per=per)
    assert signal_indexes(chart) == []


@given(st.floats(-3.0, 3.0), st.integers(0, 60))
def test_constant_series_on_centre_never_signals(value: float, length: int) -> None:
    assert western_electric([0.0] * length, values=[value] * length) == [()] * length


# --------------------------------------------------------------------------- Hedges' g


@pytest.mark.parametrize("seed", range(8))
def test_hedges_g_matches_statsmodels(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n1, n2 = int(rng.integers(2, 60)), int(rng.integers(2, 60))
    treated = rng.normal(0.4, 1.3, size=n1)
    control = rng.normal(0.0, 1.0, size=n2)
    result = hedges_g(treated.tolist(), control.tolist())
    assert result is not None
    m1, s1, m2, s2 = treated.mean(), treated.std(ddof=1), control.mean(), control.std(ddof=1)
    assert (result.mean1, result.sd1, result.mean2, result.sd2) == pytest.approx((m1, s1, m2, s2))
    assert (result.n1, result.n2) == (n1, n2)
    g_sm, var_sm = effectsize_smd(m1, s1, n1, m2, s2, n2)
    assert result.g == pytest.approx(g_sm, rel=1e-12)
    # statsmodels divides g² by 2(n - 3.94) (Borenstein); this module uses Hedges & Olkin's 2n.
    n = n1 + n2
    var_ours = var_sm - g_sm**2 / (2 * (n - 3.94)) + g_sm**2 / (2 * n)
    half = (result.ci_high - result.ci_low) / 2
    assert half == pytest.approx(norm.ppf(0.975) * math.sqrt(var_ours), rel=1e-9)
    assert (result.ci_high + result.ci_low) / 2 == pytest.approx(result.g)


def test_hedges_g_hand_worked_ci() -> None:
    # m1 = 5, m2 = 3, both SDs = 1 → sp = 1, d = 2, J = 1 - 3/(4·8 - 9) = 20/23
    result = hedges_g([4.0, 5.0, 6.0, 5.0], [2.0, 3.0, 4.0, 3.0], confidence=0.90)
    assert result is not None
    sd = math.sqrt(2 / 3)
    g = (20 / 23) * 2 / sd
    se = math.sqrt(8 / 16 + g**2 / 16)
    z = norm.ppf(0.95)
    assert result.g == pytest.approx(g)
    assert (result.ci_low, result.ci_high) == pytest.approx((g - z * se, g + z * se))
    flipped = hedges_g([2.0, 3.0, 4.0, 3.0], [4.0, 5.0, 6.0, 5.0])
    assert flipped is not None and flipped.g == pytest.approx(-g)


@given(
    st.lists(st.integers(0, 10), min_size=2, max_size=80),
    st.lists(st.integers(0, 10), min_size=2, max_size=80),
    st.integers(0, 80),
)
def test_hedges_g_from_summed_moments_equals_raw(treated: list[int], control: list[int], cut: int) -> None:
    # Facts store n, Σx, Σx² per day; summing any split of the rows must give the effect of the raw answers.
    parts = Moments.of(treated[:cut]) + Moments.of(treated[cut:])
    from_parts = hedges_g_of(parts, Moments.of(control))
    raw = hedges_g(treated, control)
    assert (from_parts is None) == (raw is None)
    if raw is not None and from_parts is not None:
        assert from_parts.g == pytest.approx(raw.g, rel=1e-9, abs=1e-12)
        assert (from_parts.ci_low, from_parts.ci_high) == pytest.approx((raw.ci_low, raw.ci_high), rel=1e-9, abs=1e-12)


def test_moments_stay_exact_for_a_million_scores() -> None:
    scores = np.random.default_rng(7).integers(1, 6, size=1_000_000)
    moments = Moments.of(scores.astype(float).tolist())
    assert moments.mean == pytest.approx(scores.mean(), rel=1e-12)
    assert moments.sd == pytest.approx(scores.std(ddof=1), rel=1e-9)
    assert Moments().mean is None and Moments(1, 3.0, 9.0).sd is None


@pytest.mark.parametrize(
    ("treated", "control"),
    [([1.0], [1.0, 2.0]), ([1.0, 2.0], [3.0]), ([], []), ([2.0, 2.0], [5.0, 5.0, 5.0])],
)
def test_hedges_g_undefined_returns_none(treated: list[float], control: list[float]) -> None:
    assert hedges_g(treated, control) is None


@pytest.mark.parametrize("confidence", [0.0, 1.0, -0.5, 95.0])
def test_bad_confidence_raises(confidence: float) -> None:
    with pytest.raises(ValueError, match="confidence"):
        hedges_g([1.0, 2.0], [3.0, 5.0], confidence=confidence)
    with pytest.raises(ValueError, match="confidence"):
        wilson_interval(1, 2, confidence=confidence)


# --------------------------------------------------------------------------- Wilson


@pytest.mark.parametrize(
    ("successes", "n"), [(0, 10), (10, 10), (3, 7), (1, 1000), (999, 1000), (0, 1), (1, 1), (50, 100)]
)
@pytest.mark.parametrize("confidence", [0.8, 0.9, 0.95, 0.99])
def test_wilson_matches_statsmodels(successes: int, n: int, confidence: float) -> None:
    interval = wilson_interval(successes, n, confidence)
    expected = proportion_confint(successes, n, alpha=1 - confidence, method="wilson")
    assert interval == pytest.approx(expected, abs=1e-12)


def test_wilson_edge_cases() -> None:
    assert wilson_interval(0, 0) is None
    low, high = wilson_interval(0, 20)  # type: ignore[misc]
    assert low == pytest.approx(0.0, abs=1e-15) and 0 < high < 0.2
    with pytest.raises(ValueError, match="successes <= n"):
        wilson_interval(5, 4)
    with pytest.raises(ValueError, match="successes <= n"):
        wilson_interval(-1, 4)


# --------------------------------------------------------------------------- Pareto


@pytest.mark.parametrize("seed", range(5))
def test_pareto_matches_numpy_cumsum(seed: int) -> None:
    rng = np.random.default_rng(seed)
    keys = [f"cause-{i:02d}" for i in range(20)]
    values = dict(zip(keys, rng.exponential(10, size=20).tolist(), strict=True))
    rows = pareto(values)
    ordered = sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))
    assert [r.key for r in rows] == [k for k, _ in ordered]
    raw = np.array([v for _, v in ordered])
    np.testing.assert_allclose([r.share for r in rows], raw / raw.sum())
    np.testing.assert_allclose([r.cumulative_share for r in rows], np.cumsum(raw) / raw.sum())
    assert rows[-1].cumulative_share == 1.0
    first_reaching = int(np.argmax(np.cumsum(raw) / raw.sum() >= 0.8 - 1e-9))
    assert [r.vital_few for r in rows] == [i <= first_reaching for i in range(len(rows))]


def test_pareto_vital_few_boundary_exactly_080() -> None:
    assert [r.vital_few for r in pareto({"a": 8, "b": 1, "c": 1})] == [True, False, False]
    assert [r.vital_few for r in pareto({"a": 7, "b": 2, "c": 1})] == [True, True, False]
    rows = pareto({"a": 0.4, "b": 0.4, "c": 0.1, "d": 0.1})
    assert rows[1].cumulative_share == pytest.approx(0.8)
    assert [r.vital_few for r in rows] == [True, True, False, False]
    assert [r.vital_few for r in pareto({"only": 3})] == [True]


def test_pareto_ties_zeros_and_empty() -> None:
    rows = pareto({"zeta": 5, "alpha": 5, "mid": 10, "gone": 0})
    assert [(r.key, r.value) for r in rows] == [("mid", 10.0), ("alpha", 5.0), ("zeta", 5.0)]
    assert [r.share for r in rows] == pytest.approx([0.5, 0.25, 0.25])
    assert pareto({}) == []
    assert pareto({"a": 0, "b": 0}) == []
    with pytest.raises(ValueError, match="'neg'"):
        pareto({"neg": -1})
    with pytest.raises(ValueError, match="finite"):
        pareto({"x": math.inf})


@given(st.dictionaries(st.text(string.ascii_lowercase, min_size=1, max_size=3), st.integers(0, 1000), max_size=15))
def test_pareto_properties(values: dict[str, int]) -> None:
    rows = pareto(values)
    assert len(rows) == sum(1 for v in values.values() if v > 0)
    if rows:
        assert rows[-1].cumulative_share == 1.0
        assert rows[0].vital_few
        flags = [r.vital_few for r in rows]
        assert flags == sorted(flags, reverse=True)  # vital rows form a prefix
        last_vital = max(i for i, f in enumerate(flags) if f)
        assert rows[last_vital].cumulative_share >= 0.8 - 1e-9
        assert all(r.cumulative_share < 0.8 - 1e-9 for r in rows[:last_vital])


# --------------------------------------------------------------------------- SERVQUAL


def by_dimension(per_dimension: dict[str, int | None]) -> list[int | None]:
    return [per_dimension[d] for d in SERVQUAL_ITEM_DIMENSION]


def test_servqual_item_dimension_mapping() -> None:
    assert len(SERVQUAL_ITEM_DIMENSION) == 22
    assert SERVQUAL_ITEM_DIMENSION[0] == "tangibles" and SERVQUAL_ITEM_DIMENSION[3] == "tangibles"
    assert SERVQUAL_ITEM_DIMENSION[4] == "reliability" and SERVQUAL_ITEM_DIMENSION[8] == "reliability"
    assert SERVQUAL_ITEM_DIMENSION[9] == "responsiveness" and SERVQUAL_ITEM_DIMENSION[12] == "responsiveness"
    assert SERVQUAL_ITEM_DIMENSION[13] == "assurance" and SERVQUAL_ITEM_DIMENSION[16] == "assurance"
    assert SERVQUAL_ITEM_DIMENSION[17] == "empathy" and SERVQUAL_ITEM_DIMENSION[21] == "empathy"
    assert [SERVQUAL_ITEM_DIMENSION.count(d) for d in SERVQUAL_DIMENSIONS] == [4, 5, 4, 4, 5]


# Respondent A expects 6 everywhere; gaps T -2, Rel -1, Resp 0, A +1, E 0.
A_E = [6] * 22
A_P = by_dimension({"tangibles": 4, "reliability": 5, "responsiveness": 6, "assurance": 7, "empathy": 6})
# Respondent B expects 5 everywhere; gaps T 0, Rel -2, Resp -1, A 0, E +1.
B_E = [5] * 22
B_P = by_dimension({"tangibles": 5, "reliability": 3, "responsiveness": 4, "assurance": 5, "empathy": 6})


def test_servqual_two_respondents_hand_worked() -> None:
    a = ServqualResponse(A_E, A_P, {"tangibles": 50, "reliability": 50})
    b = ServqualResponse(B_E, B_P, {})
    result = servqual_gaps([a, b])
    assert result.n == 2
    assert result.dimension_gaps == pytest.approx(
        {"tangibles": -1.0, "reliability": -1.5, "responsiveness": -0.5, "assurance": 0.5, "empathy": 0.5}
    )
    assert result.item_gaps[0] == pytest.approx(-1.0)  # (-2 + 0) / 2
    assert result.item_gaps[5] == pytest.approx(-1.5)
    assert result.unweighted == pytest.approx(-0.4)  # (-1 - 1.5 - 0.5 + 0.5 + 0.5) / 5
    # A: 0.5·-2 + 0.5·-1 = -1.5; B (equal weights): (0 - 2 - 1 + 0 + 1) / 5 = -0.4 → mean -0.95
    assert result.weighted == pytest.approx(-0.95)
    assert result.largest_gap_dimension == "reliability"


def test_servqual_weights_change_weighted_not_unweighted() -> None:
    equal = servqual_gaps([ServqualResponse(A_E, A_P, {}), ServqualResponse(B_E, B_P, {})])
    skewed = servqual_gaps(
        [ServqualResponse(A_E, A_P, {"assurance": 100}), ServqualResponse(B_E, B_P, {"empathy": 100})]
    )
    assert equal.unweighted == pytest.approx(-0.4)
    assert equal.weighted == pytest.approx(-0.4)  # equal weights, nothing skipped: same as unweighted
    assert skewed.unweighted == pytest.approx(-0.4)
    assert skewed.weighted == pytest.approx(1.0)  # A assurance +1, B empathy +1
    assert skewed.dimension_gaps == equal.dimension_gaps
    explicit = {d: 20.0 for d in SERVQUAL_DIMENSIONS}
    assert servqual_gaps([ServqualResponse(A_E, A_P, explicit)]).weighted == pytest.approx(-0.4)


def test_servqual_skipped_items_are_left_out() -> None:
    expectations: list[int | None] = [6] * 22
    perceptions: list[int | None] = list(A_P)
    expectations[0] = None  # item 1 skipped on E: its P of 1 must not count
    perceptions[0] = 1
    perceptions[1] = 6  # tangibles now: items 2..4 gaps 0, -2, -2 → -4/3
    result = servqual_gaps([ServqualResponse(expectations, perceptions)])
    assert result.item_gaps[0] is None
    assert result.item_gaps[1] == pytest.approx(0.0)
    assert result.dimension_gaps["tangibles"] == pytest.approx(-4 / 3)
    both = servqual_gaps([ServqualResponse(expectations, perceptions), ServqualResponse(B_E, B_P)])
    assert both.item_gaps[0] == pytest.approx(0.0)  # only B answered item 1
    assert both.dimension_gaps["tangibles"] == pytest.approx((-4 / 3 + 0) / 2)


def test_servqual_skipped_dimension_renormalises_weights() -> None:
    only_t_and_r = {"tangibles": 4, "reliability": 5, "responsiveness": None, "assurance": None, "empathy": None}
    expectations = by_dimension({**only_t_and_r, "tangibles": 6, "reliability": 6})
    perceptions = by_dimension(only_t_and_r)
    weights = {"tangibles": 30, "reliability": 10, "responsiveness": 60}
    result = servqual_gaps([ServqualResponse(expectations, perceptions, weights)])
    assert result.dimension_gaps["responsiveness"] is None
    assert result.weighted == pytest.approx((30 * -2 + 10 * -1) / 40)
    assert result.unweighted == pytest.approx(-1.5)
    assert result.largest_gap_dimension == "tangibles"
    unweighable = servqual_gaps([ServqualResponse(expectations, perceptions, {"empathy": 100})])
    assert unweighable.weighted is None
    assert unweighable.n == 1


def test_servqual_empty_and_all_skipped() -> None:
    for responses in ([], [ServqualResponse([None] * 22, [3] * 22)]):
        result = servqual_gaps(responses)
        assert result.n == 0
        assert result.item_gaps == (None,) * 22
        assert set(result.dimension_gaps.values()) == {None}
        assert (result.unweighted, result.weighted, result.largest_gap_dimension) == (None, None, None)


def test_servqual_largest_gap_tie_goes_to_dimension_order() -> None:
    perceptions = by_dimension({"tangibles": 6, "reliability": 6, "responsiveness": 5, "assurance": 5, "empathy": 6})
    result = servqual_gaps([ServqualResponse([6] * 22, perceptions)])
    assert result.largest_gap_dimension == "responsiveness"
    no_gap = servqual_gaps([ServqualResponse([4] * 22, [4] * 22)])
    assert no_gap.largest_gap_dimension == "tangibles"


@pytest.mark.parametrize(
    ("expectations", "perceptions", "importance", "message"),
    [
        ([5] * 21, [5] * 22, {}, r"response 0: expectations has 21 values, expected 22"),
        ([5] * 22, [5] * 23, {}, r"perceptions has 23 values"),
        ([5] * 21 + [0], [5] * 22, {}, r"expectations item 22 is 0"),
        ([5] * 22, [8] + [5] * 21, {}, r"perceptions item 1 is 8"),
        ([5] * 22, [5.5] + [5] * 21, {}, r"perceptions item 1 is 5.5"),
        ([5] * 22, [True] + [5] * 21, {}, r"perceptions item 1 is True"),
        ([5] * 22, [5] * 22, {"tangibles": 90}, r"importance points sum to 90"),
        ([5] * 22, [5] * 22, {"tangibles": 50, "speed": 50}, r"unknown dimension 'speed'"),
        ([5] * 22, [5] * 22, {"tangibles": 110, "empathy": -10}, r"importance for empathy is -10"),
    ],
)
def test_servqual_validation(
    expectations: list[int], perceptions: list[int], importance: dict[str, float], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        servqual_gaps([ServqualResponse(expectations, perceptions, importance)])


def test_servqual_importance_rounding_slack_is_accepted() -> None:
    weights = {"tangibles": 33.4, "reliability": 33.3, "responsiveness": 33.3, "assurance": 0.4}
    result = servqual_gaps([ServqualResponse(A_E, A_P, weights)])
    expected = (33.4 * -2 + 33.3 * -1 + 33.3 * 0 + 0.4 * 1) / 100.4
    assert result.weighted == pytest.approx(expected)
    with pytest.raises(ValueError, match=r"response 1: importance points sum to 100\.6"):
        servqual_gaps([ServqualResponse(A_E, A_P), ServqualResponse(A_E, A_P, {"tangibles": 100.6})])


@st.composite
def complete_servqual(draw: st.DrawFn) -> ServqualResponse:
    scores = st.lists(st.integers(1, 7), min_size=22, max_size=22)
    cuts = sorted(draw(st.lists(st.integers(0, 100), min_size=4, max_size=4)))
    points = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
    return ServqualResponse(draw(scores), draw(scores), dict(zip(SERVQUAL_DIMENSIONS, points, strict=True)))


@given(st.lists(complete_servqual(), min_size=0, max_size=12))
def test_servqual_from_item_sums_equals_the_per_respondent_computation(responses: list[ServqualResponse]) -> None:
    # The analytics facts keep only per-item sums; for complete answers they must give servqual_gaps' numbers.
    sums = []
    for item, dimension in enumerate(SERVQUAL_ITEM_DIMENSION):
        gaps = [(r.perceptions[item] or 0) - (r.expectations[item] or 0) for r in responses]
        weights = [r.importance[dimension] / 100 for r in responses]
        sums.append(ServqualItemSums(len(responses), sum(gaps), sum(w * g for w, g in zip(weights, gaps, strict=True))))
    expected, actual = servqual_gaps(responses), servqual_from_sums(sums)
    assert actual.n == expected.n
    assert actual.item_gaps == pytest.approx(expected.item_gaps)
    assert actual.dimension_gaps == pytest.approx(expected.dimension_gaps)
    assert (actual.unweighted is None) == (expected.unweighted is None)
    if expected.unweighted is not None:
        assert actual.unweighted == pytest.approx(expected.unweighted)
        assert actual.weighted == pytest.approx(expected.weighted)
        expected_largest = min(expected.dimension_gaps.values(), key=lambda gap: gap if gap is not None else 99)
        assert actual.dimension_gaps[actual.largest_gap_dimension or ""] == pytest.approx(expected_largest)
