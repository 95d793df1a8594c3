"""Spending authority as a pure rule (compensation/limits.py): every limit, period and role, exhaustively."""

from decimal import Decimal
from itertools import product

import pytest

from amends.compensation import limits
from amends.compensation.limits import Exceeded, Limit, Spent

D = Decimal
AGENT = Limit("EUR", per_case=D("200"), per_day=D("500"), per_month=D("2000"))


def test_an_offer_commits_its_most_expensive_alternative() -> None:
    assert limits.exposure([D("10"), D("150"), D("40")]) == D("150")
    assert limits.exposure([]) == D("0")


@pytest.mark.parametrize(
    ("amount", "spent", "exceeded"),
    [
        (D("200"), Spent(), ()),  # exactly the limit is within it
        (D("200.01"), Spent(), (Exceeded.PER_CASE,)),
        (D("150"), Spent(on_case=D("50")), ()),
        (D("150"), Spent(on_case=D("50.01")), (Exceeded.PER_CASE,)),
        (D("100"), Spent(today=D("400")), ()),
        (D("100"), Spent(today=D("400.01")), (Exceeded.PER_DAY,)),
        (D("100"), Spent(this_month=D("1900")), ()),
        (D("100"), Spent(this_month=D("1950")), (Exceeded.PER_MONTH,)),
        (
            D("250"),
            Spent(on_case=D("1"), today=D("300"), this_month=D("1800")),
            (Exceeded.PER_CASE, Exceeded.PER_DAY, Exceeded.PER_MONTH),
        ),
    ],
)
def test_each_limit_is_checked_with_what_was_given_before(amount: Decimal, spent: Spent, exceeded: tuple) -> None:
    assert limits.check(amount, "EUR", AGENT, spent).exceeded == exceeded


def test_every_combination_of_limits_agrees_with_adding_up_by_hand() -> None:
    """All 3 limits set or absent x 3 spent levels per period x 4 amounts: each period compared on its own."""
    levels = [D("0"), D("100"), D("450")]
    for per_day, per_month in product([None, D("500")], [None, D("600")]):
        limit = Limit("EUR", per_case=D("300"), per_day=per_day, per_month=per_month)
        for on_case, today, month, amount in product(levels, levels, levels, [D("0.01"), D("50"), D("200"), D("600")]):
            result = limits.check(amount, "EUR", limit, Spent(on_case, today, month))
            expected = []
            if on_case + amount > D("300"):
                expected.append(Exceeded.PER_CASE)
            if per_day is not None and today + amount > per_day:
                expected.append(Exceeded.PER_DAY)
            if per_month is not None and month + amount > per_month:
                expected.append(Exceeded.PER_MONTH)
            assert result.exceeded == tuple(expected)
            assert result.within == (not expected)


def test_nothing_to_pay_never_needs_approval_even_without_authority() -> None:
    assert limits.check(D("0"), "EUR", None, Spent()).within
    assert limits.check(D("0"), "USD", AGENT, Spent(on_case=D("9999"))).within


def test_without_authority_or_in_another_currency_someone_else_decides() -> None:
    assert limits.check(D("1"), "EUR", None, Spent()).exceeded == (Exceeded.NO_AUTHORITY,)
    assert limits.check(D("1"), "GBP", AGENT, Spent()).exceeded == (Exceeded.CURRENCY,)


def test_a_personal_limit_replaces_the_roles_and_the_highest_role_counts() -> None:
    roles = {"agent": AGENT, "supervisor": Limit("EUR", per_case=D("2000"))}
    personal = Limit("EUR", per_case=D("50"))
    assert limits.limit_for(roles={"agent"}, personal=None, by_role=roles) == AGENT
    assert limits.limit_for(roles={"agent", "supervisor"}, personal=None, by_role=roles) == roles["supervisor"]
    assert limits.limit_for(roles={"agent", "supervisor"}, personal=personal, by_role=roles) == personal
    assert limits.limit_for(roles={"admin"}, personal=None, by_role=roles) is None  # no admin limit set
    assert limits.limit_for(roles=set(), personal=None, by_role=roles) is None


def test_a_superuser_may_give_anything_in_any_currency() -> None:
    limit = limits.limit_for(roles=set(), personal=None, by_role={}, unlimited=True)
    assert limits.check(D("999999"), "JPY", limit, Spent(on_case=D("1000000"))).within


@pytest.mark.parametrize(
    ("roles", "approver"),
    [
        ({"agent"}, "supervisor"),
        ({"supervisor"}, "admin"),
        ({"agent", "supervisor"}, "admin"),
        ({"admin"}, None),
        (set(), "agent"),
    ],
)
def test_the_next_level_up_approves(roles: set[str], approver: str | None) -> None:
    assert limits.approver_role(roles) == approver


@pytest.mark.parametrize(
    ("budget", "spent", "warn"),
    [
        (D("1000"), D("799.99"), False),
        (D("1000"), D("800"), True),
        (D("1000"), D("1200"), True),
        (None, D("5000"), False),
        (D("0"), D("1"), False),
    ],
)
def test_a_team_budget_warns_from_80_percent(budget: Decimal | None, spent: Decimal, warn: bool) -> None:
    assert limits.budget_warning(budget=budget, spent=spent) is warn


@pytest.mark.parametrize(
    ("spent", "added", "crossed"),
    [("170", "70", True), ("160", "10", True), ("190", "20", False), ("100", "100", False), ("170", "0", False)],
)
def test_the_budget_warning_goes_with_the_crossing_gesture(spent: str, added: str, crossed: bool) -> None:
    assert limits.budget_warning_crossed(budget=Decimal("200"), spent=Decimal(spent), added=Decimal(added)) is crossed
    assert limits.budget_warning_crossed(budget=None, spent=Decimal(spent), added=Decimal(added)) is False


@pytest.mark.parametrize(
    ("amount", "recipients", "spent", "exceeded"),
    [
        (D("10"), 50, Spent(), ()),  # 500 in all: exactly the day's limit
        (D("10"), 51, Spent(), (Exceeded.PER_DAY,)),
        (D("10"), 40, Spent(today=D("100")), ()),
        (D("10"), 40, Spent(today=D("100.01")), (Exceeded.PER_DAY,)),
        (D("10"), 40, Spent(this_month=D("1600.01")), (Exceeded.PER_MONTH,)),
        (D("200"), 1, Spent(on_case=D("999")), ()),  # each customer is a fresh case: what a case had is irrelevant
        (D("200.01"), 1, Spent(), (Exceeded.PER_CASE,)),
        (D("0"), 100_000, Spent(), ()),  # an apology for everyone needs no authority
    ],
)
def test_a_cohort_gesture_is_per_case_for_each_and_per_day_and_month_for_all(
    amount: Decimal, recipients: int, spent: Spent, exceeded: tuple[Exceeded, ...]
) -> None:
    assert limits.check_cohort(amount, recipients, "EUR", AGENT, spent).exceeded == exceeded


def test_a_cohort_gesture_needs_authority_in_its_currency() -> None:
    assert limits.check_cohort(D("5"), 10, "EUR", None, Spent()).exceeded == (Exceeded.NO_AUTHORITY,)
    assert limits.check_cohort(D("5"), 10, "USD", AGENT, Spent()).exceeded == (Exceeded.CURRENCY,)
    unlimited = limits.limit_for(roles=[], personal=None, by_role={}, unlimited=True)
    assert limits.check_cohort(D("5000"), 100_000, "EUR", unlimited, Spent()).within
