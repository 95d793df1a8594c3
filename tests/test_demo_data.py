from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone
from playwright.sync_api import expect

from amends.cases.enums import OPEN_STATUSES, CaseStatus, EventKind
from amends.cases.models import Case, CaseEvent
from amends.cases.selectors import case_targets, cases_visible_to
from amends.core.clock import add_business_time
from amends.core.enums import Language
from amends.core.models import Location, Team, User
from amends.customers.models import Customer, Interaction
from amends.intake.models import Feedback

pytestmark = pytest.mark.django_db

COUNTED = (Team, User, Location, Customer, Interaction, Feedback, Case, CaseEvent)


def load_demo() -> str:
    out = StringIO()
    call_command("demo_data", stdout=out)
    return out.getvalue()


@pytest.fixture
def demo_output() -> str:
    return load_demo()


def counts() -> dict[str, int]:
    return {model.__name__: model._default_manager.count() for model in COUNTED}


def test_running_the_command_twice_adds_nothing_the_second_time():
    load_demo()
    after_first_run = counts()
    second_output = load_demo()
    assert counts() == after_first_run
    assert "nothing was added" in second_output


def test_the_demo_has_feedback_in_six_languages_and_cases_in_every_state(demo_output):
    assert Customer.objects.filter(external_id__startswith="demo-cust-").count() == 200
    assert Customer.objects.filter(segment="VIP").exists()
    assert Interaction.objects.filter(attributes__status="delayed").exists()
    for language in Language.values:
        assert Feedback.objects.filter(language=language).exclude(text="").exists(), language
    this_week = Feedback.objects.exclude(source="demo-hist")  # the stories, not the half year of history behind them
    negative_share = this_week.filter(is_negative=True).count() / this_week.count()
    assert 0.3 < negative_share < 0.5
    assert Case.objects.filter(status=CaseStatus.NEW).exists()
    assert Case.objects.filter(status=CaseStatus.ACKNOWLEDGED, owner__isnull=False).exists()
    assert CaseEvent.objects.filter(kind=EventKind.NOTE_ADDED).exists()
    resolved = Case.objects.filter(status=CaseStatus.RESOLVED)
    assert resolved.exists()
    assert not resolved.filter(category="").exists()


def test_open_cases_are_overdue_due_in_minutes_or_due_in_hours(demo_output):
    now = timezone.now()
    open_cases = Case.objects.filter(status__in=OPEN_STATUSES)
    assert open_cases.filter(due_at__lt=now).exists()
    assert open_cases.filter(due_at__gt=now, due_at__lt=now + timedelta(hours=1)).exists()
    assert open_cases.filter(due_at__gt=now + timedelta(hours=2)).exists()


def test_backdated_cases_keep_their_sla_deadlines_and_an_ordered_past_timeline(demo_output):
    now = timezone.now()
    policies = set()
    for case in Case.objects.select_related("sla_policy__calendar").prefetch_related("events"):
        targets = case_targets(case)
        policies.add(case.sla_policy.name if case.sla_policy else None)
        assert case.first_response_due_at == add_business_time(
            targets.calendar, case.created_at, targets.first_response
        )
        assert case.resolution_due_at == add_business_time(targets.calendar, case.created_at, targets.resolution)
        if case.status in OPEN_STATUSES:
            assert case.due_at in (case.first_response_due_at, case.resolution_due_at, case.next_response_due_at)
        else:
            assert case.due_at is None
        times = [event.created_at for event in sorted(case.events.all(), key=lambda event: event.pk)]
        assert times[0] == case.created_at
        assert times == sorted(times)
        assert times[-1] <= now
        if case.resolved_at:
            assert case.first_response_at is not None
            assert case.created_at <= case.first_response_at <= case.resolved_at <= now
    assert {"Standard", "VIP guests"} <= policies  # the demo's policies are in use


def test_the_outsider_sees_no_case_and_the_printed_logins_work(demo_output):
    assert not cases_visible_to(User.objects.get(username="outsider")).exists()
    agent = User.objects.get(username="agent")
    assert cases_visible_to(agent).exists()
    assert not cases_visible_to(agent).exclude(team__slug="benelux").exclude(owner=agent).exists()
    for username in ("agent", "supervisor", "admin", "agent.de", "agent.it", "outsider"):
        assert username in demo_output
        login = RequestFactory().post("/login/")  # login throttling needs the request (its client's address)
        assert authenticate(login, username=username, password="amends-demo") is not None


def test_the_demo_has_something_to_learn(demo_output):
    from .conftest import ApiClient

    admin = ApiClient(User.objects.get(username="admin"))
    charts = {chart["location"]: chart for chart in admin.get("/analytics/control-chart").json()["charts"]}
    storm = charts["rtm-webshop-hub"]["points"][-1]  # the last complete week
    assert "beyond_limits" in storm["signals"] and storm["failures"] > 3 * storm["ucl"] * storm["interactions"] / 2
    paradox = {m["measure"]: m for m in admin.get("/analytics/recovery-paradox").json()["measures"]}
    satisfaction = paradox["satisfaction"]
    assert satisfaction["paradox"] is not None and satisfaction["verdict"] == "paradox"
    assert all(group["n"] > 100 for group in satisfaction["groups"].values())
    servqual = admin.get("/analytics/servqual").json()
    assert servqual["answers"] == 6 * 36 and servqual["largest_gap_dimension"] == "reliability"
    assert Interaction.objects.filter(external_id__startswith="demo-hist-").count() > 6 * 26 * 100
    kpis = admin.get("/analytics/kpis").json()
    assert kpis["silent_unhappy"] > 100 and 0.3 < kpis["proactive_reach"] < 0.6  # about half were reached first
    assert Decimal(kpis["cost_per_case"]) > 0  # history gestures are on the ledger
    outcomes = {row["outcome"]: row for row in admin.get("/analytics/outcomes").json()["outcomes"]}
    money, other, words = (outcomes[o] for o in ("monetary_relief", "non_monetary_relief", "explanation"))
    assert min(money["disputed_known"], other["disputed_known"], words["disputed_known"]) > 50
    assert money["dispute_rate"] < words["dispute_rate"]  # money back settles more customers than words alone


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_paradox_and_servqual_pages_in_a_browser(page, live_server):
    from .conftest import SCREENSHOTS

    load_demo()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "supervisor")
    page.fill("#id_password", "amends-demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/analytics/recovery-paradox/")
    page.wait_for_selector("svg.chart-interval .estimate")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "paradox.png"), full_page=True)
    page.select_option("#id_return_days", "30")  # HTMX swaps the sections in place
    page.wait_for_url("**return_days=30**")
    expect(page.locator("#sections")).to_contain_text("30 ")
    page.click("nav.subnav >> text=SERVQUAL")
    page.wait_for_selector("svg.chart-gaps")
    # The supervisor's places each fall shortest on their own dimension: hotel, store and hub about equally.
    largest = page.locator("p.callout strong").inner_text()
    assert largest in ("Tangibles", "Responsiveness", "Reliability")
    assert page.locator("tr.highlight td").first.inner_text().startswith(largest)
    page.screenshot(path=str(SCREENSHOTS / "servqual.png"), full_page=True)
