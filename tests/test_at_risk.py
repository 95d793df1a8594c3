"""The silent unhappy: customers who did not complain, found and reached first."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from amends.cases.models import Case
from amends.customers.models import Customer, Interaction
from amends.intake.at_risk import interaction_failed, score_dropped, silent_bad_score
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
