"""Fairness guidance without the database: what similar cases received, and whether an amount stands out.

Customers compare; treating like cases alike is part of a fair outcome. The guidance is the median and range of
the gestures given on cases of the same category and severity, and an amount outside that range is an outlier
once there are enough cases to speak of a range.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from statistics import median

MIN_CASES = 3  # fewer than this and there is no range to stand out from


@dataclass(frozen=True)
class Spread:
    count: int
    median: Decimal
    low: Decimal
    high: Decimal


def spread(amounts: Sequence[Decimal]) -> Spread | None:
    if not amounts:
        return None
    ordered = sorted(amounts)
    return Spread(count=len(ordered), median=Decimal(median(ordered)).quantize(Decimal("0.01")),
                  low=ordered[0], high=ordered[-1])  # fmt: skip


def outlier(amount: Decimal, similar: Spread | None) -> str | None:
    """ "above" or "below" the range of similar cases, or None when the amount is within it or there is no range."""
    if similar is None or similar.count < MIN_CASES:
        return None
    if amount > similar.high:
        return "above"
    if amount < similar.low:
        return "below"
    return None
