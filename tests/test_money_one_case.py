"""One case cannot pay out several times: a repeated form is one offer, live offers add up against the per-case
limit of whoever makes or approves the next one, and the approver sees everything the case can pay out."""

import re
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.test import Client

from amends.cases.models import Case
from amends.compensation.models import LedgerEntry, Offer
from amends.compensation.services import choice_url, offer_choose

from .conftest import ApiClient, World, negative_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(api: ApiClient) -> None:
    assert api.put("/authority-limits", {"role": "agent", "per_case": "200"}).status_code == 200
    assert api.put("/authority-limits", {"role": "supervisor", "per_case": "2000"}).status_code == 200


def logged_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def open_case(api: ApiClient, customer: str = "cust-1") -> Case:
    return Case.objects.get(pk=api.post("/feedback", negative_survey(customer)).json()["case"]["id"])


def offer_form(client: Client, case: Case, *rows: tuple[str, str], **extra: str) -> dict:
    """The case page's offer form as the browser sends it, with the one-time key the page gave."""
    page = client.get(f"/cases/{case.pk}/").content.decode()
    key = re.search(r'name="submit_key" value="([^"]+)"', page)
    data = {"reason": "Room not cleaned on arrival", "submit_key": key.group(1) if key else "", **extra}
    for n, (kind, amount) in enumerate(rows, start=1):
        data |= {f"type_{n}": kind, f"amount_{n}": amount}
    return data


def test_the_walk_that_paid_360_on_one_case_now_pays_at_most_what_the_approver_saw(
    world: World, api: ApiClient, limits: None
) -> None:
    case = open_case(api)
    alice = logged_in(world.alice)
    first = offer_form(alice, case, ("voucher", "50"), ("partial_refund", "60"))
    assert alice.post(f"/cases/{case.pk}/offers/", first).status_code == 302
    assert alice.post(f"/cases/{case.pk}/offers/", first).status_code == 302  # a double click, or a re-run
    assert Offer.objects.filter(case=case).count() == 1

    refund = offer_form(alice, case, ("refund", "350"), confirm_outlier="on")
    assert alice.post(f"/cases/{case.pk}/offers/", refund).status_code == 302
    pending = Offer.objects.get(case=case, status="pending_approval")
    live = Offer.objects.get(case=case, status="offered")

    page = logged_in(world.bob).get("/approvals/").content.decode()  # bob reads German
    card = page[page.index(f'id="offer-{pending.pk}"') :]
    assert f"#{live.pk}" in card and "60,00 EUR" in card  # the other live offer on the case
    assert "410,00 EUR" in card  # 60 (the most the first offer pays) + 350

    prefix = f"o{pending.pk}"
    decided = logged_in(world.bob).post(f"/offers/{pending.pk}/decision/", {
        f"{prefix}-decision": "change", f"{prefix}-amount": "250", f"{prefix}-comment": "Fair with the other offer",
    })  # fmt: skip
    assert decided.status_code == 302
    for offer, position in ((live, 2), (pending, 1)):  # the customer chooses on every link, the dearest option
        offer.refresh_from_db()
        assert choice_url(offer)
        offer_choose(offer=offer, position=position)
    paid = LedgerEntry.objects.filter(case=case).aggregate(total=Sum("amount"))["total"]
    assert paid == Decimal("310.00")  # the 310 the approver saw, not 360


def test_an_agent_cannot_stack_offers_past_the_per_case_limit(world: World, api: ApiClient, limits: None) -> None:
    case = open_case(api)
    alice = ApiClient(world.alice)
    body = {"alternatives": [{"type": "voucher", "amount": "150"}], "reason": "Cold room"}
    assert alice.post(f"/cases/{case.pk}/offers", body).json()["status"] == "offered"
    small = {"alternatives": [{"type": "voucher", "amount": "60"}], "reason": "And the noise"}
    assert alice.post(f"/cases/{case.pk}/offers", small).json()["status"] == "pending_approval"  # 210 > 200


def test_the_same_idempotency_key_makes_one_offer_and_a_changed_body_is_refused(
    world: World, api: ApiClient, limits: None
) -> None:
    case = open_case(api)
    alice = ApiClient(world.alice)
    body = {"alternatives": [{"type": "voucher", "amount": "50"}], "reason": "Cold room"}
    once = alice.post(f"/cases/{case.pk}/offers", body, **{"Idempotency-Key": "offer-1"})
    again = alice.post(f"/cases/{case.pk}/offers", body, **{"Idempotency-Key": "offer-1"})
    assert once.status_code == again.status_code == 201 and once.json()["id"] == again.json()["id"]
    changed = alice.post(f"/cases/{case.pk}/offers", body | {"reason": "Other"}, **{"Idempotency-Key": "offer-1"})
    assert (changed.status_code, changed.json()["code"]) == (409, "idempotency_key_reused")
    assert Offer.objects.filter(case=case).count() == 1


def test_a_changed_form_sent_again_is_refused_until_the_agent_sends_it_deliberately(
    world: World, api: ApiClient, limits: None
) -> None:
    case = open_case(api)
    alice = logged_in(world.alice)
    sent = offer_form(alice, case, ("voucher", "20"))
    assert alice.post(f"/cases/{case.pk}/offers/", sent).status_code == 302
    back_and_edited = alice.post(f"/cases/{case.pk}/offers/", sent | {"amount_1": "30"})
    assert back_and_edited.status_code == 422
    assert "This form was already sent" in back_and_edited.content.decode()
    assert Offer.objects.filter(case=case).count() == 1
    fresh = re.search(r'name="submit_key" value="([^"]+)"', back_and_edited.content.decode())
    assert fresh is not None and fresh.group(1) != sent["submit_key"]
    deliberate = alice.post(f"/cases/{case.pk}/offers/", sent | {"amount_1": "30", "submit_key": fresh.group(1)})
    assert deliberate.status_code == 302 and Offer.objects.filter(case=case).count() == 2


def test_the_approvers_decision_counts_the_cases_other_offers_against_their_own_limit(
    world: World, api: ApiClient, limits: None
) -> None:
    assert api.put("/authority-limits", {"user": "bob", "per_case": "300"}).status_code == 200
    case = open_case(api)
    alice, bob = ApiClient(world.alice), ApiClient(world.bob)
    alice.post(f"/cases/{case.pk}/offers", {"alternatives": [{"type": "voucher", "amount": "60"}], "reason": "x"})
    big = alice.post(f"/cases/{case.pk}/offers", {"alternatives": [{"type": "refund", "amount": "350"}],
                                                  "reason": "y"}).json()  # fmt: skip
    decided = bob.post(f"/offers/{big['id']}/decision", {"decision": "change", "amount": "250", "comment": "Less"})
    assert (decided.json()["status"], decided.json()["approver_role"]) == ("pending_approval", "admin")  # 310 > 300
    assert case.events.filter(kind="approval_requested").last().data["exceeded"] == ["per_case"]


def test_the_case_page_says_what_the_case_can_already_pay_out(world: World, api: ApiClient, limits: None) -> None:
    case = open_case(api)
    ApiClient(world.alice).post(f"/cases/{case.pk}/offers", {
        "alternatives": [{"type": "voucher", "amount": "50"}, {"type": "refund", "amount": "80"}], "reason": "x"
    })  # fmt: skip
    page = logged_in(world.alice).get(f"/cases/{case.pk}/").content.decode()
    assert "This case can already pay out up to 80.00 EUR" in page
