import pytest

from amends.core.models import Location
from amends.customers.models import Customer, Interaction

from .conftest import ApiClient, World

pytestmark = pytest.mark.django_db


def location(code: str = "rtm", **overrides: object) -> dict:
    body: dict = {"code": code, "name": "Rotterdam hub", "country": "nl", "timezone": "Europe/Amsterdam"}
    body.update(overrides)
    return body


def test_a_location_is_created_and_listed(api: ApiClient, world: World) -> None:
    created = api.post("/locations", location(team="amsterdam"))
    assert created.status_code == 201
    assert created.json() | {"id": 0} == {
        "id": 0,
        "code": "rtm",
        "name": "Rotterdam hub",
        "country": "NL",
        "timezone": "Europe/Amsterdam",
        "team": "amsterdam",
    }
    codes = [item["code"] for item in api.get("/locations").json()["items"]]
    assert codes == ["ams", "ber", "rtm"]


def test_locations_page_with_a_cursor(api: ApiClient) -> None:
    for n in range(3):
        api.post("/locations", location(code=f"loc-{n}"))
    first = api.get("/locations", limit=2).json()
    second = api.get("/locations", limit=2, cursor=first["next_cursor"]).json()
    third = api.get("/locations", limit=2, cursor=second["next_cursor"]).json()
    codes = [item["code"] for page in (first, second, third) for item in page["items"]]
    assert codes == ["ams", "ber", "loc-0", "loc-1", "loc-2"]
    assert third["next_cursor"] is None


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        (location(code="ams"), 409, "duplicate", "code"),
        (location(code="Has Spaces"), 422, "invalid_value", "code"),
        (location(country="N1"), 422, "invalid_value", "country"),
        (location(country="NLD"), 422, "too_long", "country"),
        (location(timezone="Mars/Olympus"), 422, "invalid_value", "timezone"),
        (location(team="nobody"), 422, "unknown_team", "team"),
        (location(colour="blue"), 422, "unknown_field", "colour"),
    ],
)
def test_bad_locations_are_refused(api: ApiClient, body: dict, status: int, code: str, field: str) -> None:
    before = Location.objects.count()
    response = api.post("/locations", body)
    assert (response.status_code, response.json()["code"], response.json()["field"]) == (status, code, field)
    assert Location.objects.count() == before


def interaction(external_id: str = "order-1", **overrides: object) -> dict:
    body: dict = {
        "external_id": external_id,
        "customer": {"external_id": "cust-7", "name": "Jonas Weber", "language": "de"},
        "location": "ber",
        "kind": "delivery",
        "occurred_at": "2026-11-20T10:00:00+01:00",
        "attributes": {"delivery_delay_hours": 30, "region": "North"},
    }
    body.update(overrides)
    return body


def test_an_interaction_is_recorded_with_its_customer_and_attributes(api: ApiClient) -> None:
    response = api.post("/interactions", interaction())
    assert response.status_code == 201
    body = response.json()
    assert body["occurred_at"] == "2026-11-20T09:00:00Z"
    stored = Interaction.objects.get()
    assert stored.attributes == {"delivery_delay_hours": 30, "region": "North"}
    assert Customer.objects.get().language == "de"


def test_an_interaction_retry_is_idempotent_and_a_duplicate_id_is_refused(api: ApiClient) -> None:
    first = api.post("/interactions", interaction(), **{"Idempotency-Key": "i-1"})
    again = api.post("/interactions", interaction(), **{"Idempotency-Key": "i-1"})
    assert again.json() == first.json()
    duplicate = api.post("/interactions", interaction())
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "duplicate"
    assert Interaction.objects.count() == 1


def test_an_interaction_at_an_unknown_location_is_refused(api: ApiClient) -> None:
    response = api.post("/interactions", interaction(location="nowhere"))
    assert response.json()["code"] == "unknown_location"
    assert not Customer.objects.exists()


def test_a_batch_stores_good_items_and_reports_bad_ones_each_on_its_own(api: ApiClient) -> None:
    items = [
        interaction("b-1") | {"idempotency_key": "k-1"},
        interaction("b-2", location="nowhere"),
        interaction("b-3", surprise=True),
        interaction("b-4", occurred_at="yesterday"),
        interaction("b-5") | {"idempotency_key": "k-5"},
    ]
    response = api.post("/interactions/batch", {"items": items})
    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["failed"]) == (2, 3)
    results = body["items"]
    assert [item["status"] for item in results] == [201, 422, 422, 422, 201]
    assert results[1]["error"] == {
        "code": "unknown_location",
        "message": results[1]["error"]["message"],
        "field": "location",
    }
    assert results[2]["error"]["code"] == "unknown_field" and results[2]["error"]["field"] == "surprise"
    assert results[3]["error"]["field"] == "occurred_at"
    assert results[0]["result"]["external_id"] == "b-1"
    assert set(Interaction.objects.values_list("external_id", flat=True)) == {"b-1", "b-5"}


def test_a_retried_batch_stores_nothing_twice(api: ApiClient) -> None:
    items = [interaction(f"r-{n}") | {"idempotency_key": f"r-{n}"} for n in range(3)]
    first = api.post("/interactions/batch", {"items": items}).json()
    again = api.post("/interactions/batch", {"items": items}).json()
    assert again == first
    assert Interaction.objects.count() == 3
    single = api.post("/interactions", interaction("r-0"), **{"Idempotency-Key": "r-0"})
    assert single.status_code == 201 and single.json() == first["items"][0]["result"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"items": []}, "out_of_range"),
        ({"items": [{}] * 1001}, "too_long"),
        ({"items": [interaction()], "rows": []}, "unknown_field"),
    ],
)
def test_an_empty_oversized_or_misshapen_batch_is_refused(api: ApiClient, body: dict, code: str) -> None:
    response = api.post("/interactions/batch", body)
    assert response.status_code == 422
    assert response.json()["code"] == code
