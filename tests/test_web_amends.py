"""The agent's pages for making amends and following up: the offer panel with fairness guidance, the approvals
page, follow-up tasks in the inbox; and the ledger's totals, corrections, budget warning and offer expiry."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from amends.cases.models import Case
from amends.compensation.fairness import Spread, outlier, spread
from amends.compensation.models import CatalogueItem, LedgerEntry, Offer, TeamBudget
from amends.compensation.services import offer_choose
from amends.compensation.tasks import offers_expire_task
from amends.notifications.models import Notification

from .conftest import ApiClient, World, negative_survey

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def limits(api: ApiClient) -> None:
    assert api.put("/authority-limits", {"role": "agent", "per_case": "200"}).status_code == 200
    assert api.put("/authority-limits", {"role": "supervisor", "per_case": "2000"}).status_code == 200


@pytest.fixture
def case(api: ApiClient) -> Case:
    return Case.objects.get(pk=api.post("/feedback", negative_survey()).json()["case"]["id"])


def given(case: Case, amount: str, world: World, customer: str = "other") -> LedgerEntry:
    """A gesture given earlier on a similar case (same category and severity)."""
    other = Case.objects.create(
        customer=case.customer if customer == "same" else _customer(customer), location=case.location, team=case.team,
        severity=case.severity, category=case.category, created_at=timezone.now(),
        first_response_due_at=timezone.now(), resolution_due_at=timezone.now(), status="resolved",
    )  # fmt: skip
    return LedgerEntry.objects.create(case=other, customer=other.customer, type="voucher", amount=Decimal(amount),
                                      currency="EUR", category=case.category, location=case.location,
                                      offered_by=world.alice, fulfilment="issued")  # fmt: skip


def _customer(external_id: str):  # type: ignore[no-untyped-def]
    from amends.customers.models import Customer

    return Customer.objects.get_or_create(external_id=external_id, defaults={"language": "en"})[0]


def test_the_spread_and_outliers() -> None:
    assert spread([]) is None
    similar = spread([Decimal("20"), Decimal("50"), Decimal("30")])
    assert similar == Spread(count=3, median=Decimal("30.00"), low=Decimal("20"), high=Decimal("50"))
    assert outlier(Decimal("50"), similar) is None and outlier(Decimal("20"), similar) is None
    assert outlier(Decimal("51"), similar) == "above" and outlier(Decimal("10"), similar) == "below"
    assert outlier(Decimal("500"), spread([Decimal("20"), Decimal("30")])) is None  # too few to judge


def test_the_agent_offers_from_the_catalogue_and_is_warned_on_an_outlier(
    case: Case, world: World, limits: None
) -> None:
    item = CatalogueItem.objects.create(name="Voucher 50", type="voucher", default_amount=Decimal("50"))
    for amount in ("20", "30", "40"):
        given(case, amount, world)
    given(case, "15", world, customer="same")
    client = logged_in(world.alice)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "4 gestures, median 25.00 EUR, from 15.00 to 40.00." in page
    assert "Voucher 15.00 EUR" in page  # this customer's earlier gesture
    assert "You may give up to 200.00 EUR per case without approval." in page

    body = {"item_1": str(item.pk), "type_2": "partial_refund", "amount_2": "30", "reason": "Dirty room"}
    warned = client.post(f"/cases/{case.pk}/offers/", body)
    assert warned.status_code == 422
    assert "more than any similar case received" in warned.content.decode()
    assert not Offer.objects.exists()
    made = client.post(f"/cases/{case.pk}/offers/", body | {"confirm_outlier": "on"})
    assert made.status_code == 302
    offer = Offer.objects.get()
    assert [(a.type, a.amount, a.description) for a in offer.alternatives.all()] == [
        ("voucher", Decimal("50.00"), "Voucher 50"), ("partial_refund", Decimal("30.00"), "")
    ]  # fmt: skip
    assert offer.status == "offered"
    assert "/o/" in client.get(f"/cases/{case.pk}/").content.decode()  # the link to share by phone


def test_a_row_without_a_gesture_is_refused_next_to_the_field(case: Case, world: World, limits: None) -> None:
    page = logged_in(world.alice).post(f"/cases/{case.pk}/offers/", {"amount_1": "20", "reason": "x"})
    assert page.status_code == 422
    assert "Choose a gesture, or one from the catalogue." in page.content.decode()


def test_above_the_limit_the_supervisor_approves_on_the_approvals_page(case: Case, world: World, limits: None) -> None:
    logged_in(world.alice).post(f"/cases/{case.pk}/offers/", {"type_1": "voucher", "amount_1": "250", "reason": "x"})
    offer = Offer.objects.get()
    assert offer.status == "pending_approval"
    assert "Nothing waits for your approval." in logged_in(world.charlie).get("/approvals/").content.decode()
    page = logged_in(world.bob).get("/approvals/").content.decode()
    assert f"Fall #{case.pk}" in page and "250,00 EUR" in page  # bob reads German
    prefix = f"o{offer.pk}"
    refused = logged_in(world.bob).post(f"/offers/{offer.pk}/decision/", {f"{prefix}-decision": "approve"})
    assert refused.status_code == 422  # a comment is required
    done = logged_in(world.bob).post(
        f"/offers/{offer.pk}/decision/", {f"{prefix}-decision": "approve", f"{prefix}-comment": "Fair, long stay"}
    )
    assert done.status_code == 302
    offer.refresh_from_db()
    assert (offer.status, offer.approved_by) == ("offered", world.bob)


def test_a_follow_up_task_shows_in_the_inbox_when_due(case: Case, world: World) -> None:
    client = logged_in(world.alice)
    soon = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    assert client.post(f"/cases/{case.pk}/tasks/", {"due_at": soon, "note": "Call back"}).status_code == 302
    assert "Call back" not in client.get("/").content.decode()
    past = client.post(f"/cases/{case.pk}/tasks/", {"due_at": "2020-01-01T10:00", "note": "Late"})
    assert past.status_code == 422 and "Choose a time in the future." in past.content.decode()
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        inbox = client.get("/").content.decode()
        assert "Your follow-ups due" in inbox and "Call back" in inbox
        task_id = case.tasks.get().pk
        assert client.post(f"/tasks/{task_id}/done/", {"next": "inbox"}).status_code == 302
        assert "Call back" not in client.get("/").content.decode()


def test_ledger_totals_and_corrections(case: Case, world: World, api: ApiClient, alice_api: ApiClient) -> None:
    first = given(case, "40", world)
    given(case, "60", world)
    bob = ApiClient(world.bob)
    corrected = bob.post(f"/ledger/{first.pk}/corrections", {"amount": "-10.00", "note": "Paid out less"},
                         **{"Idempotency-Key": "c-1"})  # fmt: skip
    assert corrected.status_code == 201, corrected.json()
    assert (corrected.json()["corrects"], corrected.json()["amount"]) == (first.pk, "-10.00")
    assert alice_api.post(f"/ledger/{first.pk}/corrections", {"amount": "-5", "note": "x"}).status_code == 403
    assert bob.post(f"/ledger/{first.pk}/corrections", {"amount": "0", "note": "x"}).json()["code"] == "out_of_range"
    totals = api.get("/ledger/totals", by="category").json()
    assert totals["items"] == [{"group": case.category, "currency": "EUR", "total": "90.00", "gestures": 3}]
    assert api.get("/ledger/totals", by="location").json()["items"][0]["group"] == "ams"
    assert api.get("/ledger/totals", by="month").json()["items"][0]["group"] == timezone.now().strftime("%Y-%m")
    assert api.get("/ledger/totals", by="colour").status_code == 422
    assert first.case.events.filter(kind="gesture_corrected").count() == 1


@pytest.fixture
def alice_api(world: World) -> ApiClient:
    return ApiClient(world.alice)


def test_the_team_budget_warns_its_supervisors_once_at_80_percent(
    case: Case, world: World, alice_api: ApiClient, limits: None
) -> None:
    TeamBudget.objects.create(team=world.amsterdam, per_month=Decimal("200"))
    for amount in ("100", "70", "20"):  # 50%, then 85% (the warning), then 95% (no second warning)
        made = alice_api.post(f"/cases/{case.pk}/offers", {"alternatives": [
            {"type": "voucher", "amount": amount, "currency": "EUR"}], "reason": "x"}).json()  # fmt: skip
        offer_choose(offer=Offer.objects.get(pk=made["id"]), position=1)
    warnings = Notification.objects.filter(kind="budget_warning")
    assert [n.recipient for n in warnings] == [world.bob]
    assert "85%" in warnings.get().subject


def test_an_offer_not_chosen_in_time_expires(case: Case, world: World, alice_api: ApiClient, limits: None) -> None:
    alice_api.post(f"/cases/{case.pk}/offers", {"alternatives": [{"type": "voucher", "amount": "20",
                                                                   "currency": "EUR"}], "reason": "x"})  # fmt: skip
    assert offers_expire_task.call() == 0
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        assert offers_expire_task.call() == 1
        assert offers_expire_task.call() == 0
    assert Offer.objects.get().status == "expired"
    assert case.events.filter(kind="offer_expired").count() == 1
