"""Detection rules an admin configures: conditions decide whether and how a case opens."""

from typing import Any

import pytest
from django.utils import timezone

from amends.cases.models import Case
from amends.customers.models import Customer, Interaction
from amends.intake.detection import Scores
from amends.intake.models import DetectionRule, Feedback
from amends.intake.rules import Facts, RuleError, matches, validate_conditions

from .conftest import ApiClient, World, negative_survey


def facts(**overrides: Any) -> Facts:
    base: dict[str, Any] = {"kind": "survey", "channel": "survey", "scores": Scores(nps=8), "text": ""}
    return Facts(**(base | overrides))


@pytest.mark.parametrize(
    ("conditions", "given", "expected"),
    [
        ({}, {}, True),
        ({"nps_max": 8}, {}, True),
        ({"nps_max": 7}, {}, False),
        ({"csat_max": 2}, {}, False),  # no CSAT given: the condition does not hold
        ({"ces_min": 5}, {"scores": Scores(ces=6)}, True),
        ({"kind": "complaint"}, {}, False),
        ({"channel": ["email", "survey"]}, {}, True),
        ({"segment": "VIP"}, {"segment": "vip "}, True),
        ({"keywords": ["refund", "terugbetal"]}, {"text": "Ik wil een terugbetaling"}, True),
        ({"keywords": ["fund"]}, {"text": "I want a refund"}, False),  # words start at a word boundary
        ({"repeat_within_days": 7}, {"contacts_within": {7: 1}}, True),
        ({"repeat_within_days": 7}, {"contacts_within": {7: 0}}, False),
        ({"attributes": {"delivery_delay_hours": {"gt": 24}}}, {"attributes": {"delivery_delay_hours": 30}}, True),
        ({"attributes": {"delivery_delay_hours": {"gt": 24}}}, {"attributes": {"delivery_delay_hours": 3}}, False),
        ({"attributes": {"delivery_delay_hours": {"gt": 24}}}, {"attributes": {}}, False),
        ({"attributes": {"delivery_delay_hours": {"gt": 24}}}, {"attributes": {"delivery_delay_hours": "late"}}, False),
        ({"attributes": {"status": "delayed", "region": {"in": ["North", "East"]}}},
         {"attributes": {"status": "delayed", "region": "North"}}, True),
        ({"negative_min": 0.8}, {"negative": 0.9}, True),
        ({"negative_min": 0.8}, {}, False),
        ({"nps_max": 8, "kind": "complaint"}, {}, False),  # all conditions must hold
    ],
)  # fmt: skip
def test_conditions_match_as_written(conditions: dict, given: dict, expected: bool) -> None:
    assert matches(conditions, facts(**given)) is expected


@pytest.mark.parametrize(
    "conditions",
    [
        {"colour": "red"},
        {"nps_max": "six"},
        {"negative_min": 2},
        {"keywords": "refund"},
        {"attributes": {"x": {"about": 1}}},
    ],
)
def test_rules_that_cannot_be_evaluated_are_refused(conditions: dict) -> None:
    with pytest.raises(RuleError):
        validate_conditions(conditions)


def rule(**fields: Any) -> DetectionRule:
    return DetectionRule.objects.create(**({"name": "rule", "priority": 10} | fields))


@pytest.mark.django_db
def test_a_late_delivery_rule_opens_a_case_for_a_passive_score_with_its_severity_category_and_team(
    api: ApiClient, world: World
) -> None:
    rule(
        name="Late delivery", conditions={"attributes": {"delivery_delay_hours": {"gt": 24}}},
        severity="high", category="delivery", team=world.berlin, tags=["late"],
    )  # fmt: skip
    customer = Customer.objects.create(external_id="cust-1")
    Interaction.objects.create(
        external_id="o-1", customer=customer, location=world.ams, kind="delivery", occurred_at=timezone.now(),
        attributes={"delivery_delay_hours": 30},
    )  # fmt: skip
    body = api.post("/feedback", negative_survey(scores={"nps": 8}, text="", interaction="o-1")).json()
    case = Case.objects.get(pk=body["case"]["id"])
    assert (case.severity, case.category, case.team) == ("high", "delivery", world.berlin)
    assert Feedback.objects.get().attributes == {"tags": ["late"], "rule": "Late delivery"}


@pytest.mark.django_db
def test_an_ignore_rule_keeps_a_test_account_out_of_the_inbox(api: ApiClient) -> None:
    rule(name="Test accounts", conditions={"keywords": ["testaccount"]}, action="ignore")
    body = api.post("/feedback", negative_survey(kind="complaint", text="testaccount: please ignore")).json()
    assert body["case"] is None
    assert Feedback.objects.get().is_negative is False


@pytest.mark.django_db
def test_tag_rules_tag_and_let_later_rules_or_the_default_decide(api: ApiClient) -> None:
    rule(name="VIP tag", priority=1, conditions={"segment": "VIP"}, action="tag", tags=["vip"])
    body = api.post("/feedback", negative_survey(customer={"external_id": "v", "segment": "VIP"})).json()
    assert body["case"] is not None  # NPS 3: the built-in rule opened the case
    assert Feedback.objects.get().attributes["tags"] == ["vip"]


@pytest.mark.django_db
def test_a_repeat_contact_rule_sees_the_customers_earlier_feedback(api: ApiClient) -> None:
    rule(name="Second contact", conditions={"repeat_within_days": 7, "kind": "survey"}, severity="critical")
    first = api.post("/feedback", negative_survey(scores={"nps": 9}, text="Fine")).json()
    assert first["case"] is None  # no earlier contact: the rule does not hold, NPS 9 is not negative
    second = api.post("/feedback", negative_survey(scores={"nps": 9}, text="Fine again")).json()
    assert Case.objects.get(pk=second["case"]["id"]).severity == "critical"


@pytest.mark.django_db
def test_inactive_rules_and_text_model_rules_do_not_decide_at_intake(api: ApiClient) -> None:
    rule(name="Off", conditions={}, action="ignore", is_active=False)
    rule(name="Needs text model", conditions={"negative_min": 0.5}, action="ignore")
    assert api.post("/feedback", negative_survey()).json()["case"] is not None


@pytest.mark.django_db
def test_admins_manage_rules_through_the_api_and_others_may_not(api: ApiClient, world: World) -> None:
    body = {"name": "Refunds", "conditions": {"keywords": ["refund"]}, "severity": "high", "team": "amsterdam"}
    created = api.post("/detection-rules", body)
    assert created.status_code == 201, created.content
    assert created.json()["team"] == "amsterdam"
    assert [item["name"] for item in api.get("/detection-rules").json()["items"]] == ["Refunds"]
    assert ApiClient(world.bob).post("/detection-rules", body).status_code == 403
    assert ApiClient(world.alice).get("/detection-rules").status_code == 403
    bad = api.post("/detection-rules", body | {"conditions": {"colour": "red"}})
    assert (bad.status_code, bad.json()["code"], bad.json()["field"]) == (422, "invalid_value", "conditions")
    # the new rule applies to the next answer at once in this process
    case_id = api.post("/feedback", negative_survey(kind="complaint", text="I want a refund")).json()["case"]["id"]
    assert Case.objects.get(pk=case_id).severity == "high"
