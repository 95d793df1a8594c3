"""POST /api/v1/feedback: the slice from a negative answer to an open recovery case."""

from datetime import timedelta

import pytest
from django.utils import timezone

from amends.cases.models import Case, CaseEvent
from amends.customers.models import Customer, Interaction
from amends.intake.models import Feedback

from .conftest import ApiClient, World, negative_survey

pytestmark = pytest.mark.django_db


def test_a_negative_survey_opens_a_case_due_for_first_response_in_one_hour(api: ApiClient, world: World) -> None:
    before = timezone.now()
    response = api.post("/feedback", negative_survey())
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get()
    assert body["id"] == Feedback.objects.get().pk
    assert body["case"]["id"] == case.pk
    assert body["case"]["status"] == "new"
    due = case.first_response_due_at
    assert before + timedelta(minutes=59) < due < timezone.now() + timedelta(minutes=61)
    assert case.team == world.amsterdam
    assert case.summary.startswith("De kamer was niet schoon")
    assert list(case.events.values_list("kind", flat=True)) == ["opened"]


def test_a_positive_survey_is_stored_without_a_case(api: ApiClient) -> None:
    response = api.post("/feedback", negative_survey(scores={"nps": 9, "csat": 5}, text="Heerlijk verblijf!"))
    assert response.status_code == 201
    assert response.json()["case"] is None
    assert Feedback.objects.get().is_negative is False
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    "scores",
    [{"nps": 6}, {"csat": 2}, {"ces": 5}],
    ids=["nps-detractor", "csat-low", "ces-high"],
)
def test_each_negative_threshold_opens_a_case(api: ApiClient, scores: dict) -> None:
    response = api.post("/feedback", negative_survey(scores=scores, text=""))
    assert response.json()["case"] is not None


def test_any_complaint_opens_a_case(api: ApiClient) -> None:
    response = api.post("/feedback", negative_survey(kind="complaint", channel="email", scores={}))
    assert response.json()["case"]["status"] == "new"


def test_a_second_failure_of_the_same_customer_joins_the_open_case(api: ApiClient) -> None:
    first = api.post("/feedback", negative_survey()).json()
    second = api.post("/feedback", negative_survey(kind="complaint", text="Nog steeds niet opgelost!")).json()
    assert second["case"]["id"] == first["case"]["id"]
    assert Case.objects.count() == 1
    assert Feedback.objects.filter(case_id=first["case"]["id"]).count() == 2
    assert CaseEvent.objects.filter(kind="feedback_added").count() == 1


def test_the_customer_is_created_when_new_and_updated_when_known(api: ApiClient) -> None:
    api.post("/feedback", negative_survey(scores={"nps": 9}))
    api.post(
        "/feedback",
        negative_survey(customer={"external_id": "cust-1", "email": "anna.new@example.com", "segment": "VIP"}),
    )
    customer = Customer.objects.get()
    assert customer.name == "Anna de Vries"  # not given the second time: kept
    assert customer.email == "anna.new@example.com"
    assert customer.segment == "VIP"


def test_a_vip_customers_failure_is_more_severe(api: ApiClient) -> None:
    body = negative_survey(customer={"external_id": "vip-1", "segment": "VIP"}, kind="complaint")
    case_id = api.post("/feedback", body).json()["case"]["id"]
    assert Case.objects.get(pk=case_id).severity == "high"


def test_feedback_links_to_a_known_interaction(api: ApiClient, world: World) -> None:
    customer = Customer.objects.create(external_id="cust-1")
    Interaction.objects.create(
        external_id="stay-9", customer=customer, location=world.ams, kind="stay", occurred_at=timezone.now()
    )
    response = api.post("/feedback", negative_survey(interaction="stay-9"))
    assert Feedback.objects.get(pk=response.json()["id"]).interaction.external_id == "stay-9"


def test_a_retry_with_the_same_idempotency_key_returns_the_first_result_and_stores_nothing_twice(
    api: ApiClient,
) -> None:
    first = api.post("/feedback", negative_survey(), **{"Idempotency-Key": "retry-1"})
    again = api.post("/feedback", negative_survey(), **{"Idempotency-Key": "retry-1"})
    assert again.status_code == 201
    assert again.json() == first.json()
    assert Feedback.objects.count() == 1
    assert Case.objects.count() == 1


def test_the_same_key_with_a_different_body_is_refused(api: ApiClient) -> None:
    api.post("/feedback", negative_survey(), **{"Idempotency-Key": "k"})
    response = api.post("/feedback", negative_survey(text="Something else"), **{"Idempotency-Key": "k"})
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert Feedback.objects.count() == 1


def test_idempotency_keys_of_different_users_do_not_collide(api: ApiClient, world: World) -> None:
    other = ApiClient(world.bob)
    api.post("/feedback", negative_survey(), **{"Idempotency-Key": "same"})
    response = other.post("/feedback", negative_survey(external_id="cust-2"), **{"Idempotency-Key": "same"})
    assert response.status_code == 201
    assert Feedback.objects.count() == 2


@pytest.mark.parametrize(
    ("change", "status", "code", "field"),
    [
        ({"surprise": 1}, 422, "unknown_field", "surprise"),
        ({"scores": {"nps": 11}}, 422, "out_of_range", "scores.nps"),
        ({"scores": {"csat": 0}}, 422, "out_of_range", "scores.csat"),
        ({"scores": {"ces": 8}}, 422, "out_of_range", "scores.ces"),
        ({"scores": {"nps": "bad"}}, 422, "invalid_value", "scores.nps"),
        ({"scores": {"happiness": 3}}, 422, "unknown_field", "scores.happiness"),
        ({"kind": "rant"}, 422, "invalid_value", "kind"),
        ({"channel": "pigeon"}, 422, "invalid_value", "channel"),
        ({"text": "x" * 20_001}, 422, "too_long", "text"),
        ({"customer": None}, 422, "invalid_value", "customer"),
        ({"customer": {"name": "No id"}}, 422, "missing_field", "customer.external_id"),
        ({"customer": {"external_id": "c", "email": "not-an-email"}}, 422, "invalid_value", "customer.email"),
        ({"customer": {"external_id": "c", "language": "xx"}}, 422, "invalid_value", "customer.language"),
        ({"occurred_at": "2026-11-22T10:00:00"}, 422, "invalid_value", "occurred_at"),
        ({"location": "nowhere"}, 422, "unknown_location", "location"),
        ({"interaction": "no-such-order"}, 422, "unknown_interaction", "interaction"),
    ],
)
def test_bad_input_is_refused_with_a_stable_code_and_nothing_is_stored(
    api: ApiClient, change: dict, status: int, code: str, field: str
) -> None:
    body = negative_survey()
    body.update(change)
    response = api.post("/feedback", body)
    assert response.status_code == status, response.content
    error = response.json()
    assert error["code"] == code
    assert error["field"] == field
    assert error["message"]
    assert not Feedback.objects.exists()
    assert not Customer.objects.exists()
    assert not Case.objects.exists()


def test_a_missing_customer_is_refused(api: ApiClient) -> None:
    body = negative_survey()
    del body["customer"]
    response = api.post("/feedback", body)
    assert response.status_code == 422
    assert response.json() == {"code": "missing_field", "message": response.json()["message"], "field": "customer"}


def test_text_of_exactly_the_limit_is_accepted(api: ApiClient) -> None:
    assert api.post("/feedback", negative_survey(text="x" * 20_000)).status_code == 201


def test_invalid_json_is_refused(api: ApiClient) -> None:
    response = api.post("/feedback", "{not json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_json"
    assert not Feedback.objects.exists()


def test_an_unknown_location_leaves_no_half_written_customer(api: ApiClient) -> None:
    response = api.post("/feedback", negative_survey(location="atlantis"))
    assert response.json()["code"] == "unknown_location"
    assert not Customer.objects.exists()


def test_the_likelihood_to_buy_again_is_stored_and_checked(api: ApiClient) -> None:
    payload = negative_survey()
    payload["scores"] = {"nps": 9, "repurchase": 4}
    created = api.post("/feedback", payload).json()
    assert api.get(f"/feedback/{created['id']}").json()["scores"]["repurchase"] == 4
    payload["scores"] = {"repurchase": 6}
    refused = api.post("/feedback", payload)
    assert refused.status_code == 422 and refused.json()["field"] == "scores.repurchase"


def test_get_feedback_shows_what_was_stored(api: ApiClient) -> None:
    created = api.post("/feedback", negative_survey()).json()
    response = api.get(f"/feedback/{created['id']}")
    assert response.status_code == 200
    body = response.json()
    assert body["customer"] == "cust-1"
    assert body["scores"] == {"csat": None, "nps": 3, "ces": None, "repurchase": None}
    assert body["negative"] is True
    assert body["language"] == "nl"
    assert body["case"]["id"] == created["case"]["id"]
    assert body["received_at"].endswith("Z") or body["received_at"].endswith("+00:00")


def test_another_teams_agent_cannot_read_the_feedback(api: ApiClient, world: World) -> None:
    created = api.post("/feedback", negative_survey()).json()
    response = ApiClient(world.charlie).get(f"/feedback/{created['id']}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert ApiClient(world.alice).get(f"/feedback/{created['id']}").status_code == 200


def test_a_case_opened_by_scores_alone_takes_its_summary_from_the_first_words_written(api: ApiClient) -> None:
    case_id = api.post("/feedback", negative_survey(text="")).json()["case"]["id"]
    assert Case.objects.get(pk=case_id).summary == "NPS 3"
    api.post("/feedback", negative_survey(kind="complaint", text="Niemand belt terug."))
    api.post("/feedback", negative_survey(kind="complaint", text="Nog steeds niets."))
    assert Case.objects.get(pk=case_id).summary == "Niemand belt terug."


def test_feedback_a_channel_delivers_twice_is_stored_once(world: World) -> None:
    from amends.customers.services import CustomerData
    from amends.intake.detection import Scores
    from amends.intake.services import FeedbackInput, feedback_submit

    message = FeedbackInput(
        customer=CustomerData(external_id="mail-1", email="jan@example.nl"),
        location_code="ams",
        channel="email",
        kind="complaint",
        scores=Scores(),
        text="Mijn koffer is kwijt.",
        occurred_at=timezone.now(),
        source="email",
        external_ref="<abc@mail.example.nl>",
    )
    first, first_case = feedback_submit(message)
    again, again_case = feedback_submit(message)
    assert (again.pk, again_case) == (first.pk, first_case)
    assert Feedback.objects.count() == 1 and Case.objects.count() == 1
