"""GET /api/v1/cases and /cases/{id}: filters, cursor pagination, and nobody sees another team's cases."""

from datetime import timedelta

import pytest
from django.utils import timezone

from amends.cases.models import Case
from amends.cases.services import case_resolve, case_take_ownership

from .conftest import ApiClient, World, negative_survey

pytestmark = pytest.mark.django_db


def open_cases(api: ApiClient, count: int, location: str = "ams", prefix: str = "c") -> list[int]:
    return [
        api.post("/feedback", negative_survey(external_id=f"{prefix}{n}", location=location)).json()["case"]["id"]
        for n in range(count)
    ]


def test_a_case_carries_its_sla_and_people(api: ApiClient, world: World) -> None:
    [case_id] = open_cases(api, 1)
    body = api.get(f"/cases/{case_id}").json()
    assert body["status"] == "new"
    assert body["owner"] is None
    assert body["team"] == "amsterdam"
    assert body["customer"] == {"external_id": "c0", "name": "Anna de Vries"}
    assert body["location"] == "ams"
    sla = body["sla"]
    assert (sla["policy"], sla["calendar"], sla["paused"], sla["breached"]) == (None, None, False, False)
    assert (sla["target"], sla["escalation"]) == ("first_response", "on_time")
    assert sla["due_at"] == body["first_response_due_at"]
    assert (body["transfers"], body["contacts"], body["reopens"]) == (0, 1, 0)
    assert body["first_contact_resolution"] is None
    for field in ("created_at", "first_response_due_at", "resolution_due_at"):
        assert body[field].endswith("Z")
    assert body["first_response_at"] is None and body["resolved_at"] is None


def test_cases_list_soonest_deadline_first_and_pages_with_a_cursor(api: ApiClient) -> None:
    ids = open_cases(api, 5)
    # Make the last case the most urgent.
    Case.objects.filter(pk=ids[-1]).update(due_at=timezone.now() - timedelta(minutes=5))
    first = api.get("/cases", limit=2).json()
    assert [item["id"] for item in first["items"]] == [ids[-1], ids[0]]
    second = api.get("/cases", limit=2, cursor=first["next_cursor"]).json()
    third = api.get("/cases", limit=2, cursor=second["next_cursor"]).json()
    assert [item["id"] for item in second["items"] + third["items"]] == ids[1:4]
    assert third["next_cursor"] is None


def test_resolved_cases_come_after_open_ones_in_the_same_pagination(api: ApiClient, world: World) -> None:
    ids = open_cases(api, 3)
    case_resolve(case=Case.objects.get(pk=ids[0]), category="delivery", resolution="Refunded", by=world.alice)
    seen: list[int] = []
    cursor = None
    while True:
        page = api.get("/cases", limit=1, **({"cursor": cursor} if cursor else {})).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [ids[1], ids[2], ids[0]]


def test_filters_by_status_owner_and_team(api: ApiClient, world: World) -> None:
    ams = open_cases(api, 2)
    ber = open_cases(api, 1, location="ber", prefix="b")
    case_take_ownership(case=Case.objects.get(pk=ams[0]), by=world.alice)

    def ids(**params: str) -> list[int]:
        return [item["id"] for item in api.get("/cases", **params).json()["items"]]

    assert ids(owner="alice") == [ams[0]]
    assert ids(status="new", team="amsterdam") == [ams[1]]
    assert ids(team="berlin") == ber
    assert ids(status="acknowledged") == [ams[0]]
    assert ids(severity="critical") == []


def test_a_bad_filter_or_cursor_is_a_clear_error(api: ApiClient) -> None:
    bad_status = api.get("/cases", status="sleeping")
    assert bad_status.status_code == 422
    assert bad_status.json()["field"] == "status"
    bad_cursor = api.get("/cases", cursor="!!!")
    assert bad_cursor.status_code == 400
    assert bad_cursor.json()["code"] == "invalid_cursor"


def test_an_agent_sees_only_their_teams_cases(api: ApiClient, world: World) -> None:
    ams = open_cases(api, 2)
    ber = open_cases(api, 1, location="ber", prefix="b")
    alice, bob, charlie = ApiClient(world.alice), ApiClient(world.bob), ApiClient(world.charlie)
    assert {item["id"] for item in alice.get("/cases").json()["items"]} == set(ams)
    assert {item["id"] for item in bob.get("/cases").json()["items"]} == set(ams + ber)
    assert charlie.get("/cases").json() == {"items": [], "next_cursor": None}
    denied = charlie.get(f"/cases/{ams[0]}")
    assert denied.status_code == 404
    assert denied.json()["code"] == "not_found"
    assert alice.get(f"/cases/{ber[0]}").status_code == 404


def test_an_unknown_case_is_404_with_a_json_body(api: ApiClient) -> None:
    response = api.get("/cases/987654")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
