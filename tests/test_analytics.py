"""The learning loop's numbers, from the worker's facts: KPIs, Pareto, control charts with their alert, fishbone
and outcomes, with the same filters everywhere and nobody seeing another team's data."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db.models import Sum
from django.test import Client
from playwright.sync_api import expect

from amends.analytics.models import CaseDay, CategoryDay, ChartSignal, LocationOutcomeDay, OutcomeDay
from amends.analytics.services import facts_refresh
from amends.analytics.tasks import analytics_refresh_task
from amends.cases.models import Case
from amends.compensation.models import LedgerEntry
from amends.customers.models import Customer, Interaction
from amends.followups.models import FollowUp
from amends.intake.models import Feedback
from amends.notifications.models import Notification

from .conftest import SCREENSHOTS, ApiClient, World

pytestmark = pytest.mark.django_db

TODAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday
FIRST_WEEK = date(2026, 8, 31)  # 12 complete weeks before TODAY
WEEKS = 12
PERIOD = {"from": "2026-08-31", "to": "2026-11-22"}


def _case(world: World, location: str, day: date, **fields: object) -> Case:
    where = world.ams if location == "ams" else world.ber
    moment = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=10)
    customer, _created = Customer.objects.get_or_create(external_id=f"c-{location}", defaults={"language": "nl"})
    values = {"category": "delivery", "status": "resolved", "resolved_at": moment + timedelta(hours=5),
              "sla_met": True, "contacts": 1} | fields  # fmt: skip
    return Case.objects.create(customer=customer, location=where, team=where.team, created_at=moment,
                               first_response_due_at=moment, resolution_due_at=moment, **values)  # fmt: skip


@pytest.fixture
def history(world: World) -> dict[str, list[Case]]:
    """12 weeks: Amsterdam 200 interactions and 4 or 9 cases a week until the last week's 20; Berlin 100 and 2."""
    customer = Customer.objects.create(external_id="seen", language="en")
    rows: list[Interaction] = []
    cases: dict[str, list[Case]] = {"ams": [], "ber": []}
    for week in range(WEEKS):
        monday = FIRST_WEEK + timedelta(weeks=week)
        for location, seen, failed in (("ams", 200, 20 if week == WEEKS - 1 else (4, 9)[week % 2]), ("ber", 100, 2)):
            where = world.ams if location == "ams" else world.ber
            start = datetime.combine(monday, datetime.min.time(), UTC)
            rows += [
                Interaction(external_id=f"{location}-{week}-{n}", customer=customer, location=where, kind="order",
                            occurred_at=start + timedelta(hours=n % 90))
                for n in range(seen)
            ]  # fmt: skip
            for n in range(failed):
                category = "billing" if n % 4 == 0 else "delivery"
                cases[location].append(_case(world, location, monday + timedelta(days=n % 5), category=category))
    Interaction.objects.bulk_create(rows)
    return cases


@pytest.fixture
def refreshed(history: dict[str, list[Case]]) -> dict[str, list[Case]]:
    with time_machine.travel(TODAY, tick=False):
        facts_refresh()
    return history


def test_kpis_count_failures_per_interaction_and_how_they_were_recovered(
    api: ApiClient, world: World, refreshed: dict[str, list[Case]]
) -> None:
    first = refreshed["ams"][0]
    Case.objects.filter(pk=first.pk).update(sla_met=False, reopens=1, transfers=2)
    LedgerEntry.objects.create(case=first, customer=first.customer, type="refund", amount=Decimal("30"), currency="EUR",
                               location=first.location, offered_by=world.alice, fulfilment="to_pay")  # fmt: skip
    Feedback.objects.create(customer=first.customer, location=first.location, case=first, channel="email",
                            kind="complaint", occurred_at=first.created_at)  # fmt: skip
    for case, verdict in zip(refreshed["ams"][:3], ("satisfied", "unhappy", "satisfied"), strict=True):
        _answered(case, verdict)
    _answered(refreshed["ber"][0], "unhappy")
    with time_machine.travel(TODAY, tick=False):
        facts_refresh()
        kpis = api.get("/analytics/kpis", **PERIOD, location="ams").json()
    cases = len(refreshed["ams"])
    assert (kpis["cases"], kpis["interactions"]) == (cases, 200 * WEEKS)
    assert kpis["failures_per_1000"] == pytest.approx(cases * 1000 / (200 * WEEKS))
    assert kpis["sla_compliance"] == pytest.approx((cases - 1) / cases)
    assert kpis["first_contact_resolution"] == pytest.approx((cases - 1) / cases)  # the transferred one is not
    assert kpis["reopen_rate"] == pytest.approx(1 / cases)
    assert kpis["transfers_per_case"] == pytest.approx(2 / cases)
    assert (kpis["cost"], kpis["cost_per_case"], kpis["currency"]) == ("30.00", f"{Decimal(30) / cases:.2f}", "EUR")
    assert len(kpis["weekly"]) == WEEKS and kpis["weekly"][-1]["cases"] == 20
    assert kpis["refreshed_at"].startswith("2026-11-23T09:00")
    assert (kpis["recovery_rate"], kpis["follow_ups_answered"]) == (pytest.approx(2 / 3), 3)
    email_only = api.get("/analytics/kpis", **PERIOD, location="ams", channel="email").json()
    assert (email_only["cases"], email_only["recovery_rate"], email_only["follow_ups_answered"]) == (1, 1.0, 1)
    everywhere = api.get("/analytics/kpis", **PERIOD).json()
    assert (everywhere["recovery_rate"], everywhere["follow_ups_answered"]) == (0.5, 4)
    before = api.get("/analytics/kpis", **{"from": "2026-06-01", "to": "2026-08-30"}).json()
    assert (before["recovery_rate"], before["follow_ups_answered"]) == (None, 0)  # dated by the resolution


def _answered(case: Case, verdict: str) -> FollowUp:
    resolved = case.resolved_at
    assert resolved is not None
    return FollowUp.objects.create(
        case=case, customer=case.customer, team=case.team, category=case.category, status="answered", language="nl",
        nonce="n", resolved_at=resolved, due_at=resolved + timedelta(days=7), remind_at=resolved + timedelta(days=10),
        closes_at=resolved + timedelta(days=21), answered_at=resolved + timedelta(days=8), verdict=verdict,
    )  # fmt: skip


def test_the_pareto_puts_the_vital_few_first(api: ApiClient, refreshed: dict[str, list[Case]]) -> None:
    with time_machine.travel(TODAY, tick=False):
        pareto = api.get("/analytics/pareto", **PERIOD).json()
    bars = pareto["bars"]
    assert [b["category"] for b in bars] == ["delivery", "billing"]
    total = sum(b["value"] for b in bars)
    assert pareto["total"] == total == len(refreshed["ams"]) + len(refreshed["ber"])
    assert bars[0]["cumulative_share"] == pytest.approx(bars[0]["value"] / total)
    assert bars[-1]["cumulative_share"] == pytest.approx(1.0)
    assert (bars[0]["vital_few"], bars[0]["stage"], bars[0]["family"]) == (True, "delivery", "partners")
    assert api.get("/analytics/pareto", **PERIOD, measure="cost").json()["bars"] == []  # nothing given yet


def test_a_spike_is_flagged_on_the_control_chart_and_alerted_once(
    api: ApiClient, world: World, refreshed: dict[str, list[Case]]
) -> None:
    by_survey = refreshed["ams"][-1]  # a bad score found it: a failure (p), not a complaint (u)
    Feedback.objects.create(customer=by_survey.customer, location=world.ams, case=by_survey, channel="survey",
                            kind="survey", occurred_at=by_survey.created_at)  # fmt: skip
    with time_machine.travel(TODAY, tick=False):
        facts_refresh()
        charts = api.get("/analytics/control-chart", **PERIOD).json()["charts"]
        assert [c["location"] for c in charts] == ["ams", "ber"]  # signals first
        ams, ber = charts
        assert ams["signal_weeks"] == ["2026-11-16"] and ber["signal_weeks"] == []
        last = ams["points"][-1]
        assert (last["failures"], last["interactions"], last["signals"]) == (20, 200, ["beyond_limits"])
        assert last["value"] == pytest.approx(0.1) and last["value"] > last["ucl"]
        assert ams["centre"] == pytest.approx(len(refreshed["ams"]) / (200 * WEEKS))
        u = api.get("/analytics/control-chart", **PERIOD, chart="u").json()
        assert u["unit"] == "per_1000" and u["charts"][0]["points"][-1]["value"] == pytest.approx(95.0)
        laney = api.get("/analytics/control-chart", **PERIOD, laney="true").json()
        wide = {c["location"]: c for c in laney["charts"]}["ams"]
        assert laney["laney"] is True and wide["centre"] == ams["centre"]
        assert wide["points"][-1]["ucl"] > last["ucl"]  # 4, 9, 4, 9 cases a week vary more than binomially

        assert analytics_refresh_task.call() == 1
        assert analytics_refresh_task.call() == 0  # the same week is alerted once
    alert = Notification.objects.get(recipient=world.admin, kind="control_signal")
    assert alert.subject == "Failures at Hotel Amsterdam are out of control since week 47"
    assert Notification.objects.filter(recipient=world.bob, kind="control_signal").exists()  # its supervisor
    assert ChartSignal.objects.get().signals == ["beyond_limits"]


def test_the_fishbone_groups_categories_by_cause_family(api: ApiClient, refreshed: dict[str, list[Case]]) -> None:
    with time_machine.travel(TODAY, tick=False):
        bones = {b["family"]: b for b in api.get("/analytics/fishbone", **PERIOD).json()["bones"]}
    assert set(bones) == {"people", "process", "product", "place", "policy", "partners", "unmapped"}
    billing = sum(1 for cases in refreshed.values() for c in cases if c.category == "billing")
    assert bones["process"]["categories"] == [{"category": "billing", "cases": billing}]
    assert bones["partners"]["cases"] == sum(len(c) for c in refreshed.values()) - billing
    assert bones["people"] == {"family": "people", "cases": 0, "categories": []}


def test_outcomes_give_the_dispute_rate_per_kind_of_relief(
    api: ApiClient, world: World, history: dict[str, list[Case]]
) -> None:
    for n, case in enumerate(history["ams"][:10]):
        Case.objects.filter(pk=case.pk).update(outcome="monetary_relief", outcome_disputed=n < 2)
    for n, case in enumerate(history["ams"][10:20]):
        Case.objects.filter(pk=case.pk).update(outcome="explanation", outcome_disputed=n < 5)
    with time_machine.travel(TODAY, tick=False):
        facts_refresh()
        rows = {o["outcome"]: o for o in api.get("/analytics/outcomes", **PERIOD, location="ams").json()["outcomes"]}
    assert (rows["monetary_relief"]["dispute_rate"], rows["explanation"]["dispute_rate"]) == (0.2, 0.5)
    low, high = rows["explanation"]["ci_low"], rows["explanation"]["ci_high"]
    assert low == pytest.approx(0.2366, abs=1e-4) and high == pytest.approx(0.7634, abs=1e-4)  # Wilson, n=10
    assert rows["explanation"]["cases"] == len(history["ams"]) - 10  # resolved without a gesture: an explanation
    Feedback.objects.create(customer=history["ams"][0].customer, location=world.ams, case=history["ams"][0],
                            channel="email", kind="complaint", occurred_at=history["ams"][0].created_at)  # fmt: skip
    with time_machine.travel(TODAY, tick=False):
        facts_refresh()
        by_email = api.get("/analytics/outcomes", **PERIOD, location="ams", channel="email").json()["outcomes"]
        delivery = api.get("/analytics/outcomes", **PERIOD, location="ams", category="delivery").json()["outcomes"]
        everything = api.get("/analytics/outcomes", **PERIOD, location="ams").json()["outcomes"]
    assert [(o["outcome"], o["cases"], o["disputed"]) for o in by_email] == [("monetary_relief", 1, 1)]
    delivered = sum(1 for case in history["ams"] if case.category == "delivery")
    assert sum(o["cases"] for o in delivery) == delivered < sum(o["cases"] for o in everything)


def test_the_coarser_facts_add_up_to_the_finer_ones(refreshed: dict[str, list[Case]]) -> None:
    """The Pareto and the outcomes read tables summed over channels (and categories) when no filter needs them."""
    first = refreshed["ams"][5]
    twin = next(c for c in refreshed["ams"][6:] if (c.created_at, c.category) == (first.created_at, first.category))
    for case, channel in ((first, "web"), (twin, "email")):  # the same day and category through two channels
        Feedback.objects.create(customer=case.customer, location=case.location, case=case, channel=channel,
                                kind="complaint", occurred_at=case.created_at)  # fmt: skip
    with time_machine.travel(TODAY, tick=False):
        facts_refresh()

    def totals(model: Any, *keys: str) -> dict:
        rows = model.objects.values_list(*keys).annotate(n=Sum("cases")).order_by()
        return {tuple(row[:-1]): row[-1] for row in rows}

    assert CaseDay.objects.values("channel").distinct().count() == 3  # web, email, and none
    assert totals(CategoryDay, "day", "location", "category") == totals(CaseDay, "day", "location", "category")
    assert totals(LocationOutcomeDay, "day", "location", "outcome") == totals(OutcomeDay, "day", "location", "outcome")
    assert CategoryDay.objects.count() < CaseDay.objects.count()


def test_nobody_sees_another_teams_numbers(world: World, refreshed: dict[str, list[Case]]) -> None:
    with time_machine.travel(TODAY, tick=False):
        alice = ApiClient(world.alice).get("/analytics/kpis", **PERIOD).json()  # Amsterdam only
        charlie = ApiClient(world.charlie).get("/analytics/kpis", **PERIOD).json()  # a team without locations
        ber_for_alice = ApiClient(world.alice).get("/analytics/control-chart", **PERIOD, location="ber").json()
    assert (alice["cases"], alice["interactions"]) == (len(refreshed["ams"]), 200 * WEEKS)
    assert (charlie["cases"], charlie["interactions"], charlie["failures_per_1000"]) == (0, 0, None)
    assert ber_for_alice["charts"] == []


@pytest.mark.parametrize(
    ("params", "status", "code", "field"),
    [
        ({"from": "2026-11-22", "to": "2026-11-01"}, 400, "invalid_value", "from"),
        ({"from": "2020-01-01", "to": "2026-11-01"}, 400, "out_of_range", "from"),
        ({"chart": "x"}, 422, "invalid_value", "chart"),
    ],
)
def test_bad_filters_are_refused(api: ApiClient, params: dict, status: int, code: str, field: str) -> None:
    response = api.get("/analytics/control-chart", **params)
    assert response.status_code == status, response.json()
    assert (response.json()["code"], response.json()["field"]) == (code, field)


def test_the_dashboard_draws_the_charts_and_exports_every_table(world: World, refreshed: dict[str, list[Case]]) -> None:
    client = Client()
    world.admin.language = "en"
    world.admin.save(update_fields=["language"])
    client.force_login(world.admin)
    with time_machine.travel(TODAY, tick=False):
        page = client.get("/analytics/", {"since": "2026-08-31", "until": "2026-11-22"})
        text = page.content.decode()
        assert page.status_code == 200
        assert text.count("<svg") >= 3  # Pareto, fishbone, a control chart per location
        assert "Hotel Amsterdam: 1 week out of control." in text
        partial = client.get("/analytics/", {"location": "ber"}, headers={"HX-Request": "true"}).content.decode()
        assert "<html" not in partial and "out of control" not in partial
        bad = client.get("/analytics/", {"since": "2026-11-22", "until": "2026-11-01"}).content.decode()
        assert "The start must be before the end." in bad
        exported = client.get("/analytics/export/pareto.csv", {"since": "2026-08-31", "until": "2026-11-22"})
        weekly = client.get("/analytics/export/weekly.csv", {"since": "2026-08-31", "until": "2026-11-22"})
    lines = exported.content.decode().splitlines()
    assert lines[0] == "category,stage,family,cases,share,cumulative_share,vital_few"
    assert lines[1].startswith("delivery,delivery,partners,")
    assert len(weekly.content.decode().splitlines()) == WEEKS + 1
    assert client.get("/analytics/export/secrets.csv").status_code == 404
    assert Client().get("/analytics/").status_code == 302  # log in first


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_dashboard_in_a_browser(page: Any, live_server: Any, world: World, refreshed: dict) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "admin-pass-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/analytics/?since=2026-08-31&until=2026-11-22")
    page.wait_for_selector("svg.chart-control")
    assert page.locator("svg.chart-control .point.signal").count() >= 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "analytics.png"), full_page=True)
    page.select_option("#id_location", "ber")  # HTMX swaps the sections in place
    # (a locator assertion: a predicate written as a string would be eval, which the page's CSP forbids)
    expect(page.locator("#sections")).not_to_contain_text("out of control")
    assert "location=ber" in page.url
