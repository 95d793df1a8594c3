"""The silent unhappy: customers who did not complain, found and reached first."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from amends.analytics.filters import Filters
from amends.analytics.kpis import kpis
from amends.analytics.services import facts_refresh
from amends.cases.models import Case
from amends.cases.services import case_open_proactive
from amends.customers.models import Customer, Interaction
from amends.intake.at_risk import (
    CaseSpan,
    Signal,
    interaction_failed,
    score_dropped,
    silent_bad_score,
    silent_episodes,
)
from amends.intake.models import DetectionRule

from .conftest import ApiClient, World, negative_survey


@pytest.mark.parametrize(
    ("attributes", "failed"),
    [
        ({"delivery_delay_hours": 30}, True),
        ({"delivery_delay_hours": 24}, False),
        ({"status": "Cancelled"}, True),
        ({"status": "delivered"}, False),
        ({"delivery_delay_hours": "late"}, False),
        ({}, False),
    ],
)
def test_an_interaction_fails_by_its_own_attributes(attributes: dict, failed: bool) -> None:
    assert interaction_failed(attributes) is failed


def test_a_silent_bad_score_has_no_comment() -> None:
    assert silent_bad_score(text="", nps=7, csat=None, ces=None)
    assert not silent_bad_score(text="Prima", nps=7, csat=None, ces=None)
    assert not silent_bad_score(text=" ", nps=9, csat=5, ces=2)


def test_a_sharp_drop_in_score_counts() -> None:
    assert score_dropped((10, None), (7, None))
    assert not score_dropped((10, None), (8, None))
    assert score_dropped((None, 5), (None, 3))
    assert not score_dropped((None, None), (3, None))


T0 = datetime(2026, 9, 1, 12, tzinfo=UTC)


def days(n: float) -> datetime:
    return T0 + timedelta(days=n)


def test_a_silent_signal_counts_once_per_window_and_as_reached_when_we_came_first() -> None:
    signals = [Signal(days(0), 1, from_interaction=True), Signal(days(10), 1), Signal(days(40), 2)]
    reached_then_complained = [CaseSpan(days(3), days(5), proactive=True), CaseSpan(days(20), None, proactive=False)]
    episodes = silent_episodes(signals, spoke=[], cases=reached_then_complained)
    assert episodes == [(signals[0], True)]  # day 10 is the same episode; day 40 falls in the open complaint case
    assert silent_episodes(signals, spoke=[], cases=[]) == [(signals[0], False), (signals[2], False)]


def test_who_complained_or_spoke_first_was_not_silent() -> None:
    late = Signal(days(0), 1, from_interaction=True)
    assert silent_episodes([late], spoke=[], cases=[CaseSpan(days(2), days(3), proactive=False)]) == []
    assert silent_episodes([late], spoke=[days(1)], cases=[]) == []
    assert silent_episodes([late], spoke=[days(1)], cases=[CaseSpan(days(0.5), None, proactive=True)]) == [(late, True)]
    assert silent_episodes([late], spoke=[days(31)], cases=[]) == [(late, False)]  # after the window
    poor_score = Signal(days(0), 1)  # the score itself was speaking: only a complaint case ends its silence
    assert silent_episodes([poor_score], spoke=[days(1)], cases=[]) == [(poor_score, False)]
    assert silent_episodes([poor_score], spoke=[], cases=[CaseSpan(days(31), None, proactive=True)]) == [
        (poor_score, False)
    ]  # reached too late


def late_delivery(world: World, customer: str = "quiet-1", hours_ago: int = 5, **attributes: Any) -> Interaction:
    person, _ = Customer.objects.get_or_create(external_id=customer, defaults={"name": "Quiet Quinten"})
    return Interaction.objects.create(
        external_id=f"{customer}-order", customer=person, location=world.ams, kind="delivery",
        occurred_at=timezone.now() - timedelta(hours=hours_ago), attributes=attributes or {"delivery_delay_hours": 48},
    )  # fmt: skip


@pytest.mark.django_db
def test_a_late_delivery_nobody_complained_about_is_listed_with_its_reason(api: ApiClient, world: World) -> None:
    late_delivery(world)
    late_delivery(world, customer="on-time", delivery_delay_hours=0)
    items = api.get("/at-risk").json()["items"]
    assert [(item["customer"]["external_id"], item["reason"]) for item in items] == [("quiet-1", "failed_interaction")]
    assert items[0]["interaction"] == "quiet-1-order"
    assert items[0]["reason_text"]


@pytest.mark.django_db
def test_a_customer_who_spoke_up_or_has_an_open_case_is_not_silent(api: ApiClient, world: World) -> None:
    late_delivery(world)
    api.post("/feedback", negative_survey("quiet-1", scores={"nps": 9}, text="Late, but fine"))
    assert api.get("/at-risk").json()["items"] == []


@pytest.mark.django_db
def test_a_poor_score_without_a_comment_that_opened_no_case_is_listed(api: ApiClient) -> None:
    api.post("/feedback", negative_survey("lukewarm", scores={"nps": 7}, text=""))
    DetectionRule.objects.create(name="No cases for surveys", conditions={"kind": "survey"}, action="ignore")
    from amends.intake.verdict import forget_rules

    forget_rules()
    api.post("/feedback", negative_survey("ignored", scores={"nps": 2}, text=""))
    reasons = {item["customer"]["external_id"]: item["reason"] for item in api.get("/at-risk").json()["items"]}
    assert reasons == {"lukewarm": "silent_bad_score", "ignored": "silent_bad_score"}


@pytest.mark.django_db
def test_a_sharp_drop_is_listed(api: ApiClient) -> None:
    api.post(
        "/feedback",
        negative_survey("dropper", scores={"nps": 10}, text="Super", occurred_at="2026-11-01T10:00:00+00:00"),
    )
    api.post("/feedback", negative_survey("dropper", scores={"nps": 7}, text="Ging wel"))
    reasons = [item["reason"] for item in api.get("/at-risk").json()["items"]]
    assert reasons == ["score_drop"]


@pytest.mark.django_db
def test_another_team_sees_nobody_and_one_click_opens_a_proactive_case(api: ApiClient, world: World) -> None:
    late_delivery(world)
    assert ApiClient(world.charlie).get("/at-risk").json()["items"] == []
    outsider = Client()
    outsider.force_login(world.charlie)
    assert outsider.post("/at-risk/quiet-1/reach-out/").status_code == 404
    agent = Client()
    agent.force_login(world.alice)
    page = agent.get("/at-risk/").content.decode()
    assert 'data-customer="quiet-1"' in page
    response = agent.post("/at-risk/quiet-1/reach-out/")
    case = Case.objects.get()
    assert response["Location"] == f"/cases/{case.pk}/"
    assert (case.owner, case.status, case.team) == (world.alice, "acknowledged", world.amsterdam)
    assert case.events.get(kind="opened").data == {"proactive": "failed_interaction"}
    assert api.get("/at-risk").json()["items"] == []  # reached: off the list
    Case.objects.filter(pk=case.pk).update(status="resolved", resolved_at=timezone.now())
    assert api.get("/at-risk").json()["items"] == []  # and stays off once the case is resolved


@pytest.mark.django_db
def test_the_share_of_the_silent_unhappy_reached_first_is_a_kpi(api: ApiClient, world: World) -> None:
    for customer in ("reached", "complained", "forgotten"):
        late_delivery(world, customer=customer, hours_ago=48)
    late_delivery(world, customer="on-time", delivery_delay_hours=2)
    reached = Customer.objects.get(external_id="reached")
    case_open_proactive(
        customer=reached, location=world.ams, reason="failed_interaction", summary="Late", by=world.alice
    )
    api.post("/feedback", negative_survey("complained", text="Mijn pakket is twee dagen te laat!"))
    api.post("/feedback", negative_survey("lukewarm", scores={"nps": 7}, text=""))  # silent, in Amsterdam too
    facts_refresh()
    numbers = kpis(world.alice, Filters.of())
    assert (numbers.silent_unhappy, numbers.reached_proactively, numbers.proactive_reach) == (3, 1, 1 / 3)
    assert kpis(world.charlie, Filters.of()).silent_unhappy == 0  # another team's silent are not theirs
    assert kpis(world.alice, Filters.of(channel="email")).proactive_reach is None
    body = api.get("/analytics/kpis").json()
    assert (body["silent_unhappy"], body["reached_proactively"]) == (3, 1)


@pytest.mark.django_db
def test_the_list_costs_the_same_few_queries_however_many_customers(
    api: ApiClient, world: World, django_assert_max_num_queries: Any
) -> None:
    for n in range(12):
        api.post(
            "/feedback",
            negative_survey(f"q{n}", scores={"nps": 10}, text="Top", occurred_at="2026-11-01T10:00:00+00:00"),
        )
        api.post("/feedback", negative_survey(f"q{n}", scores={"nps": 7}, text=""))
        late_delivery(world, customer=f"late-{n}")
    from amends.intake.at_risk_selectors import at_risk_for_user

    with django_assert_max_num_queries(5):
        entries = at_risk_for_user(world.alice)
    assert len(entries) == 24


@pytest.mark.django_db
def test_the_database_reads_only_what_the_rules_may_call_a_failure(world: World) -> None:
    from amends.intake.at_risk_selectors import _maybe_failed

    cases = [
        {"delivery_delay_hours": 30}, {"delivery_delay_hours": 24}, {"delay_hours": 26}, {"status": " Cancelled "},
        {"status": "DELAYED"}, {"status": "delivered"}, {"delivery_delay_hours": "late"}, {"status": 3},
        {"note": "fine"}, {"delivery_delay_hours": 2, "delay_hours": 30}, {"delivery_delay_hours": True},
    ]  # fmt: skip
    rows = [late_delivery(world, customer=f"c{n}", **attributes) for n, attributes in enumerate(cases)]
    read = set(_maybe_failed(Interaction.objects.all()).values_list("pk", flat=True))
    failed = {row.pk for row in rows if interaction_failed(row.attributes)}
    assert failed == {rows[0].pk, rows[2].pk, rows[3].pk, rows[4].pk}
    assert failed <= read  # the database's filter never drops what the rules call a failure
    assert not read & {rows[1].pk, rows[5].pk, rows[8].pk}  # and does not read the ordinary ones


@pytest.mark.django_db
def test_the_list_is_paged_by_cursor_and_one_click_works_beyond_the_first_page(api: ApiClient, world: World) -> None:
    for n in range(7):
        late_delivery(world, customer=f"late-{n}", hours_ago=n + 1)
    first = api.get("/at-risk?limit=3").json()
    assert [item["customer"]["external_id"] for item in first["items"]] == ["late-0", "late-1", "late-2"]
    second = api.get(f"/at-risk?limit=3&cursor={first['next_cursor']}").json()
    last = api.get(f"/at-risk?limit=3&cursor={second['next_cursor']}").json()
    assert [item["customer"]["external_id"] for item in second["items"] + last["items"]] == [
        "late-3", "late-4", "late-5", "late-6"
    ]  # fmt: skip
    assert last["next_cursor"] is None
    refused = api.get("/at-risk?cursor=not-a-cursor")
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_cursor"

    agent = Client()
    agent.force_login(world.alice)
    from amends.intake import views

    views_page_size, views.PAGE_SIZE = views.PAGE_SIZE, 5
    try:
        page_two = agent.get("/at-risk/?page=2").content.decode()
    finally:
        views.PAGE_SIZE = views_page_size
    assert 'data-customer="late-6"' in page_two and 'data-customer="late-0"' not in page_two
    assert "7 customers at risk" in page_two and "Page 2 of 2" in page_two
    response = agent.post("/at-risk/late-6/reach-out/")  # the oldest, found by customer, not among a first page
    assert response.status_code == 302 and Case.objects.get().customer.external_id == "late-6"
