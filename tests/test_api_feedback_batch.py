"""POST /api/v1/feedback/batch: many answers at once, each judged and stored on its own."""

from datetime import timedelta

import pytest
from django.utils import timezone

from amends.cases.models import Case, CaseEvent
from amends.customers.models import Customer
from amends.intake.models import DetectionRule, Feedback
from amends.intake.verdict import forget_rules

from .conftest import ApiClient, World, negative_survey

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


# --- Per-item semantics of the batched path ---------------------------------------------------------------------


def tasks(suffix: str) -> list[int]:
    from django_tasks_db.models import DBTaskResult

    rows = DBTaskResult.objects.filter(task_path__endswith=suffix)
    return sorted(row.args_kwargs["args"][0] for row in rows)


def test_an_item_repeating_an_earlier_items_key_is_its_retry_and_a_different_body_is_refused(api: ApiClient) -> None:
    first = negative_survey("d1") | {"idempotency_key": "dup"}
    items = [
        first,
        first,  # a retry inside the same batch
        negative_survey("d2") | {"idempotency_key": "dup"},  # same key, different body
        negative_survey("d3", location="atlantis") | {"idempotency_key": "bad"},  # refused: its key is not taken
        negative_survey("d3") | {"idempotency_key": "bad"},  # so this one is the first with that key
    ]
    body = api.post("/feedback/batch", {"items": items}).json()
    results = body["items"]
    assert [item["status"] for item in results] == [201, 201, 409, 422, 201]
    assert results[1]["result"] == results[0]["result"]
    assert results[2]["error"]["code"] == "idempotency_key_reused"
    assert (body["created"], body["failed"]) == (3, 2)
    assert Feedback.objects.count() == 2 and Case.objects.count() == 2


def test_a_retried_mixed_batch_answers_the_same_and_queues_nothing_twice(api: ApiClient) -> None:
    items = [
        negative_survey("m1") | {"idempotency_key": "m1"},
        negative_survey("m2", scores={"nps": 9}, text="Prima") | {"idempotency_key": "m2"},
        negative_survey("m3", scores={"nps": 99}) | {"idempotency_key": "m3"},
        negative_survey("m1", kind="complaint") | {"idempotency_key": "m4"},
    ]
    first = api.post("/feedback/batch", {"items": items}).json()
    queued = (tasks("case_opened_alert_task"), tasks("analyse_feedback_task"))
    again = api.post("/feedback/batch", {"items": items}).json()
    assert again == first
    assert [item["status"] for item in first["items"]] == [201, 201, 422, 201]
    assert Feedback.objects.count() == 3 and Case.objects.count() == 1
    assert (tasks("case_opened_alert_task"), tasks("analyse_feedback_task")) == queued
    assert len(queued[0]) == 1 and len(queued[1]) == 3


def test_single_and_batch_share_keys(api: ApiClient) -> None:
    item = negative_survey("s1")
    single = api.post("/feedback", item, **{"Idempotency-Key": "shared"}).json()
    body = api.post("/feedback/batch", {"items": [item | {"idempotency_key": "shared"}]}).json()
    assert body["items"][0]["result"] == single
    assert Feedback.objects.count() == 1


def test_negative_items_open_exactly_one_case_per_customer_and_alert_once_each(api: ApiClient) -> None:
    items = [negative_survey(f"c{n % 3}", scores={"nps": n % 5}) for n in range(12)]
    items += [negative_survey("c0", scores={"nps": 10}, text="")]  # positive: no case
    body = api.post("/feedback/batch", {"items": items}).json()
    assert body["created"] == 13
    cases = {item["result"]["case"]["id"] for item in body["items"][:12]}
    assert len(cases) == 3 and Case.objects.count() == 3
    assert body["items"][12]["result"]["case"] is None
    for customer in ("c0", "c1", "c2"):
        assert Case.objects.filter(customer__external_id=customer).count() == 1
    assert tasks("case_opened_alert_task") == sorted(cases)
    assert len(tasks("analyse_feedback_task")) == 12  # the positive item has no text
    assert Feedback.objects.filter(case__isnull=True).count() == 1


def test_a_batch_joins_a_case_opened_before_it(api: ApiClient) -> None:
    opened = api.post("/feedback", negative_survey("j1")).json()
    body = api.post("/feedback/batch", {"items": [negative_survey("j1", scores={"nps": 0})]}).json()
    assert body["items"][0]["result"]["case"]["id"] == opened["case"]["id"]
    assert Case.objects.get().severity == "high"


def test_a_batch_item_answering_a_case_that_waits_on_the_customer_restarts_its_clock(api: ApiClient) -> None:
    opened = api.post("/feedback", negative_survey("w1", text="")).json()["case"]
    case_id = opened["id"]
    assert api.post(f"/cases/{case_id}/status", {"status": "acknowledged"}).status_code == 200
    assert api.post(f"/cases/{case_id}/status", {"status": "waiting_on_customer"}).status_code == 200
    items = [negative_survey("w1", scores={"nps": 0}, text="Nog steeds kapot."), negative_survey("w2")]
    body = api.post("/feedback/batch", {"items": items}).json()
    answer = body["items"][0]["result"]["case"]
    assert answer["id"] == case_id and answer["status"] == "in_progress"
    case = Case.objects.get(pk=case_id)
    assert (case.status, case.severity, case.contacts, case.summary) == ("in_progress", "high", 2, "Nog steeds kapot.")
    assert not case.clock_stopped and case.customer_waiting_since is not None
    kinds = list(CaseEvent.objects.filter(case=case).order_by("id").values_list("kind", flat=True))
    assert kinds[-4:] == ["feedback_added", "severity_raised", "status_changed", "sla_resumed"]
    assert body["items"][1]["result"]["case"]["id"] != case_id


def test_a_chunk_whose_write_fails_is_stored_one_by_one(api: ApiClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """E.g. a concurrent request took a key a moment ago: the chunk is rolled back and each item runs alone."""
    from django.db import IntegrityError

    from amends.intake import api as feedback_api

    real = feedback_api.feedback_submit_many

    def write_then_fail(checked: list) -> list:
        real(checked)
        raise IntegrityError("taken meanwhile")

    monkeypatch.setattr(feedback_api, "feedback_submit_many", write_then_fail)
    items = [
        negative_survey("f1") | {"idempotency_key": "f1"},
        negative_survey("f1", kind="complaint") | {"idempotency_key": "f2"},
        negative_survey("f2", location="atlantis"),
    ]
    body = api.post("/feedback/batch", {"items": items}).json()
    assert [item["status"] for item in body["items"]] == [201, 201, 422]
    assert Feedback.objects.count() == 2 and Case.objects.count() == 1
    assert len(tasks("case_opened_alert_task")) == 1 and len(tasks("analyse_feedback_task")) == 2


def _stored_state(prefix: str) -> dict:
    """What the items of customers `prefix*` left behind, without ids and clock times."""
    feedback = list(
        Feedback.objects.filter(customer__external_id__startswith=prefix).order_by("occurred_at", "nps", "text")
    )
    case_index: dict[int, int] = {}
    for row in feedback:
        if row.case_id is not None:
            case_index.setdefault(row.case_id, len(case_index))
    feedback_index = {row.pk: n for n, row in enumerate(feedback)}

    def plain(obj: object, skip: set[str]) -> dict:
        values = {}
        for field in type(obj)._meta.concrete_fields:  # type: ignore[attr-defined]
            if field.primary_key or field.name in skip:
                continue
            value = getattr(obj, field.attname)
            if field.get_internal_type() == "DateTimeField":
                value = value is not None  # clock times differ between the two runs; set or not must not
            values[field.name] = value
        return values

    cases = sorted(Case.objects.filter(pk__in=case_index), key=lambda case: case_index[case.pk])
    return {
        "customers": sorted(
            (c.external_id.removeprefix(prefix), c.name, c.email, c.language, c.segment)
            for c in Customer.objects.filter(external_id__startswith=prefix)
        ),
        "feedback": [
            plain(row, {"customer", "case"})
            | {"customer": row.customer.external_id.removeprefix(prefix), "case": case_index.get(row.case_id)}
            for row in feedback
        ],
        "cases": [plain(case, {"customer"}) for case in cases],
        "events": [
            (case_index[event.case_id], event.kind, {k: feedback_index.get(v, v) for k, v in event.data.items()})
            for event in CaseEvent.objects.filter(case_id__in=case_index).order_by("case_id", "id")
        ],
        "alerts": sorted(case_index[pk] for pk in tasks("case_opened_alert_task") if pk in case_index),
        "analysed": sorted(feedback_index[pk] for pk in tasks("analyse_feedback_task") if pk in feedback_index),
    }


def test_a_batch_stores_exactly_what_the_same_items_posted_one_by_one_store(api: ApiClient, world: World) -> None:
    DetectionRule.objects.create(
        name="repeat",
        priority=10,
        conditions={"repeat_within_days": 7, "nps_max": 8},
        action="open_case",
        severity="high",
        category="repeat",
        team=world.berlin,
    )
    DetectionRule.objects.create(name="tag", priority=5, conditions={"keywords": ["kamer"]}, action="tag",
                                 tags=["room"])  # fmt: skip
    forget_rules()
    base = timezone.now() - timedelta(days=1)

    def items(prefix: str) -> list[dict]:
        def item(who: str, minutes: int, **fields: object) -> dict:
            at = (base + timedelta(minutes=minutes)).isoformat()
            return negative_survey(prefix + who, occurred_at=at) | fields

        vip = {"external_id": prefix + "c", "segment": "VIP", "language": "de"}
        return [
            item("a", 1, scores={"nps": 6}, text=""),  # opens a case with scores only
            item("a", 2, scores={"nps": 5}),  # first words: the summary; contact 2 within 7 days: the rule
            item("a", 3, scores={"nps": 1}, text="Nog steeds niets."),  # severity raised
            item("b", 4, scores={"nps": 8}, text="Mooie kamer"),  # tagged; passive, no case
            item("b", 5, scores={"nps": 8}, text="   "),  # second contact within 7 days: the rule opens a case
            item("c", 6, kind="complaint", customer=vip),  # VIP, German from now on
            item("c", 7, scores={"nps": 10}, text="Danke", customer={"external_id": prefix + "c"}),
            item("d", 8, location="atlantis"),  # refused
            item("d", 9, scores={"csat": 9}),  # refused
            item("d", 10, scores={"csat": 2}, language="fr"),
        ]

    one_by_one = [api.post("/feedback", body) for body in items("s-")]
    assert [response.status_code for response in one_by_one] == [201] * 7 + [422, 422, 201]
    batch = api.post("/feedback/batch", {"items": items("b-")}).json()
    assert [item["status"] for item in batch["items"]] == [201] * 7 + [422, 422, 201]
    single_cases = [response.json().get("case") is not None for response in one_by_one]
    assert [item["result"] is not None and item["result"]["case"] is not None for item in batch["items"]] == [
        flag and response.status_code == 201 for flag, response in zip(single_cases, one_by_one, strict=True)
    ]
    assert _stored_state("b-") == _stored_state("s-")
