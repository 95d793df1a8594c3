"""POST /api/v1/feedback/batch: many answers at once, each judged and stored on its own."""

import pytest

from amends.cases.models import Case
from amends.intake.models import Feedback

from .conftest import ApiClient, negative_survey

pytestmark = pytest.mark.django_db


def test_a_batch_opens_cases_for_negative_items_and_reports_bad_ones(api: ApiClient) -> None:
    items = [
        negative_survey("a") | {"idempotency_key": "a"},
        negative_survey("b", scores={"nps": 10}, text="Top!"),
        negative_survey("c", scores={"nps": 42}),
        negative_survey("d", location="atlantis"),
        negative_survey("a", kind="complaint", text="En nog iets.") | {"idempotency_key": "a2"},
    ]
    body = api.post("/feedback/batch", {"items": items}).json()
    assert (body["created"], body["failed"]) == (3, 2)
    results = body["items"]
    assert [item["status"] for item in results] == [201, 201, 422, 422, 201]
    assert results[0]["result"]["case"]["status"] == "new"
    assert results[1]["result"]["case"] is None
    assert results[2]["error"]["code"] == "out_of_range" and results[2]["error"]["field"] == "scores.nps"
    assert results[3]["error"]["code"] == "unknown_location"
    assert results[4]["result"]["case"]["id"] == results[0]["result"]["case"]["id"]  # same customer, same case
    assert Feedback.objects.count() == 3 and Case.objects.count() == 1


def test_a_retried_batch_item_returns_its_first_result_and_stores_nothing_twice(api: ApiClient) -> None:
    items = [negative_survey(f"r{n}") | {"idempotency_key": f"k{n}"} for n in range(4)]
    first = api.post("/feedback/batch", {"items": items}).json()
    again = api.post("/feedback/batch", {"items": items}).json()
    assert again == first
    assert Feedback.objects.count() == 4


def test_a_key_reused_for_a_different_item_is_refused_for_that_item_only(api: ApiClient) -> None:
    api.post("/feedback/batch", {"items": [negative_survey("x") | {"idempotency_key": "same"}]})
    body = api.post(
        "/feedback/batch",
        {"items": [negative_survey("y") | {"idempotency_key": "same"}, negative_survey("z")]},
    ).json()
    assert body["items"][0]["error"]["code"] == "idempotency_key_reused"
    assert body["items"][1]["status"] == 201
