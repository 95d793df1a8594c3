"""In a real browser, on a desktop and on a phone: the approver sees everything a case can pay out, and an
incident's gesture names its total and asks for a confirmation before anything is sent."""

from decimal import Decimal
from typing import Any

import pytest

from amends.compensation.models import AuthorityLimit, CatalogueItem, LedgerEntry
from amends.core.models import User
from amends.incidents.models import Incident

from .conftest import SCREENSHOTS, ApiClient, World, negative_survey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Any, live_server: Any, user: User, password: str, language: str) -> None:
    user.language = language
    user.save(update_fields=["language"])
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def press(page: Any, device: str, selector: str) -> None:
    """A click; on the phone the click event itself, because the staff header is wider than a phone and the
    emulated touch then lands on another element (the phone layout of staff pages is its own issue)."""
    if device == "desktop":
        page.click(selector)
    else:
        page.locator(selector).dispatch_event("click")


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_approver_sees_the_cases_other_offers_and_what_it_can_pay_out(
    device: str, page: Any, phone_page: Any, live_server: Any, world: World
) -> None:
    api, alice = ApiClient(world.admin), ApiClient(world.alice)
    AuthorityLimit.objects.create(role="agent", per_case=Decimal("200"))
    AuthorityLimit.objects.create(role="supervisor", per_case=Decimal("2000"))
    case = api.post("/feedback", negative_survey()).json()["case"]["id"]
    alternatives = [{"type": "voucher", "amount": "50"}, {"type": "partial_refund", "amount": "60"}]
    alice.post(f"/cases/{case}/offers", {"alternatives": alternatives, "reason": "Room not cleaned"})
    refund = alice.post(f"/cases/{case}/offers", {"alternatives": [{"type": "refund", "amount": "350"}],
                                                  "reason": "Second night ruined too"}).json()  # fmt: skip

    browser = page if device == "desktop" else phone_page
    log_in(browser, live_server, world.bob, "bob-pass-123", "en" if device == "desktop" else "de")
    browser.goto(f"{live_server.url}/approvals/")
    card = browser.locator(f"#offer-{refund['id']} .payout")
    text = card.inner_text()
    assert "410" in text and "60" in text  # the other live offer, and everything the case can pay out
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.screenshot(path=str(SCREENSHOTS / f"money-approvals-{device}.png"), full_page=True)


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_an_incident_gesture_names_its_total_and_is_confirmed_before_it_is_sent(
    device: str, page: Any, phone_page: Any, live_server: Any, world: World, deliveries: None
) -> None:
    AuthorityLimit.objects.create(role="supervisor", per_case=Decimal("50"), per_day=Decimal("5000"))
    voucher = CatalogueItem.objects.create(name="Voucher 25", type="voucher", default_amount=Decimal("25"))
    ApiClient(world.bob).post("/incidents", {
        "title": "Lift out of order at Canal House", "cohort": {"location": "ams", "attributes": {"region": "North"}},
        "message": {"en": "We are sorry\nDear {customer_name}, please accept {gesture}: {voucher_code}.",
                    "nl": "Excuses\nBeste {customer_name}, graag bieden wij u aan: {gesture}, code {voucher_code}."},
        "gesture": voucher.pk,
    })  # fmt: skip
    incident = Incident.objects.get()

    browser = page if device == "desktop" else phone_page
    log_in(browser, live_server, world.bob, "bob-pass-123", "en" if device == "desktop" else "de")
    browser.goto(f"{live_server.url}/incidents/{incident.pk}/")
    assert "Waardebon € 25,00" in browser.inner_text(".message-sample")  # as the Dutch customer reads it
    browser.screenshot(path=str(SCREENSHOTS / f"money-incident-preview-{device}.png"), full_page=True)

    press(browser, device, "#id_include_without_email")
    press(browser, device, "#preview form button[type=submit]")
    browser.wait_for_selector("#confirm")
    assert ("100.00" if device == "desktop" else "100,00") in browser.inner_text("#confirm")  # 4 x 25
    browser.screenshot(path=str(SCREENSHOTS / f"money-incident-confirm-{device}.png"), full_page=True)
    press(browser, device, "#confirm button[type=submit]")  # the box is not ticked: the browser keeps the form
    assert browser.evaluate("document.querySelector('#id_confirmed').validity.valueMissing")
    assert not LedgerEntry.objects.exists()
    press(browser, device, "#id_confirmed")
    press(browser, device, "#confirm button[type=submit]")
    browser.wait_for_selector("#incident-progress")
    assert LedgerEntry.objects.filter(incident=incident).count() == 4
