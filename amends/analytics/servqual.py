"""SERVQUAL gaps (perception minus expectation, 1-7 scales) per statement, dimension and location, weighted by the
importance points customers gave; the dimension with the largest gap is the one to work on first. The period,
location and team filters apply; channel and category do not (the answers are about the place, not a case)."""

from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import QuerySet, Sum

from amends.core.models import Location, User

from .filters import Filters, narrowed
from .models import ServqualItemDay
from .stats import SERVQUAL_DIMENSIONS, SERVQUAL_ITEM_DIMENSION, ServqualItemSums, ServqualResult, servqual_from_sums

ITEMS = len(SERVQUAL_ITEM_DIMENSION)


@dataclass(frozen=True)
class Item:
    item: int  # 1-22
    dimension: str
    expectation: float | None
    perception: float | None
    gap: float | None


@dataclass(frozen=True)
class Dimension:
    dimension: str
    gap: float | None
    weighted_gap: float | None  # its part of the weighted score: importance share * gap, averaged
    importance: float | None  # mean points out of 100


@dataclass(frozen=True)
class LocationGaps:
    code: str
    name: str
    n: int
    dimension_gaps: dict[str, float | None]
    largest_gap_dimension: str | None


@dataclass(frozen=True)
class Servqual:
    result: ServqualResult
    items: list[Item]
    dimensions: list[Dimension]
    locations: list[LocationGaps]


SUMS = ("n", "expectation_sum", "perception_sum", "gap_sum", "weighted_gap_sum", "importance_sum")


def _per_item(rows: list[dict]) -> list[dict]:
    """The summed facts of statements 1-22 in order, zeros for a statement nobody answered."""
    by_item = {row["item"]: row for row in rows}
    return [by_item.get(n, dict.fromkeys(SUMS, 0)) for n in range(1, ITEMS + 1)]


def _result(items: list[dict]) -> ServqualResult:
    return servqual_from_sums([ServqualItemSums(row["n"], row["gap_sum"], row["weighted_gap_sum"]) for row in items])


def _mean(total: float, n: int) -> float | None:
    return total / n if n else None


def _facts(user: User, filters: Filters) -> QuerySet[Any]:
    return narrowed(ServqualItemDay.objects.all(), replace(filters, channel=None, category=None), user)


def _summed_items(facts: QuerySet[Any]) -> list[dict]:
    return _per_item(list(facts.order_by().values("item").annotate(**{name: Sum(name) for name in SUMS})))


def servqual_result(user: User, filters: Filters) -> ServqualResult:
    """The gaps alone, without the statements' and locations' detail (the weekly email's line)."""
    return _result(_summed_items(_facts(user, filters)))


def servqual(user: User, filters: Filters) -> Servqual:
    facts = _facts(user, filters)
    per_item = _summed_items(facts)
    result = _result(per_item)
    items = [
        Item(n, dimension, _mean(row["expectation_sum"], row["n"]), _mean(row["perception_sum"], row["n"]),
             result.item_gaps[n - 1])
        for n, (row, dimension) in enumerate(zip(per_item, SERVQUAL_ITEM_DIMENSION, strict=True), start=1)
    ]  # fmt: skip
    dimensions = []
    for dimension in SERVQUAL_DIMENSIONS:
        members = [row for row, d in zip(per_item, SERVQUAL_ITEM_DIMENSION, strict=True) if d == dimension and row["n"]]
        weighted = [row["weighted_gap_sum"] / row["n"] for row in members]
        importance = members[0]["importance_sum"] / members[0]["n"] if members else None  # the same for each member
        weighted_gap = sum(weighted) / len(weighted) if weighted else None
        dimensions.append(Dimension(dimension, result.dimension_gaps[dimension], weighted_gap, importance))
    return Servqual(result, items, dimensions, _by_location(facts))


def _by_location(facts: QuerySet[ServqualItemDay]) -> list[LocationGaps]:
    grouped: dict[int, list[dict]] = defaultdict(list)
    for row in facts.order_by().values("location_id", "item").annotate(**{name: Sum(name) for name in SUMS}):
        grouped[row["location_id"]].append(dict(row))
    places = Location.objects.in_bulk(list(grouped))
    gaps = []
    for location_id, rows in grouped.items():
        result = _result(_per_item(rows))
        place = places[location_id]
        gaps.append(LocationGaps(place.code, place.name, result.n, result.dimension_gaps, result.largest_gap_dimension))
    return sorted(gaps, key=lambda g: (g.name, g.code))
