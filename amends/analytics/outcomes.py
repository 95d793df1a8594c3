"""Recovery outcome against what was given: e.g. the dispute rate after monetary relief, non-monetary relief or
an explanation only (the CFPB's "company response"), with a Wilson interval per outcome."""

from dataclasses import dataclass

from django.db.models import Sum

from amends.core.models import User

from . import stats
from .filters import Filters, narrowed
from .models import outcome_facts


@dataclass(frozen=True)
class Outcome:
    outcome: str
    cases: int
    disputed_known: int
    disputed: int
    dispute_rate: float | None
    ci_low: float | None
    ci_high: float | None


def outcomes(user: User, filters: Filters) -> list[Outcome]:
    rows = (
        narrowed(outcome_facts(filters.channel, filters.category), filters, user).order_by().values_list("outcome")
        .annotate(n=Sum("cases"), known=Sum("disputed_known"), yes=Sum("disputed"))
    )  # fmt: skip
    result = []
    for outcome, n, known, yes in rows:
        interval = stats.wilson_interval(yes, known)
        result.append(Outcome(outcome, n, known, yes, yes / known if known else None,
                              interval[0] if interval else None, interval[1] if interval else None))  # fmt: skip
    return sorted(result, key=lambda o: -o.cases)
