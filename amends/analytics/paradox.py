"""The service recovery paradox on the business's own customers: do customers whose failure was recovered to
their satisfaction end up happier and more loyal than customers who never had a failure?

Three groups (see ParadoxDay): never failed, recovered, not recovered. Per measure the effect is Hedges' g of
the recovered against the never failed, with its 95% interval, set against the meta-analysis of de Matos,
Henrique & Rossi (2007, Journal of Service Research 10(1)): the paradox is significant for satisfaction and not
for repurchase intention or word of mouth. The period, location and team filters narrow every group; a category
narrows the two groups that had a failure (the never failed have none); the channel does not apply.
"""

from collections import defaultdict
from dataclasses import dataclass, replace

from django.db.models import Q, Sum

from amends.core.models import User

from .filters import Filters, narrowed
from .models import PARADOX_SCORES, PARADOX_SUMS, RETURN_WINDOWS, ParadoxDay
from .stats import EffectSize, Moments, hedges_g_of

Group = ParadoxDay.Group
MEASURES = (*PARADOX_SCORES, "returned")


class Verdict:
    PARADOX = "paradox"  # recovered customers score higher than those who never failed: the interval is above 0
    NO_DIFFERENCE = "no_difference"  # the interval includes 0
    BELOW = "below"  # recovered customers still score lower than those who never failed


# What de Matos et al. (2007) found across 24 studies; actual return was not among their measures.
BENCHMARK = {"satisfaction": Verdict.PARADOX, "recommend": Verdict.NO_DIFFERENCE, "repurchase": Verdict.NO_DIFFERENCE}


@dataclass(frozen=True)
class MeasureResult:
    measure: str
    groups: dict[str, Moments]
    paradox: EffectSize | None  # recovered against never failed
    recovery: EffectSize | None  # recovered against not recovered: what a good recovery is worth
    verdict: str | None
    benchmark: str | None

    @property
    def agrees(self) -> bool | None:
        return None if self.verdict is None or self.benchmark is None else self.verdict == self.benchmark


@dataclass(frozen=True)
class Subgroup:
    key: str  # a category or a severity
    recovered: int
    not_recovered: int
    paradox: EffectSize | None  # this subgroup's recovered against all the never failed


@dataclass(frozen=True)
class Paradox:
    measure: str  # the one the subgroups compare
    return_days: int
    measures: list[MeasureResult]
    by_category: list[Subgroup]
    by_severity: list[Subgroup]


def verdict_of(effect: EffectSize | None) -> str | None:
    if effect is None:
        return None
    if effect.ci_low > 0:
        return Verdict.PARADOX
    if effect.ci_high < 0:
        return Verdict.BELOW
    return Verdict.NO_DIFFERENCE


def _moments(row: dict, measure: str, return_days: int) -> Moments:
    if measure == "returned":
        returned = row[f"returned_{return_days}"]
        return Moments(row[f"return_known_{return_days}"], returned, returned)  # 0/1: Σx² = Σx
    return Moments(row[f"{measure}_n"], row[f"{measure}_sum"], row[f"{measure}_sq"])


def _rows(user: User, filters: Filters) -> list[dict]:
    rows = narrowed(ParadoxDay.objects.all(), replace(filters, channel=None, category=None), user)
    if filters.category is not None:
        rows = rows.filter(Q(group=Group.NEVER_FAILED) | Q(category=filters.category))
    sums = {name: Sum(name) for name in PARADOX_SUMS}
    return list(rows.order_by().values("group", "category", "severity").annotate(**sums))


def _subgroups(rows: list[dict], dimension: str, measure: str, return_days: int, baseline: Moments) -> list[Subgroup]:
    by_key: dict[str, dict[str, Moments]] = defaultdict(lambda: defaultdict(Moments))
    for row in rows:
        if row["group"] != Group.NEVER_FAILED:
            by_key[row[dimension]][row["group"]] += _moments(row, measure, return_days)
    subgroups = [
        Subgroup(key, groups[Group.RECOVERED].n, groups[Group.NOT_RECOVERED].n,
                 hedges_g_of(groups[Group.RECOVERED], baseline))
        for key, groups in by_key.items()
    ]  # fmt: skip
    return sorted(subgroups, key=lambda s: (-(s.recovered + s.not_recovered), s.key))


def recovery_paradox(user: User, filters: Filters, *, measure: str = "satisfaction", return_days: int = 90) -> Paradox:
    if measure not in MEASURES or return_days not in RETURN_WINDOWS:
        raise ValueError(f"unknown measure {measure!r} or return window {return_days!r}")
    rows = _rows(user, filters)
    results = []
    for name in MEASURES:
        groups: dict[str, Moments] = {group: Moments() for group in Group.values}
        for row in rows:
            groups[row["group"]] += _moments(row, name, return_days)
        paradox = hedges_g_of(groups[Group.RECOVERED], groups[Group.NEVER_FAILED])
        recovery = hedges_g_of(groups[Group.RECOVERED], groups[Group.NOT_RECOVERED])
        results.append(MeasureResult(name, groups, paradox, recovery, verdict_of(paradox), BENCHMARK.get(name)))
    baseline = next(result for result in results if result.measure == measure).groups[Group.NEVER_FAILED]
    return Paradox(
        measure=measure,
        return_days=return_days,
        measures=results,
        by_category=_subgroups(rows, "category", measure, return_days, baseline),
        by_severity=_subgroups(rows, "severity", measure, return_days, baseline),
    )
