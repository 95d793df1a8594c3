"""Spending authority: may this person give this much without asking, and who decides when not. No database here.

A limit is per case (everything the case can still pay out: what it was given and every live offer's most expensive
alternative, this offer included), per day and per month (everything this person offered or approved in that period,
this one included); an absent limit of a period means no limit of that kind. An approver's own limits cover what they
approve, as if they offered it.
A personal limit replaces the limits of the person's roles; with several roles, the highest role's limit counts.
A limit in another currency than the offer's does not cover it: someone with a limit in that currency decides.
An offer of alternatives commits at most its most expensive alternative: the customer takes one.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum

ZERO = Decimal("0")
ROLE_ORDER = ("agent", "supervisor", "admin")  # each role's approver is the next one up
BUDGET_WARNING_SHARE = Decimal("0.8")


class Exceeded(StrEnum):
    PER_CASE = "per_case"  # the case would receive more than the person may give on one case
    PER_DAY = "per_day"  # the person would give more today than allowed
    PER_MONTH = "per_month"  # the person would give more this month than allowed
    CURRENCY = "currency"  # the person's limit is in another currency
    NO_AUTHORITY = "no_authority"  # the person has no spending authority at all


@dataclass(frozen=True)
class Limit:
    currency: str
    per_case: Decimal
    per_day: Decimal | None = None
    per_month: Decimal | None = None


@dataclass(frozen=True)
class Spent:
    """What counts against the limits already, in the offer's currency, without this offer."""

    on_case: Decimal = ZERO
    today: Decimal = ZERO
    this_month: Decimal = ZERO


@dataclass(frozen=True)
class Check:
    exceeded: tuple[Exceeded, ...]

    @property
    def within(self) -> bool:
        return not self.exceeded


def exposure(amounts: Iterable[Decimal]) -> Decimal:
    """What an offer commits: its most expensive alternative."""
    return max(amounts, default=ZERO)


def payable_on_case(*, given: Decimal, live_exposures: Iterable[Decimal]) -> Decimal:
    """What a case can still pay out: what it was given (corrections included) plus, for every live offer (offered,
    or waiting for approval), its most expensive alternative, since the customer may choose on every link."""
    return given + sum(live_exposures, ZERO)


def limit_for(
    *, roles: Iterable[str], personal: Limit | None, by_role: Mapping[str, Limit], unlimited: bool = False
) -> Limit | None:
    """The limit that applies to a person; None: no authority (everything needs approval)."""
    if unlimited:
        return Limit(currency="*", per_case=Decimal("Infinity"))
    if personal is not None:
        return personal
    for role in reversed(ROLE_ORDER):
        if role in roles and role in by_role:
            return by_role[role]
    return None


def check(amount: Decimal, currency: str, limit: Limit | None, spent: Spent) -> Check:
    """Whether giving `amount` now stays within `limit`; every limit that it would pass is named."""
    if amount <= ZERO:
        return Check(())  # an apology or a gesture without a price never needs approval
    if limit is None:
        return Check((Exceeded.NO_AUTHORITY,))
    if limit.currency not in ("*", currency):
        return Check((Exceeded.CURRENCY,))
    exceeded = []
    if spent.on_case + amount > limit.per_case:
        exceeded.append(Exceeded.PER_CASE)
    if limit.per_day is not None and spent.today + amount > limit.per_day:
        exceeded.append(Exceeded.PER_DAY)
    if limit.per_month is not None and spent.this_month + amount > limit.per_month:
        exceeded.append(Exceeded.PER_MONTH)
    return Check(tuple(exceeded))


def check_cohort(amount: Decimal, recipients: int, currency: str, limit: Limit | None, spent: Spent) -> Check:
    """The same gesture for each of `recipients` customers (an incident): each one is a case of its own for the
    per-case limit, and all of them together count against the day and the month."""
    each = check(amount, currency, limit, Spent())
    if not each.within or limit is None or recipients <= 0:
        return each
    total = check(amount * recipients, currency, replace(limit, per_case=Decimal("Infinity")), spent)
    return Check(total.exceeded)


def approver_role(roles: Iterable[str]) -> str | None:
    """The role that approves what this person cannot give: the next one up from their highest; None above admin."""
    held = [ROLE_ORDER.index(role) for role in roles if role in ROLE_ORDER]
    level = max(held, default=-1)
    return ROLE_ORDER[level + 1] if level + 1 < len(ROLE_ORDER) else None


def budget_warning(*, budget: Decimal | None, spent: Decimal) -> bool:
    """A team's monthly budget is running out: warn at 80% and above."""
    return budget is not None and budget > ZERO and spent >= budget * BUDGET_WARNING_SHARE


def budget_warning_crossed(*, budget: Decimal | None, spent: Decimal, added: Decimal) -> bool:
    """The gesture that took the month's spending (now `spent`) across the warning share: warn once, then."""
    return budget_warning(budget=budget, spent=spent) and not budget_warning(budget=budget, spent=spent - added)
