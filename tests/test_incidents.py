"""Proactive incidents: a supervisor announces a known problem to the affected customers, each in their language,
with a preview first, updates to the same cohort, and no double send after a worker crash."""

from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command

from amends.cases.models import Case
from amends.compensation.models import AuthorityLimit, CatalogueItem, LedgerEntry
from amends.incidents.models import IncidentCase, IncidentNotice
from amends.incidents.services import notices_claim
from amends.incidents.tasks import incident_send_task

from .conftest import ApiClient, Mailbox, World, negative_survey

pytestmark = pytest.mark.django_db(transaction=True)

MESSAGE = {
    "en": "Your delivery is delayed\nDear {customer_name}, a storm delays deliveries ({incident}).",
    "nl": "Uw levering is vertraagd\nBeste {customer_name}, door een storm zijn leveringen vertraagd.",
    "de": "Ihre Lieferung verzögert sich\nHallo {customer_name}, ein Sturm verzögert die Lieferungen.",
}


@pytest.fixture
def bob(world: World) -> ApiClient:
    return ApiClient(world.bob)


def declare(client: ApiClient, **overrides: Any) -> Any:
    body = {
        "title": "Storm delays deliveries in region North",
        "cohort": {"location": "ams", "from": "2026-11-19T00:00:00Z", "attributes": {"region": "North"}},
        "message": MESSAGE,
    } | overrides
    return client.post("/incidents", body)


def test_a_supervisor_previews_then_announces_each_customer_in_their_language(
    bob: ApiClient, deliveries: None, smtp_server: Mailbox
) -> None:
    created = declare(bob)
    assert created.status_code == 201, created.json()
    incident = created.json()
    assert (incident["status"], incident["members"], incident["updates"]) == ("draft", 0, [])
    preview = bob.get(f"/incidents/{incident['id']}/preview").json()
    assert (preview["count"], preview["without_email"]) == (4, 1)
    assert preview["languages"] == {"nl": 2, "de": 1, "fr": 1}
    assert preview["missing_languages"] == ["fr"]
    assert sorted(c["external_id"] for c in preview["sample"]) == ["c-de", "c-fr", "c-nl", "c-none"]
    assert smtp_server.messages == []  # a preview sends nothing

    sent = bob.post(f"/incidents/{incident['id']}/send", {})
    assert sent.status_code == 202
    progress = sent.json()["updates"][0]["progress"]
    assert (progress["recipients"], progress["queued"], progress["no_address"]) == (4, 3, 1)
    assert bob.post(f"/incidents/{incident['id']}/send", {}).json()["updates"] == sent.json()["updates"]
    call_command("worker", burst=True)
    by_address = {m["To"]: m for m in smtp_server.messages}
    assert sorted(by_address) == ["anna@example.com", "claire@example.com", "jonas@example.com"]
    assert by_address["anna@example.com"]["Subject"] == "Uw levering is vertraagd"
    assert "Beste C-NL," in by_address["anna@example.com"].get_content()
    assert by_address["jonas@example.com"]["Subject"] == "Ihre Lieferung verzögert sich"
    assert by_address["claire@example.com"]["Subject"] == "Your delivery is delayed"  # no French: English
    assert "(Storm delays deliveries in region North)" in by_address["claire@example.com"].get_content()
    done = bob.get(f"/incidents/{incident['id']}").json()
    assert done["status"] == "announced" and done["members"] == 4
    assert done["updates"][0]["progress"] | {"recipients": 0} == {
        "recipients": 0, "queued": 0, "sending": 0, "sent": 3, "failed": 0, "no_address": 1
    }  # fmt: skip

    smtp_server.messages.clear()
    update = bob.post(f"/incidents/{incident['id']}/updates", {"message": {"en": "Resolved\nAll delivered."},
                                                               "resolved": True})  # fmt: skip
    assert update.status_code == 202 and update.json()["kind"] == "resolution"
    call_command("worker", burst=True)
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(by_address)  # the same cohort
    assert bob.get(f"/incidents/{incident['id']}").json()["status"] == "resolved"
    again = bob.post(f"/incidents/{incident['id']}/updates", {"message": {"en": "More"}})
    assert (again.status_code, again.json()["code"]) == (409, "invalid_transition")


def test_a_crashed_worker_never_causes_a_second_message(bob: ApiClient, deliveries: None, smtp_server: Mailbox) -> None:
    incident = declare(bob).json()
    update_id = bob.post(f"/incidents/{incident['id']}/send", {}).json()["updates"][0]["id"]
    crashed = notices_claim(update_id, size=2)  # a worker took two notices, then died before sending them
    assert len(crashed) == 2
    assert incident_send_task.call(update_id) == 1  # the rerun sends the rest
    assert incident_send_task.call(update_id) == 0  # and again nothing
    assert len(smtp_server.messages) == 1
    statuses = sorted(IncidentNotice.objects.values_list("status", flat=True))
    assert statuses == ["no_address", "sending", "sending", "sent"]
    progress = bob.get(f"/incidents/{incident['id']}").json()["updates"][0]["progress"]
    assert (progress["sending"], progress["sent"]) == (2, 1)  # visible, for someone to check by hand


def test_a_customer_of_the_incident_who_complains_is_attached_and_sees_it_on_their_360(
    bob: ApiClient, api: ApiClient, deliveries: None, smtp_server: Mailbox
) -> None:
    incident = declare(bob).json()
    bob.post(f"/incidents/{incident['id']}/send", {})
    call_command("worker", burst=True)
    case_id = api.post("/feedback", negative_survey("c-nl")).json()["case"]["id"]
    other = api.post("/feedback", negative_survey("c-south")).json()["case"]["id"]
    call_command("worker", burst=True)
    assert list(IncidentCase.objects.values_list("case_id", flat=True)) == [case_id]
    assert bob.get(f"/incidents/{incident['id']}").json()["cases"] == [case_id]
    assert Case.objects.get(pk=case_id).events.filter(kind="incident_linked").count() == 1
    assert not Case.objects.get(pk=other).events.filter(kind="incident_linked").exists()
    view = api.get("/customers/c-nl").json()
    assert view["counts"]["incidents"] == 1
    assert any(item["kind"] == "incident" and "Storm" in item["title"] for item in view["timeline"])


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"title": " "}, "missing_field", "title"),
        ({"cohort": {}}, "missing_field", "cohort"),
        ({"cohort": {"location": "nowhere"}}, "unknown_location", "cohort.location"),
        (
            {"cohort": {"location": "ams", "from": "2026-11-20T00:00:00Z", "to": "2026-11-19T00:00:00Z"}},
            "invalid_value",
            "cohort.to",
        ),
        ({"cohort": {"attributes": {"region; drop": "x"}}}, "invalid_value", "cohort.attributes"),
        ({"message": {}}, "missing_field", "message"),
        ({"message": {"xx": "Hello"}}, "invalid_value", "message.xx"),
        ({"message": {"en": "  "}}, "missing_field", "message.en"),
        ({"colour": "red"}, "unknown_field", "colour"),
    ],
)
def test_bad_incidents_are_refused(bob: ApiClient, overrides: dict, code: str, field: str) -> None:
    response = declare(bob, **overrides)
    assert response.status_code == (422 if code == "unknown_field" else 400), response.json()
    assert (response.json()["code"], response.json()["field"]) == (code, field)


def test_only_supervisors_announce(world: World) -> None:
    response = declare(ApiClient(world.alice))
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")


def test_an_incident_can_give_everyone_a_voucher_within_the_announcers_authority(
    bob: ApiClient, deliveries: None, smtp_server: Mailbox
) -> None:
    AuthorityLimit.objects.create(role="supervisor", per_case=Decimal("50"), per_day=Decimal("40"))
    voucher = CatalogueItem.objects.create(name="Storm voucher", type="voucher", default_amount=Decimal("10"),
                                           validity_days=90)  # fmt: skip
    too_big = CatalogueItem.objects.create(name="Big voucher", type="voucher", default_amount=Decimal("60"))
    refused = declare(bob, gesture=too_big.pk)
    assert (refused.status_code, refused.json()["code"], refused.json()["field"]) == (422, "over_limit", "gesture")
    assert declare(bob, gesture=999999).json()["code"] == "not_found"

    message = {"en": "Delayed\nDear {customer_name}, here is {gesture}: {voucher_code}."}
    incident = declare(bob, gesture=voucher.pk, message=message).json()
    assert incident["gesture"] == {"id": voucher.pk, "name": "Storm voucher", "type": "voucher", "amount": "10.00",
                                   "currency": "EUR"}  # fmt: skip
    everyone = {"confirm_total": "40.00", "include_without_email": True}
    assert bob.post(f"/incidents/{incident['id']}/send", everyone).status_code == 202
    assert bob.post(f"/incidents/{incident['id']}/send", {}).status_code == 202  # again: nobody gets a second one
    call_command("worker", burst=True)

    entries = LedgerEntry.objects.filter(incident_id=incident["id"])
    assert entries.count() == 4  # every member, also the one without an email address: the supervisor chose so
    codes = {entry.customer.external_id: entry.voucher_code for entry in entries}
    assert len(set(codes.values())) == 4 and all(len(code) == 11 for code in codes.values())
    anna = next(m for m in smtp_server.messages if m["To"] == "anna@example.com")
    assert f"here is Voucher €10.00: {codes['c-nl']}." in anna.get_content()  # English message, English format
    ledger = bob.get("/ledger", customer="c-nl").json()["items"]
    assert [(e["case"], e["incident"], e["amount"], e["location"]) for e in ledger] == [
        (None, incident["id"], "10.00", "ams")
    ]
    assert bob.get("/customers/c-nl").json()["counts"]["gestures"] == 1


def test_a_cohort_gesture_beyond_the_days_authority_is_refused_when_announcing(
    bob: ApiClient, deliveries: None
) -> None:
    AuthorityLimit.objects.create(role="supervisor", per_case=Decimal("50"), per_day=Decimal("39.99"))
    voucher = CatalogueItem.objects.create(name="Storm voucher", type="voucher", default_amount=Decimal("10"))
    incident = declare(bob, gesture=voucher.pk).json()  # 10 each is within the per-case limit
    everyone = {"confirm_total": "40.00", "include_without_email": True}
    refused = bob.post(f"/incidents/{incident['id']}/send", everyone)  # 4 customers: 40 in a day is not
    assert (refused.status_code, refused.json()["code"]) == (422, "over_limit")
    assert "per_day" in refused.json()["message"]
    assert bob.get(f"/incidents/{incident['id']}").json()["status"] == "draft"
    assert not LedgerEntry.objects.exists()
