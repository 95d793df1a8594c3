"""An incident's gesture says what it costs before it is sent: the preview shows count x amount = total and who
cannot be told, sending needs the total confirmed, customers without an address get nothing unless the supervisor
chooses so, and {gesture} reads in the customer's language and number format."""

from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from amends.compensation import limits
from amends.compensation.models import AuthorityLimit, CatalogueItem, LedgerEntry
from amends.compensation.selectors import authority_of
from amends.core.demo import _ensure_amends
from amends.incidents.models import Incident

from .conftest import ApiClient, Mailbox, World

pytestmark = pytest.mark.django_db(transaction=True)

MESSAGE = {
    "en": "Delayed\nDear {customer_name}, here is {gesture}: {voucher_code}.",
    "nl": "Vertraagd\nBeste {customer_name}, hier is {gesture}: {voucher_code}.",
    "de": "Verspätet\nHallo {customer_name}, hier ist {gesture}: {voucher_code}.",
}


@pytest.fixture
def bob(world: World) -> ApiClient:
    return ApiClient(world.bob)


@pytest.fixture
def voucher(world: World) -> CatalogueItem:
    AuthorityLimit.objects.create(role="supervisor", per_case=Decimal("50"), per_day=Decimal("1000"))
    return CatalogueItem.objects.create(name="Storm voucher", type="voucher", default_amount=Decimal("12.50"))


def declare(client: ApiClient, gesture: CatalogueItem | None, **overrides: Any) -> dict:
    body = {
        "title": "Storm delays deliveries in region North",
        "cohort": {"location": "ams", "attributes": {"region": "North"}},
        "message": MESSAGE,
        "gesture": gesture.pk if gesture else None,
    } | overrides
    created = client.post("/incidents", body)
    assert created.status_code == 201, created.json()
    return created.json()


def test_the_preview_shows_what_the_gesture_costs_and_who_cannot_be_told(
    bob: ApiClient, deliveries: None, voucher: CatalogueItem
) -> None:
    incident = declare(bob, voucher)
    preview = bob.get(f"/incidents/{incident['id']}/preview").json()
    assert (preview["count"], preview["without_email"]) == (4, 1)
    assert preview["cost"] == {
        "amount": "12.50", "currency": "EUR",
        "with_email": {"recipients": 3, "total": "37.50"}, "everyone": {"recipients": 4, "total": "50.00"},
    }  # fmt: skip
    assert {c["external_id"] for c in preview["sample"] if not c["has_email"]} == {"c-none"}
    sample = preview["sample_message"]
    assert (sample["customer"], sample["language"], sample["subject"]) == ("c-nl", "nl", "Vertraagd")
    assert sample["body"] == "Beste C-NL, hier is Waardebon € 12,50: XXXXX-XXXXX."
    assert declare(bob, None)["gesture"] is None
    assert bob.get(f"/incidents/{declare(bob, None)['id']}/preview").json()["cost"] is None


def test_sending_a_gesture_needs_the_total_confirmed(bob: ApiClient, deliveries: None, voucher: CatalogueItem) -> None:
    incident = declare(bob, voucher)
    unconfirmed = bob.post(f"/incidents/{incident['id']}/send", {})
    assert (unconfirmed.status_code, unconfirmed.json()["code"], unconfirmed.json()["field"]) == (
        422, "confirmation_required", "confirm_total"
    )  # fmt: skip
    assert "3 × €12.50 = €37.50" in unconfirmed.json()["message"]  # noqa: RUF001
    wrong = bob.post(f"/incidents/{incident['id']}/send", {"confirm_total": "50.00"})  # everyone's total
    assert (wrong.status_code, wrong.json()["code"]) == (422, "confirmation_required")
    assert bob.get(f"/incidents/{incident['id']}").json()["status"] == "draft"
    assert not LedgerEntry.objects.exists()

    sent = bob.post(f"/incidents/{incident['id']}/send", {"confirm_total": "37.50"})
    assert sent.status_code == 202 and sent.json()["members"] == 4  # everyone is told who can be told
    given = sorted(LedgerEntry.objects.values_list("customer__external_id", flat=True))
    assert given == ["c-de", "c-fr", "c-nl"]  # no voucher for the customer nobody can tell
    assert bob.post(f"/incidents/{incident['id']}/send", {}).status_code == 202  # sending again changes nothing


def test_the_supervisor_may_choose_to_give_everyone_the_gesture(
    bob: ApiClient, deliveries: None, voucher: CatalogueItem
) -> None:
    incident = declare(bob, voucher)
    sent = bob.post(f"/incidents/{incident['id']}/send", {"include_without_email": True, "confirm_total": "50"})
    assert sent.status_code == 202, sent.json()
    assert LedgerEntry.objects.count() == 4


def test_an_incident_without_a_gesture_sends_as_before(bob: ApiClient, deliveries: None) -> None:
    incident = declare(bob, None)
    empty = bob.client.post(f"/api/v1/incidents/{incident['id']}/send", b"", content_type="application/json")
    assert empty.status_code == 202  # no body at all, as `curl -X POST` sends it


def test_the_gesture_reads_in_the_customers_language_and_number_format(
    bob: ApiClient, deliveries: None, voucher: CatalogueItem, smtp_server: Mailbox
) -> None:
    incident = declare(bob, voucher)
    assert bob.post(f"/incidents/{incident['id']}/send", {"confirm_total": "37.50"}).status_code == 202
    call_command("worker", burst=True)
    codes = dict(LedgerEntry.objects.values_list("customer__external_id", "voucher_code"))
    text = {m["To"]: m.get_content() for m in smtp_server.messages}
    assert f"hier is Waardebon € 12,50: {codes['c-nl']}." in text["anna@example.com"]
    assert f"hier ist Gutschein 12,50 €: {codes['c-de']}." in text["jonas@example.com"]
    assert f"here is Voucher €12.50: {codes['c-fr']}." in text["claire@example.com"]  # no French message: English


def test_the_demo_supervisors_have_day_and_month_limits_that_a_large_cohort_passes(world: World) -> None:
    _ensure_amends({})
    supervisor = authority_of(world.bob)
    assert supervisor is not None and supervisor.per_day is not None and supervisor.per_month is not None
    cohort = limits.check_cohort(Decimal("25"), 751, "EUR", supervisor, limits.Spent())  # the walk's incident
    assert limits.Exceeded.PER_DAY in cohort.exceeded


def test_on_the_page_the_supervisor_sees_the_cost_and_confirms_the_total(
    world: World, deliveries: None, voucher: CatalogueItem
) -> None:
    world.bob.language = "en"
    world.bob.save(update_fields=["language"])
    bob = Client()
    bob.force_login(world.bob)
    form = {"title": "Storm", "location": "ams", "attributes": "region = North", "gesture": str(voucher.pk),
            "message_en": MESSAGE["en"], "message_nl": MESSAGE["nl"]}  # fmt: skip
    assert bob.post("/incidents/declare/", form).status_code == 302
    incident = Incident.objects.get()
    preview = bob.get(f"/incidents/{incident.pk}/").content.decode()
    assert "Storm voucher for the 3 customers we can tell: 3 × €12.50 = €37.50." in preview  # noqa: RUF001
    assert "Also give it to the customer we cannot tell (no email address): 4 × €12.50 = €50.00." in preview  # noqa: RUF001
    assert "Beste C-NL, hier is Waardebon € 12,50: XXXXX-XXXXX." in preview  # the message as Anna reads it
    assert "{gesture}" not in preview.split("As C-NL reads it")[1]

    send = f"/incidents/{incident.pk}/send/"
    step = bob.post(send, {})
    assert step.status_code == 200 and "I confirm giving gestures worth €37.50 in total." in step.content.decode()
    assert 'name="confirm_total" value="37.50"' in step.content.decode()
    assert "The customer without an email address gets no gesture." in step.content.decode()
    unticked = bob.post(send, {"confirm_total": "37.50"})
    assert unticked.status_code == 422 and "Tick the box to confirm the total." in unticked.content.decode()
    assert not LedgerEntry.objects.exists() and Incident.objects.get().status == "draft"

    everyone = bob.post(send, {"include_without_email": "on"})
    assert "I confirm giving gestures worth €50.00 in total." in everyone.content.decode()
    stale = bob.post(send, {"include_without_email": "on", "confirm_total": "37.50", "confirmed": "on"})
    assert stale.status_code == 422 and "not what you confirmed" in stale.content.decode()
    sent = bob.post(send, {"include_without_email": "on", "confirm_total": "50.00", "confirmed": "on"})
    assert sent.status_code == 302
    assert LedgerEntry.objects.filter(incident=incident).count() == 4
