"""Cause and effect: the categories of failure grouped by cause family (people, process, product, place, policy,
partners), with counts, for an Ishikawa diagram."""

from dataclasses import dataclass

from django.db.models import Sum

from amends.cases.selectors import root_causes
from amends.cases.taxonomy import FAMILIES, RootCause, root_cause_of
from amends.core.models import User

from .filters import Filters, narrowed
from .models import category_facts


@dataclass(frozen=True)
class Bone:
    family: str
    cases: int
    categories: list[tuple[str, int]]  # largest first


def fishbone(user: User, filters: Filters) -> list[Bone]:
    facts = narrowed(category_facts(filters.channel), filters, user)
    totals = facts.order_by().values_list("category").annotate(n=Sum("cases"))
    return bones_of(dict(totals), root_causes())


def bones_of(totals: dict[str, int], mapped: dict[str, RootCause]) -> list[Bone]:
    """Cases per category grouped by cause family; pure, so a page that has the totals already needs no query."""
    families: dict[str, list[tuple[str, int]]] = {family: [] for family in FAMILIES}
    for category, n in totals.items():
        families[root_cause_of(category, mapped).family].append((category, n))
    return [
        Bone(family, sum(n for _c, n in categories), sorted(categories, key=lambda c: (-c[1], c[0])))
        for family, categories in families.items()
    ]
