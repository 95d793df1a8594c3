"""Issue 5's "done when", on the demo data in a real browser: an agent offers 250 (above their 200), a supervisor
approves, the customer picks the voucher of two alternatives through the link, the case resolves, the follow-up
arrives 7 days later and an unhappy answer reopens the case; then a supervisor announces a delivery delay in a
region to the affected customers, each in their own language."""

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.management import call_command

from amends.cases.enums import OPEN_STATUSES
from amends.cases.models import Case
from amends.compensation.models import LedgerEntry, Offer
from amends.compensation.services import choice_url
from amends.core.demo import DEMO_PASSWORD
from amends.customers.models import Customer
from amends.followups.models import FollowUp
from amends.followups.tasks import follow_up_sweep_task
from amends.incidents.models import IncidentNotice

from .conftest import SCREENSHOTS, Mailbox

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUBJECTS = {  # the first line of each language's message is its subject
    "en": "Your delivery is delayed",
    "nl": "Uw levering is vertraagd",
    "de": "Ihre Lieferung verzögert sich",
    "it": "La sua consegna è in ritardo",
    "fr": "Votre livraison est retardée",
    "es": "Su entrega se retrasa",
}


def new_page(chromium: Any) -> Any:
    return chromium.new_context(locale="en-GB", viewport={"width": 1280, "height": 900}).new_page()


def log_in(page: Any, url: str, username: str) -> None:
    page.goto(f"{url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")


def test_make_amends_follow_up_and_warn_on_the_demo(
    chromium: Any, live_server: Any, smtp_server: Mailbox, settings: Any
) -> None:
    settings.AMENDS_BASE_URL = live_server.url
    call_command("demo_data", stdout=open("/dev/null", "w"))  # noqa: SIM115
    url = live_server.url
    case = (
        Case.objects.filter(team__slug="benelux", owner__username="agent", status__in=OPEN_STATUSES)
        .exclude(customer__email="").order_by("pk").first()
    )  # fmt: skip
    assert case is not None

    agent = new_page(chromium)
    log_in(agent, url, "agent")
    agent.goto(f"{url}/cases/{case.pk}/")
    agent.select_option("#offer_type_1", "voucher")
    agent.fill("#offer_amount_1", "250")
    agent.select_option("#offer_type_2", "partial_refund")
    agent.fill("#offer_amount_2", "250")
    agent.fill("#offer_reason", "Second failed delivery this month; the customer lost a day off.")
    agent.click("text=Make the offer")
    if agent.locator("#offer_confirm_outlier").count():  # more than similar cases got: confirm it
        agent.check("#offer_confirm_outlier")
        agent.click("text=Make the offer")
    agent.wait_for_load_state()
    offer = Offer.objects.get(case=case)
    assert offer.status == "pending_approval"  # above the agent's 200 per case

    supervisor = new_page(chromium)
    log_in(supervisor, url, "supervisor")
    supervisor.goto(f"{url}/approvals/")
    card = supervisor.locator(f"#offer-{offer.pk}")
    card.locator("input[value=approve]").check()
    card.locator("textarea").fill("Fair for a second failure.")
    card.locator("button[type=submit]").click()
    supervisor.wait_for_selector("text=Decision recorded")
    offer.refresh_from_db()
    assert (offer.status, offer.approved_by.username) == ("offered", "supervisor")

    customer = new_page(chromium)
    customer.goto(choice_url(offer))
    customer.locator("input[name=choice][value='1']").check()  # the voucher, of the two
    customer.locator("button[type=submit]").click()
    customer.wait_for_load_state()
    entry = LedgerEntry.objects.get(offer=offer)
    assert (entry.type, str(entry.amount), entry.approved_by.username) == ("voucher", "250.00", "supervisor")
    assert re.fullmatch(r"[A-Z2-9]{5}-[A-Z2-9]{5}", entry.voucher_code)
    assert entry.voucher_code in customer.inner_text("main")

    agent.goto(f"{url}/cases/{case.pk}/")
    while agent.locator("button.check[aria-pressed=false]").count():  # the playbook's steps, ticked one by one
        agent.locator("button.check[aria-pressed=false]").first.click()
        agent.wait_for_load_state()
    agent.select_option("#id_category", "delivery")
    agent.fill("#id_resolution", "Voucher of 250 chosen by the customer; carrier changed.")
    agent.click("text=Resolve case")
    agent.wait_for_selector("text=Case resolved.")
    resolved_at = Case.objects.get(pk=case.pk).resolved_at
    assert resolved_at is not None

    with time_machine.travel(resolved_at + timedelta(days=7, minutes=1), tick=True):
        follow_up_sweep_task.call()
        survey = smtp_server.messages[-1]
        assert survey["To"] == case.customer.email
        link = re.search(r"(/f/[^\s]+)", survey.get_content())
        assert link is not None
        customer.goto(f"{url}{link.group(1)}")
        customer.locator("input[name=handling][value='1']").check()
        customer.locator("input[name=fair_outcome][value='2']").check()
        customer.fill("textarea[name=comment]", "The voucher came, the parcel never did.")
        customer.locator("button[type=submit]").click()
        customer.wait_for_load_state()
    case.refresh_from_db()
    assert (case.status, case.reopens) == ("in_progress", 1)  # the unhappy answer reopened it
    assert FollowUp.objects.get(case=case).verdict == "unhappy"

    smtp_server.messages.clear()
    supervisor.goto(f"{url}/incidents/")
    supervisor.fill("#id_title", "Storm delays deliveries in region North")
    supervisor.select_option("#id_location", "rtm-webshop-hub")
    supervisor.fill("#id_attributes", "region = North")
    for language, subject in SUBJECTS.items():
        supervisor.fill(f"#id_message_{language}", f"{subject}\n{{customer_name}}: {{incident}}.")
    supervisor.click("text=Save and preview")
    supervisor.wait_for_selector("#preview")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    supervisor.screenshot(path=str(SCREENSHOTS / "incident-preview.png"), full_page=True)
    supervisor.locator("#preview button[type=submit]").click()
    supervisor.wait_for_selector("text=Sending to")
    incident_page = supervisor.url
    supervisor.goto("about:blank")  # stop the progress polling: SQLite's in-memory test database locks per table
    call_command("worker", burst=True)
    supervisor.goto(incident_page)
    supervisor.wait_for_selector("#incident-progress")
    supervisor.screenshot(path=str(SCREENSHOTS / "incident-sent.png"), full_page=True)

    reached = Customer.objects.filter(incidents__isnull=False).exclude(email="")
    assert reached.count() >= 2
    assert len({c.language for c in reached}) >= 2  # several languages in the region
    expected = {c.email: SUBJECTS[c.language or "en"] for c in reached}  # each in their own language
    subjects = {m["To"]: m["Subject"] for m in smtp_server.messages if m["To"] in expected}  # not the staff alerts
    assert subjects == expected
    assert IncidentNotice.objects.filter(status="sent").count() == reached.count()
