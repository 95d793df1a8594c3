"""The service recovery paradox measured on the business's own customers: three groups from survey answers and
follow-ups, the effect as Hedges' g with its interval, actual return from interactions, and the benchmark."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client

from amends.analytics.services import facts_refresh
from amends.analytics.stats import hedges_g
from amends.cases.models import Case
from amends.core.models import Location
from amends.customers.models import Customer, Interaction
from amends.followups.models import FollowUp
from amends.intake.models import Feedback

from .conftest import ApiClient, World

pytestmark = pytest.mark.django_db

TODAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PERIOD = {"from": "2026-08-01", "to": "2026-11-22"}
START = datetime(2026, 9, 1, 10, 0, tzinfo=UTC)  # every answer is older than 30 days by TODAY

# (satisfaction 1-5, recommend 0-10, repurchase 1-5) per group, cycled over its customers.
NEVER_FAILED = [(3, 7, 3), (4, 8, 4), (4, 7, 4), (3, 8, 3)]
RECOVERED = [(5, 9, 3), (4, 10, 4), (5, 9, 4), (4, 9, 3)]
NOT_RECOVERED = [(1, 2, 1), (2, 3, 2)]


def _customer(name: str) -> Customer:
    return Customer.objects.create(external_id=name, language="nl")


def _visit(customer: Customer, where: Location, at: datetime) -> None:
    Interaction.objects.create(external_id=f"{customer.external_id}-{at:%m%d}", customer=customer, location=where,
                               kind="stay", occurred_at=at)  # fmt: skip


def _survey(world: World, n: int, scores: tuple[int, int, int], returns: bool) -> None:
    customer = _customer(f"fine-{n}")
    answered = START + timedelta(days=n % 20)
    csat, nps, repurchase = scores
    Feedback.objects.create(customer=customer, location=world.ams, channel="survey", kind="survey", csat=csat, nps=nps,
                            repurchase=repurchase, occurred_at=answered)  # fmt: skip
    if returns:
        _visit(customer, world.ams, answered + timedelta(days=10))


def _followed_up(world: World, name: str, category: str, severity: str, answers: list[tuple[str, tuple]]) -> Case:
    customer = _customer(name)
    opened = START + timedelta(days=len(name) % 7)
    case = Case.objects.create(customer=customer, location=world.ams, team=world.amsterdam, status="resolved",
                               category=category, severity=severity, created_at=opened,
                               resolved_at=opened + timedelta(hours=6), first_response_due_at=opened,
                               resolution_due_at=opened)  # fmt: skip
    for n, (verdict, (overall, nps, repurchase)) in enumerate(answers):
        due = opened + timedelta(days=7 + n)
        FollowUp.objects.create(case=case, customer=customer, team=world.amsterdam, category=category, language="nl",
                                status="answered", nonce=f"{name}-{n}", resolved_at=case.resolved_at, due_at=due,
                                remind_at=due, closes_at=due + timedelta(days=14), answered_at=due + timedelta(hours=1),
                                verdict=verdict, overall=overall, nps=nps, repurchase=repurchase)  # fmt: skip
    return case


@pytest.fixture
def answers(world: World) -> dict[str, list[tuple[int, int, int]]]:
    """40 never failed (half come back), 24 recovered (all come back, 8 of them after a billing failure), 10 not
    recovered (none come back); one case answered unhappy first, satisfied after it was reopened and fixed."""
    groups: dict[str, list[tuple[int, int, int]]] = {"never_failed": [], "recovered": [], "not_recovered": []}
    for n in range(40):
        scores = NEVER_FAILED[n % len(NEVER_FAILED)]
        _survey(world, n, scores, returns=n % 2 == 0)
        groups["never_failed"].append(scores)
    for n in range(24):
        scores = RECOVERED[n % len(RECOVERED)]
        category, severity = ("billing", "high") if n < 8 else ("delivery", "medium")
        case = _followed_up(world, f"saved-{n}", category, severity, [("satisfied", scores)])
        assert case.resolved_at is not None
        _visit(case.customer, world.ams, case.resolved_at + timedelta(days=20))
        groups["recovered"].append(scores)
    for n in range(10):
        scores = NOT_RECOVERED[n % len(NOT_RECOVERED)]
        _followed_up(world, f"lost-{n}", "delivery", "medium", [("unhappy", scores)])
        groups["not_recovered"].append(scores)
    twice = _followed_up(world, "twice", "delivery", "medium", [("unhappy", (1, 0, 1)), ("satisfied", (5, 10, 5))])
    groups["recovered"].append((5, 10, 5))
    # A customer with a case is not "never failed", even for a survey answer of their own.
    Feedback.objects.create(customer=twice.customer, location=world.ams, channel="survey", kind="survey", csat=1,
                            occurred_at=START)  # fmt: skip
    return groups


def _paradox(api: ApiClient, **params: Any) -> dict:
    with time_machine.travel(TODAY, tick=False):
        facts_refresh()
        response = api.get("/analytics/recovery-paradox", **PERIOD, **params)
    assert response.status_code == 200, response.json()
    return response.json()


def test_the_paradox_per_measure_matches_the_raw_answers(api: ApiClient, answers: dict) -> None:
    result = _paradox(api)
    measures = {m["measure"]: m for m in result["measures"]}
    for index, name in enumerate(("satisfaction", "recommend", "repurchase")):
        raw = {group: [float(scores[index]) for scores in rows] for group, rows in answers.items()}
        measure = measures[name]
        assert {group: measure["groups"][group]["n"] for group in raw} == {g: len(rows) for g, rows in raw.items()}
        expected = hedges_g(raw["recovered"], raw["never_failed"])
        assert expected is not None
        assert measure["paradox"]["g"] == pytest.approx(expected.g)
        assert (measure["paradox"]["ci_low"], measure["paradox"]["ci_high"]) == pytest.approx(
            (expected.ci_low, expected.ci_high)
        )
        recovery = hedges_g(raw["recovered"], raw["not_recovered"])
        assert recovery is not None and measure["recovery"]["g"] == pytest.approx(recovery.g)
    satisfaction, repurchase = measures["satisfaction"], measures["repurchase"]
    assert (satisfaction["verdict"], satisfaction["benchmark"], satisfaction["agrees"]) == ("paradox", "paradox", True)
    assert (repurchase["verdict"], repurchase["benchmark"], repurchase["agrees"]) == (
        "no_difference", "no_difference", True
    )  # fmt: skip
    assert measures["returned"]["benchmark"] is None  # de Matos et al. measured intentions, not behaviour


def test_actual_return_counts_a_visit_within_the_window_once_it_has_passed(api: ApiClient, answers: dict) -> None:
    returned = {m["measure"]: m for m in _paradox(api, return_days=30)["measures"]}["returned"]["groups"]
    assert (returned["never_failed"]["n"], returned["never_failed"]["mean"]) == (40, 0.5)
    assert returned["recovered"]["mean"] == pytest.approx(24 / 25)  # the twice-answered customer did not return
    assert returned["not_recovered"]["mean"] == 0.0
    later = {m["measure"]: m for m in _paradox(api, return_days=180)["measures"]}["returned"]["groups"]
    assert later["never_failed"]["n"] == 0  # 180 days have not passed since September: nothing is known yet


def test_the_breakdown_by_category_and_severity_and_the_category_filter(api: ApiClient, answers: dict) -> None:
    result = _paradox(api)
    categories = {s["key"]: s for s in result["by_category"]}
    assert (categories["delivery"]["recovered"], categories["delivery"]["not_recovered"]) == (17, 10)
    assert (categories["billing"]["recovered"], categories["billing"]["not_recovered"]) == (8, 0)
    billing = hedges_g([float(RECOVERED[n % 4][0]) for n in range(8)], [float(s[0]) for s in answers["never_failed"]])
    assert billing is not None and categories["billing"]["paradox"]["g"] == pytest.approx(billing.g)
    assert [s["key"] for s in result["by_severity"]] == ["medium", "high"]
    only_billing = _paradox(api, category="billing")
    groups = only_billing["measures"][0]["groups"]
    assert (groups["never_failed"]["n"], groups["recovered"]["n"], groups["not_recovered"]["n"]) == (40, 8, 0)
    assert only_billing["measures"][0]["recovery"] is None  # nobody to compare with


def test_another_team_sees_no_answers_and_bad_parameters_are_refused(world: World, answers: dict) -> None:
    charlie = _paradox(ApiClient(world.charlie))
    assert all(group["n"] == 0 for m in charlie["measures"] for group in m["groups"].values())
    assert charlie["measures"][0]["paradox"] is None and charlie["by_category"] == []
    for params, field in (({"return_days": 45}, "return_days"), ({"measure": "happiness"}, "measure")):
        response = ApiClient(world.admin).get("/analytics/recovery-paradox", **params)
        assert response.status_code == 422 and response.json()["field"] == field


def test_the_paradox_page_draws_the_intervals(world: World, answers: dict) -> None:
    client = Client()
    world.admin.language = "nl"
    world.admin.save(update_fields=["language"])
    client.force_login(world.admin)
    with time_machine.travel(TODAY, tick=False):
        facts_refresh()
        page = client.get("/analytics/recovery-paradox/", {"since": "2026-08-01", "until": "2026-11-22"})
        exported = client.get("/analytics/export/paradox.csv", {"since": "2026-08-01", "until": "2026-11-22"})
    text = page.content.decode()
    assert page.status_code == 200 and text.count('class="chart chart-interval"') == 3
    assert "Tevredenheid" in text  # in the reader's language
    lines = exported.content.decode().splitlines()
    assert lines[0].startswith("measure,never_failed_n,never_failed_mean,never_failed_sd,recovered_n,recovered_mean")
    assert lines[1].startswith("satisfaction,40,3.5")


def test_answers_are_dated_by_the_survey_or_the_day_the_case_opened(api: ApiClient, answers: dict) -> None:
    with time_machine.travel(TODAY, tick=False):
        facts_refresh()
        september = api.get("/analytics/recovery-paradox", **{"from": "2026-09-01", "to": "2026-09-07"}).json()
        october = api.get("/analytics/recovery-paradox", **{"from": "2026-10-01", "to": "2026-11-22"}).json()
    groups = september["measures"][0]["groups"]
    assert (groups["never_failed"]["n"], groups["recovered"]["n"], groups["not_recovered"]["n"]) == (14, 25, 10)
    assert all(group["n"] == 0 for group in october["measures"][0]["groups"].values())
