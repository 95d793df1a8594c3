"""Making amends: spending authority, offers with alternatives, approvals, the customer's choice, the ledger."""

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from amends.cases.models import Case
from amends.compensation.models import LedgerEntry, Offer
from amends.notifications.models import Notification

from .conftest import ApiClient, Mailbox, World, negative_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(world: World) -> ApiClient:
    return ApiClient(world.alice)


@pytest.fixture
def bob(world: World) -> ApiClient:
    return ApiClient(world.bob)


@pytest.fixture
def limits(api: ApiClient) -> None:
    assert api.put("/authority-limits", {"role": "agent", "per_case": "200", "per_day": "300"}).status_code == 200
    assert api.put("/authority-limits", {"role": "supervisor", "per_case": "2000"}).status_code == 200


def open_case(api: ApiClient, customer: str = "cust-1") -> int:
    return api.post("/feedback", negative_survey(customer)).json()["case"]["id"]


def offer(client: ApiClient, case_id: int, *amounts: str, kind: str = "voucher", **headers: str) -> Any:
    body = {
        "alternatives": [{"type": kind, "amount": amount, "currency": "EUR"} for amount in amounts],
        "reason": "Room not cleaned on arrival",
    }
    return client.post(f"/cases/{case_id}/offers", body, **headers)


def choose(url: str, position: int, client: Client | None = None) -> Any:
    path = url.removeprefix("http://127.0.0.1:8000")
    return (client or Client()).post(path, {"choice": str(position)})


def test_an_offer_within_the_agents_limit_goes_to_the_customer_at_once(alice: ApiClient, api: ApiClient,
                                                                         limits: None) -> None:  # fmt: skip
    case_id = open_case(api)
    body = {
        "alternatives": [
            {"type": "voucher", "amount": "50.00", "currency": "EUR", "description": "For your next stay"},
            {"type": "partial_refund", "amount": "80", "currency": "EUR"},
            {"type": "upgrade", "amount": "0", "currency": "EUR", "description": "A suite next time"},
        ],
        "reason": "Room not cleaned on arrival",
    }
    response = alice.post(f"/cases/{case_id}/offers", body, **{"Idempotency-Key": "o-1"})
    assert response.status_code == 201, response.json()
    made = response.json()
    assert (made["status"], made["offered_by"], made["approved_by"]) == ("offered", "alice", None)
    assert [(a["position"], a["type"], a["amount"]) for a in made["alternatives"]] == [
        (1, "voucher", "50.00"), (2, "partial_refund", "80.00"), (3, "upgrade", "0.00")
    ]  # fmt: skip
    assert made["choice_url"].startswith("http://127.0.0.1:8000/o/")
    assert alice.post(f"/cases/{case_id}/offers", body, **{"Idempotency-Key": "o-1"}).json() == made
    assert Offer.objects.count() == 1
    case = Case.objects.get(pk=case_id)
    assert case.events.filter(kind="offer_made").get().data["status"] == "offered"
    message = case.messages.get()  # the link went to the customer in Dutch, and that was a response
    assert made["choice_url"] in message.body and message.language == "nl" and case.first_response_at is not None


def test_the_customer_chooses_in_their_language_and_the_gesture_goes_on_the_ledger(
    alice: ApiClient, api: ApiClient, limits: None
) -> None:
    case_id = open_case(api)
    made = offer(alice, case_id, "50", "80").json()
    page = Client().get(made["choice_url"].removeprefix("http://127.0.0.1:8000"))
    assert page.status_code == 200
    html = page.content.decode()
    assert '<html lang="nl">' in html and "Waardebon" in html and "csrfmiddlewaretoken" in html
    assert choose(made["choice_url"], 9).status_code == 422  # not an option
    chosen = choose(made["choice_url"], 1)
    assert chosen.status_code == 200
    entry = LedgerEntry.objects.get()
    assert (entry.type, entry.amount, entry.fulfilment, entry.offered_by.username) == (
        "voucher", Decimal("50.00"), "issued", "alice"
    )  # fmt: skip
    assert re.fullmatch(r"[A-Z2-9]{5}-[A-Z2-9]{5}", entry.voucher_code)
    assert entry.voucher_code in chosen.content.decode()
    assert choose(made["choice_url"], 1).status_code == 200  # the same choice again: the same answer
    assert choose(made["choice_url"], 2).status_code == 409  # another choice after it: refused
    assert LedgerEntry.objects.count() == 1
    assert Case.objects.get(pk=case_id).events.get(kind="gesture_chosen").data["ledger_id"] == entry.pk
    assert Notification.objects.filter(recipient__username="alice", kind="gesture_chosen").exists()
    assert api.get(f"/offers/{made['id']}").json()["chosen"] == 1
    profile = alice.get("/customers/cust-1").json()  # the gesture is on the customer's 360
    assert profile["counts"]["gestures"] == 1
    assert [item["title"] for item in profile["timeline"] if item["kind"] == "gesture"] == ["Voucher 50.00 EUR"]


def test_above_the_limit_a_supervisor_of_the_team_approves_and_the_offerer_cannot(
    alice: ApiClient, bob: ApiClient, api: ApiClient, world: World, limits: None
) -> None:
    case_id = open_case(api)
    made = offer(alice, case_id, "120", "450", kind="refund").json()
    assert (made["status"], made["approver_role"], made["choice_url"]) == ("pending_approval", "supervisor", None)
    requested = Case.objects.get(pk=case_id).events.get(kind="approval_requested")
    assert requested.data["exceeded"] == ["per_case", "per_day"]
    assert Notification.objects.filter(recipient=world.bob, kind="approval_requested").exists()
    assert not Case.objects.get(pk=case_id).messages.exists()  # nothing went to the customer yet
    own = alice.post(f"/offers/{made['id']}/decision", {"decision": "approve", "comment": "ok"})
    assert (own.status_code, own.json()["code"]) == (403, "not_approver")
    assert ApiClient(world.charlie).post(f"/offers/{made['id']}/decision",
                                         {"decision": "approve", "comment": "ok"}).status_code == 404  # fmt: skip
    approved = bob.post(f"/offers/{made['id']}/decision", {"decision": "approve", "comment": "Fair for two nights"})
    assert approved.status_code == 200, approved.json()
    assert (approved.json()["status"], approved.json()["approved_by"]) == ("offered", "bob")
    again = bob.post(f"/offers/{made['id']}/decision", {"decision": "approve", "comment": "again"})
    assert (again.status_code, again.json()["code"]) == (409, "offer_closed")
    choose(approved.json()["choice_url"], 2)
    entry = LedgerEntry.objects.get()
    assert (entry.amount, entry.approved_by, entry.fulfilment) == (Decimal("450.00"), world.bob, "to_pay")
    assert Notification.objects.filter(recipient=world.alice, kind="offer_decided").exists()


def test_an_approver_may_lower_the_offer_or_reject_it_with_a_comment(
    alice: ApiClient, bob: ApiClient, api: ApiClient, limits: None
) -> None:
    first = offer(alice, open_case(api, "c-1"), "100", "600").json()
    changed = bob.post(f"/offers/{first['id']}/decision", {"decision": "change", "amount": "250", "comment": "Max"})
    assert [a["amount"] for a in changed.json()["alternatives"]] == ["100.00", "250.00"]
    assert changed.json()["status"] == "offered"
    no_amount = offer(alice, open_case(api, "c-2"), "900").json()
    missing = bob.post(f"/offers/{no_amount['id']}/decision", {"decision": "change", "comment": "Less"})
    assert (missing.status_code, missing.json()["field"]) == (400, "amount")
    rejected = bob.post(f"/offers/{no_amount['id']}/decision", {"decision": "reject", "comment": "Too much"})
    assert rejected.json()["status"] == "rejected" and rejected.json()["choice_url"] is None
    assert bob.post(f"/offers/{no_amount['id']}/decision", {"decision": "reject", "comment": ""}).status_code == 422


def test_a_supervisor_above_their_own_limit_passes_the_offer_to_an_admin(
    alice: ApiClient, bob: ApiClient, api: ApiClient, world: World, limits: None
) -> None:
    made = offer(alice, open_case(api), "5000").json()
    passed = bob.post(f"/offers/{made['id']}/decision", {"decision": "approve", "comment": "Needs the director"})
    assert (passed.json()["status"], passed.json()["approver_role"]) == ("pending_approval", "admin")
    assert Notification.objects.filter(recipient=world.admin, kind="approval_requested").exists()
    final = api.post(f"/offers/{made['id']}/decision", {"decision": "approve", "comment": "Yes"})
    assert final.json()["status"] == "offered" and final.json()["approved_by"] == "admin"


def test_a_personal_limit_replaces_the_role_limit(alice: ApiClient, api: ApiClient, limits: None) -> None:
    assert api.put("/authority-limits", {"user": "alice", "per_case": "20"}).json() == {
        "role": None, "user": "alice", "per_case": "20.00", "per_day": None, "per_month": None, "currency": "EUR"
    }  # fmt: skip
    assert offer(alice, open_case(api), "50").json()["status"] == "pending_approval"


def test_the_day_limit_counts_what_the_person_offered_today_on_every_case(
    alice: ApiClient, api: ApiClient, limits: None
) -> None:
    assert offer(alice, open_case(api, "d-1"), "150").json()["status"] == "offered"
    assert offer(alice, open_case(api, "d-2"), "150").json()["status"] == "offered"
    third = offer(alice, open_case(api, "d-3"), "10").json()
    assert third["status"] == "pending_approval"
    assert Case.objects.get(pk=third["case"]).events.get(kind="approval_requested").data["exceeded"] == ["per_day"]
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert offer(alice, open_case(api, "d-4"), "150").json()["status"] == "offered"


def test_an_apology_needs_no_authority_and_no_limit_means_approval(alice: ApiClient, api: ApiClient) -> None:
    assert offer(alice, open_case(api, "a-1"), "0", kind="apology_only").json()["status"] == "offered"
    assert offer(alice, open_case(api, "a-2"), "1").json()["status"] == "pending_approval"  # no limits set


@pytest.mark.parametrize(
    ("alternatives", "status", "code", "field"),
    [
        ([], 422, "out_of_range", "alternatives"),
        ([{"type": "cash", "amount": "5"}], 422, "invalid_value", "alternatives.0.type"),
        ([{"type": "voucher", "amount": "-5"}], 400, "out_of_range", "alternatives.0.amount"),
        ([{"type": "voucher", "amount": "5.001"}], 400, "out_of_range", "alternatives.0.amount"),
        ([{"type": "apology_only", "amount": "5"}], 400, "invalid_value", "alternatives.0.amount"),
        ([{"type": "voucher", "amount": "5", "currency": "EUR"}, {"type": "refund", "amount": "5", "currency": "GBP"}],
         400, "invalid_value", "alternatives"),
        ([{"type": "voucher", "amount": "5", "colour": "red"}], 422, "unknown_field", "alternatives.0.colour"),
    ],
)  # fmt: skip
def test_a_bad_offer_is_refused_with_a_stable_code_and_its_field(
    alice: ApiClient, api: ApiClient, alternatives: list, status: int, code: str, field: str
) -> None:
    response = alice.post(f"/cases/{open_case(api)}/offers", {"alternatives": alternatives, "reason": "x"})
    assert (response.status_code, response.json()["code"], response.json()["field"]) == (status, code, field)
    assert not Offer.objects.exists()


def test_limits_are_set_by_admins_for_a_role_or_a_person(alice: ApiClient, api: ApiClient) -> None:
    refused = alice.put("/authority-limits", {"role": "agent", "per_case": "1000000"})
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    both = api.put("/authority-limits", {"role": "agent", "user": "alice", "per_case": "1"})
    assert (both.status_code, both.json()["field"]) == (400, "role")
    assert api.put("/authority-limits", {"user": "nobody", "per_case": "1"}).json()["code"] == "unknown_user"
    assert api.put("/authority-limits", {"role": "agent", "per_case": "10", "currency": "eu1"}).status_code == 400
    assert api.put("/authority-limits", {"role": "agent", "per_case": "10"}).status_code == 200
    assert api.put("/authority-limits", {"role": "agent", "per_case": "30"}).json()["per_case"] == "30.00"


def test_the_link_expires_and_a_forged_link_shows_nothing(alice: ApiClient, api: ApiClient, limits: None) -> None:
    made = offer(alice, open_case(api), "50").json()
    assert Client().get("/o/forged-token/").status_code == 404
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        assert choose(made["choice_url"], 1).status_code == 410
    assert not LedgerEntry.objects.exists()


def test_the_ledger_lists_every_gesture_to_those_who_see_the_case_and_exports_csv(
    alice: ApiClient, api: ApiClient, world: World, limits: None
) -> None:
    made = offer(alice, open_case(api), "50", kind="refund").json()
    choose(made["choice_url"], 1)
    page = alice.get("/ledger").json()
    assert [(row["type"], row["amount"], row["offered_by"], row["customer"]) for row in page["items"]] == [
        ("refund", "50.00", "alice", "cust-1")
    ]
    assert page["next_cursor"] is None
    assert ApiClient(world.charlie).get("/ledger").json()["items"] == []
    assert alice.get("/ledger", category="nothing").json()["items"] == []
    csv_text = alice.get("/ledger.csv").content.decode()
    assert csv_text.splitlines()[0].startswith("id,case,customer,offer,type,amount,currency")
    assert ",refund,50.00,EUR," in csv_text.splitlines()[1]


@pytest.mark.django_db(transaction=True)
def test_the_customer_receives_the_link_by_real_email(
    alice: ApiClient, api: ApiClient, smtp_server: Mailbox, settings: Any, limits: None
) -> None:
    if settings.REDIS_URL:
        pytest.skip("this run uses the Redis queue")
    case_id = open_case(api)
    call_command("worker", burst=True)
    smtp_server.messages.clear()
    made = offer(alice, case_id, "50", "80").json()
    call_command("worker", burst=True)
    mails = [m for m in smtp_server.messages if "anna@example.com" in m["To"]]
    assert len(mails) == 1
    text = mails[0].get_content() if not mails[0].is_multipart() else mails[0].get_body().get_content()
    assert made["choice_url"] in text and text.startswith("Beste Anna de Vries")
