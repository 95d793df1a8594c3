"""Pareto of failures and of recovery cost by root-cause category: the few causes behind most of it."""

from dataclasses import dataclass

from django.db.models import Sum

from amends.cases.selectors import category_label, root_causes
from amends.cases.taxonomy import root_cause_of
from amends.core.models import User

from . import stats
from .filters import Filters, narrowed
from .models import category_facts

MEASURES = ("cases", "cost")


@dataclass(frozen=True)
class ParetoBar:
    category: str
    stage: str
    family: str
    value: float
    share: float
    cumulative_share: float
    vital_few: bool
    label: str  # the category's name in the reader's language


def pareto(user: User, filters: Filters, *, measure: str = "cases") -> list[ParetoBar]:
    """Categories by number of cases (or by gesture cost), largest first, with cumulative shares."""
    totals = (
        narrowed(category_facts(filters.channel), filters, user).order_by().values_list("category")
        .annotate(total=Sum(measure))
    )  # fmt: skip
    rows = stats.pareto({category: float(total or 0) for category, total in totals})
    mapped = root_causes()
    causes = {row.key: root_cause_of(row.key, mapped) for row in rows}
    return [
        ParetoBar(row.key, causes[row.key].stage, causes[row.key].family, row.value, row.share,
                  row.cumulative_share, row.vital_few, category_label(row.key))
        for row in rows
    ]  # fmt: skip
