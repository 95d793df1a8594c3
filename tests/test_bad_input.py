"""Bad input is a clear 4xx with a stable code, never a 500 (attacker-probe D7, D11).

Replays the probe's malformed inputs: a NUL character in every kind of text and filter (PostgreSQL refuses it),
times beyond the calendar or with offsets no clock shows, amounts that overflow, and what the transport gets wrong
(an unknown path, a wrong method, a body that is not JSON or too large, attributes too big or too deep). Each answer
is the API's JSON error `{code, message, field}`; pages answer a 400.
"""

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import OperationalError
from django.test import Client

from amends.core.services import api_token_create
from amends.intake.models import Feedback, WebhookSource

from .conftest import ApiClient, World, negative_survey
from .test_webhook_intake import MAPPING, SECRET, deliver, review

pytestmark = pytest.mark.django_db

NUL = "a\x00b"


@dataclass(frozen=True)
class Probe:
    """One malformed request and the refusal it must get."""

    method: str
    path: str  # under /api/v1; {case}, {offer}, {entry}, {incident} are filled from the scene
    body: Any = None
    query: dict[str, str] = field(default_factory=dict)
    status: int = 422
    code: str = "invalid_value"
    field: str | None = None
    item: bool = False  # a batch answers 200 with the item's error

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.field or ''}".strip()


def feedback(**overrides: Any) -> dict[str, Any]:
    body = negative_survey("probe-1")
    body.update(overrides)
    return body


def customer_with(**overrides: Any) -> dict[str, Any]:
    return feedback(customer={"external_id": "probe-1", **overrides})


def interaction(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "external_id": "order-1",
        "customer": {"external_id": "probe-1"},
        "location": "ams",
        "kind": "delivery",
        "occurred_at": "2026-11-20T10:00:00+01:00",
    }
    body.update(overrides)
    return body


def incident(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"title": "Storm", "cohort": {"location": "ams"}, "message": {"en": "Delayed\nSorry."}}
    body.update(overrides)
    return body


# fmt: off
NUL_IN_BODIES = [
    Probe("POST", "/feedback", feedback(text=NUL), field="text"),
    Probe("POST", "/feedback", customer_with(name=NUL), field="customer.name"),
    Probe("POST", "/feedback", customer_with(external_id=NUL), field="customer.external_id"),
    Probe("POST", "/feedback", feedback(location=NUL), field="location"),
    Probe("POST", "/feedback", feedback(interaction=NUL), field="interaction"),
    Probe("POST", "/feedback/batch", {"items": [feedback(text=NUL)]}, field="text", item=True),
    Probe("POST", "/interactions", interaction(kind=NUL), field="kind"),
    Probe("POST", "/interactions", interaction(external_id=NUL), field="external_id"),
    Probe("POST", "/interactions", interaction(attributes={NUL: "x"}), field="attributes"),
    Probe("POST", "/interactions/batch", {"items": [interaction(kind=NUL)]}, field="kind", item=True),
    Probe("POST", "/cases/{case}/notes", {"body": NUL}, field="body"),
    Probe("POST", "/cases/{case}/messages", {"body": NUL}, field="body"),
    Probe("POST", "/cases/{case}/tasks", {"due_at": "2030-01-01T09:00:00+01:00", "note": NUL}, field="note"),
    Probe("POST", "/cases/{case}/tasks", {"due_at": "2030-01-01T09:00:00+01:00", "note": "x", "owner": NUL},
          field="owner"),
    Probe("POST", "/cases/{case}/assign", {"owner": NUL}, field="owner"),
    Probe("POST", "/cases/{case}/assign", {"team": NUL, "reason": "x"}, field="team"),
    Probe("POST", "/cases/{case}/status", {"status": "in_progress", "reason": NUL}, field="reason"),
    Probe("POST", "/cases/{case}/offers", {"alternatives": [{"type": "voucher", "amount": "5"}], "reason": NUL},
          field="reason"),
    Probe("POST", "/cases/{case}/offers",
          {"alternatives": [{"type": "voucher", "amount": "5", "description": NUL}], "reason": "x"},
          field="alternatives.0.description"),
    Probe("POST", "/cases/{case}/reopen", {"reason": NUL}, field="reason"),
    Probe("POST", "/cases/{case}/resolve", {"category": NUL, "resolution": "x"}, field="category"),
    Probe("POST", "/cases/{case}/resolve", {"category": "room", "resolution": NUL}, field="resolution"),
    Probe("POST", "/offers/{offer}/decision", {"decision": "reject", "comment": NUL}, field="comment"),
    Probe("POST", "/ledger/{entry}/corrections", {"amount": "-1.00", "note": NUL}, field="note"),
    Probe("POST", "/incidents", incident(title=NUL), field="title"),
    Probe("POST", "/incidents", incident(cohort={"location": "ams", "attributes": {"region": NUL}}),
          field="cohort.attributes"),
    Probe("POST", "/incidents", incident(cohort={"location": NUL}), field="cohort.location"),
    Probe("POST", "/incidents", incident(message={"en": NUL}), field="message"),
    Probe("POST", "/incidents/{incident}/updates", {"message": {"en": NUL}}, field="message"),
    Probe("POST", "/surveys/invitations", {"customer": NUL, "survey": "csat"}, field="customer"),
    Probe("POST", "/detection-rules", {"name": NUL}, field="name"),
    Probe("POST", "/sla-policies", {"name": NUL, "calendar": 1}, field="name"),
    Probe("POST", "/locations", {"code": "x", "name": NUL, "country": "NL"}, field="name"),
    Probe("POST", "/calendars", {"name": NUL}, field="name"),
    Probe("PUT", "/authority-limits", {"user": NUL, "per_case": "10"}, field="user"),
]

NUL_IN_FILTERS = [
    *(Probe("GET", "/cases", query={name: NUL}, field=name) for name in ("owner", "team", "category")),
    *(Probe("GET", "/ledger", query={name: NUL}, field=name) for name in ("customer", "category", "location",
                                                                          "offered_by")),
    *(Probe("GET", "/analytics/kpis", query={name: NUL}, field=name) for name in ("location", "team", "channel")),
    Probe("GET", "/analytics/pareto", query={"category": NUL}, field="category"),
    Probe("GET", "/customers/a%00b", status=404, code="not_found"),
]

TIMES_AND_NUMBERS = [
    Probe("GET", "/recovery-rate", query={"to": "2026-01-01T00:00:00-17:00"}, code="out_of_range", field="to"),
    Probe("GET", "/recovery-rate", query={"to": "0995-09-20T05:48:36.801-17:44"}, code="out_of_range", field="to"),
    Probe("POST", "/feedback", feedback(occurred_at="0001-01-01T00:00:00+01:00"), code="out_of_range",
          field="occurred_at"),
    Probe("POST", "/interactions", interaction(occurred_at="9999-12-31T23:00:00-05:00"), code="out_of_range",
          field="occurred_at"),
    Probe("POST", "/cases/{case}/tasks", {"due_at": "0001-01-01T00:00:00+01:00", "note": "x"}, code="out_of_range",
          field="due_at"),
    # Numbers are not times, and 0 is not false: pydantic's lax mode took these.
    Probe("POST", "/feedback", feedback(occurred_at=0), field="occurred_at"),
    Probe("GET", "/ledger", query={"to": "0"}, field="to"),
    Probe("GET", "/recovery-rate", query={"to": "0.5"}, field="to"),
    Probe("POST", "/cases/{case}/playbook/apologise", {"done": 0}, field="done"),
    # Overflow: the database's numeric and integer columns.
    Probe("POST", "/ledger/{entry}/corrections", {"amount": "99999999999999999999", "note": "big"},
          code="out_of_range", field="amount"),
    Probe("GET", "/ledger/totals", query={"case": "57652050231832972935726891008"}, code="out_of_range",
          field="case"),
]

ATTRIBUTES = [
    Probe("POST", "/interactions", interaction(attributes={"note": "x" * 1_000_000}), code="too_large",
          field="attributes"),
    Probe("POST", "/interactions", interaction(attributes=json.loads('{"a":' * 6 + "1" + "}" * 6)),
          code="too_large", field="attributes"),
    Probe("POST", "/interactions", interaction(attributes=json.loads('{"a":' * 100 + "1" + "}" * 100)),
          code="too_large", field="attributes"),
]

# fmt: on
PROBES = [*NUL_IN_BODIES, *NUL_IN_FILTERS, *TIMES_AND_NUMBERS, *ATTRIBUTES]


@pytest.fixture
def scene(world: World, api: ApiClient) -> dict[str, int]:
    """A case, an offer on it, a ledger entry (the customer chose), an incident: every probe reaches real objects."""
    case = api.post("/feedback", negative_survey("probe-1")).json()["case"]["id"]
    assert api.put("/authority-limits", {"role": "admin", "per_case": "1000"}).status_code == 200
    offer = api.post(f"/cases/{case}/offers", {"alternatives": [{"type": "voucher", "amount": "10"}], "reason": "x"})
    choice = offer.json()["choice_url"].removeprefix("http://127.0.0.1:8000")
    assert Client().post(choice, {"choice": "1"}).status_code == 200
    entry = api.get("/ledger").json()["items"][0]["id"]
    big = {"alternatives": [{"type": "voucher", "amount": "5000"}], "reason": "x"}
    pending = api.post(f"/cases/{case}/offers", big)
    made = api.post("/incidents", incident())
    assert made.status_code == 201, made.json()
    return {"case": case, "offer": pending.json()["id"], "entry": entry, "incident": made.json()["id"]}


@pytest.fixture
def raw(world: World) -> Client:
    """The admin's token on a client that answers a 500 as a 500 (instead of raising), as a server would."""
    return Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=world.admin)}")


def send(client: Client, probe: Probe, scene: dict[str, int]) -> Any:
    path = "/api/v1" + probe.path.format(**scene)
    if probe.method == "GET":
        return client.get(path, probe.query)
    return client.generic(probe.method, path, json.dumps(probe.body), content_type="application/json")


@pytest.mark.parametrize("probe", PROBES, ids=str)
def test_a_malformed_request_gets_a_json_4xx_with_a_stable_code_and_its_field(
    raw: Client, scene: dict[str, int], probe: Probe
) -> None:
    response = send(raw, probe, scene)
    assert response.status_code < 500, f"status={response.status_code} for {probe}"
    assert response["Content-Type"].startswith("application/json"), f"status={response.status_code} not JSON"
    answer = response.json()
    if probe.item:
        assert response.status_code == 200
        error = answer["items"][0]["error"]
        assert (error["code"], error["field"]) == (probe.code, probe.field)
        return
    assert (response.status_code, answer["code"], answer["field"]) == (probe.status, probe.code, probe.field)
    assert answer["message"]


def test_an_unknown_api_path_is_a_json_404(raw: Client) -> None:
    response = raw.get("/api/v1/no-such-thing")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_a_method_the_path_does_not_take_is_a_json_405_that_names_the_allowed_ones(raw: Client) -> None:
    response = raw.delete("/api/v1/cases")
    assert (response.status_code, response.json()["code"]) == (405, "method_not_allowed")
    assert response["Allow"] == "GET"


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml", "multipart/form-data", ""]
)
def test_a_body_that_is_not_json_is_refused_with_415(raw: Client, world: World, content_type: str) -> None:
    body = json.dumps(negative_survey("probe-2"))
    response = raw.generic("POST", "/api/v1/feedback", body, content_type=content_type)
    assert (response.status_code, response.json()["code"]) == (415, "unsupported_media_type")
    assert response.json()["field"] == "Content-Type"


def test_json_with_a_charset_or_a_json_suffix_is_json(raw: Client, world: World) -> None:
    for n, content_type in enumerate(["application/json; charset=utf-8", "application/merge-patch+json"]):
        body = json.dumps(negative_survey(f"probe-{n}"))
        assert raw.generic("POST", "/api/v1/feedback", body, content_type=content_type).status_code == 201


def test_a_body_past_the_upload_limit_is_refused_with_413(raw: Client, world: World, settings: Any) -> None:
    items = [negative_survey(f"c-{n}") for n in range(30_000)]  # about 9 MB of JSON
    body = json.dumps({"items": items})
    assert len(body) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = raw.generic("POST", "/api/v1/feedback/batch", body, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (413, "too_large")


def test_an_unreachable_database_is_a_503_with_retry_after(raw: Client, monkeypatch: Any) -> None:
    def down(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("connection refused")

    monkeypatch.setattr("amends.cases.api.cases_filtered", down)
    response = raw.get("/api/v1/cases")
    assert (response.status_code, response.json()["code"]) == (503, "service_unavailable")
    assert int(response["Retry-After"]) > 0


def test_a_fault_of_ours_is_still_the_apis_json_error(raw: Client, monkeypatch: Any) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr("amends.cases.api.cases_filtered", broken)
    response = raw.get("/api/v1/cases")
    assert (response.status_code, response.json()["code"]) == (500, "server_error")


@pytest.mark.parametrize(
    "page, params",
    [("/", {"owner": NUL}), ("/analytics/", {"location": NUL}), ("/analytics/people/", {"team": NUL})],
)
def test_a_nul_character_in_a_pages_filter_is_a_400(world: World, page: str, params: dict[str, str]) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(world.bob)
    assert client.get(page, params).status_code == 400


def test_a_nul_character_in_a_pages_form_is_a_400(world: World) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(world.alice)
    response = client.post("/inbox/views/", {"name": NUL, "query": "status=new"})
    assert response.status_code == 400


@pytest.mark.parametrize("where", ["id", "body"])
def test_a_signed_webhook_delivery_with_a_nul_character_is_refused_not_stored(world: World, where: str) -> None:
    WebhookSource.objects.create(slug="reviews", name="Reviews", secret=SECRET, location=world.ams, mapping=MAPPING)
    document = review(review_id=NUL) if where == "id" else review(body=NUL)
    response = deliver(document)
    assert (response.status_code, response.json()["code"]) == (422, "invalid_value")
    assert response.json()["field"] == ("external_ref" if where == "id" else "text")
    assert not Feedback.objects.exists()


@pytest.mark.parametrize("until", ["0001-01-05", "9999-12-31"])
def test_a_year_beyond_the_calendar_in_an_analysis_page_is_a_form_error(world: World, until: str) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(world.admin)
    response = client.get("/analytics/", {"until": until})
    assert response.status_code == 200
    assert "Choose a date between 1900 and 2199." in response.content.decode()
