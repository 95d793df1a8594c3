"""Ledger corrections are bounded like offers: a clear 422 instead of a database overflow, and never more taken
back than was given."""

from decimal import Decimal

import pytest

from amends.cases.models import Case
from amends.compensation.models import LedgerEntry

from .conftest import ApiClient, World, negative_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(api: ApiClient, world: World) -> LedgerEntry:
    case = Case.objects.get(pk=api.post("/feedback", negative_survey()).json()["case"]["id"])
    return LedgerEntry.objects.create(case=case, customer=case.customer, type="refund", amount=Decimal("40.00"),
                                      currency="EUR", offered_by=world.alice, fulfilment="to_pay")  # fmt: skip


@pytest.mark.parametrize("amount", ["99999999999999999999", "1000000.01", "-1000000.01", "0", "0.001"])
def test_a_correction_out_of_bounds_is_a_422_on_the_amount(entry: LedgerEntry, world: World, amount: str) -> None:
    answer = ApiClient(world.bob).post(f"/ledger/{entry.pk}/corrections", {"amount": amount, "note": "Typo"})
    assert (answer.status_code, answer.json()["code"], answer.json()["field"]) == (422, "out_of_range", "amount")
    assert not LedgerEntry.objects.filter(corrects=entry).exists()


def test_a_correction_never_takes_back_more_than_was_given(entry: LedgerEntry, world: World) -> None:
    bob = ApiClient(world.bob)
    too_much = bob.post(f"/ledger/{entry.pk}/corrections", {"amount": "-40.01", "note": "Paid nothing"})
    assert (too_much.status_code, too_much.json()["field"]) == (422, "amount")
    assert "-0.01 EUR" in too_much.json()["message"]
    assert bob.post(f"/ledger/{entry.pk}/corrections", {"amount": "-30", "note": "Paid 10"}).status_code == 201
    after = bob.post(f"/ledger/{entry.pk}/corrections", {"amount": "-10.01", "note": "And less"})
    assert (after.status_code, after.json()["code"]) == (422, "out_of_range")  # the corrections add up
    assert bob.post(f"/ledger/{entry.pk}/corrections", {"amount": "-10", "note": "Paid nothing"}).status_code == 201
    assert sum(e.amount for e in LedgerEntry.objects.filter(case=entry.case)) == Decimal("0")


def test_a_correction_corrects_the_original_entry_not_another_correction(entry: LedgerEntry, world: World) -> None:
    bob = ApiClient(world.bob)
    correction = bob.post(f"/ledger/{entry.pk}/corrections", {"amount": "-5", "note": "Paid 35"}).json()
    again = bob.post(f"/ledger/{correction['id']}/corrections", {"amount": "-5", "note": "Paid 30"})
    assert (again.status_code, again.json()["code"]) == (422, "invalid_value")
