"""The respond endpoints: calendars, SLA policies, and moving a case through its life with one owner."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from amends.cases.models import Case

from .conftest import ApiClient, World, negative_survey

pytestmark = pytest.mark.django_db

OFFICE_HOURS = {day: [["09:00", "12:30"], ["13:30", "17:30"]] for day in ("mon", "tue", "wed", "thu", "fri")}
# Friday 27 November 2026, 16:30 in Amsterdam (15:30 UTC): one hour of office time left in the week.
FRIDAY_AFTERNOON = datetime(2026, 11, 27, 15, 30, tzinfo=UTC)


@pytest.fixture
def agent_api(world: World) -> ApiClient:
    return ApiClient(world.alice)


@pytest.fixture
def office(api: ApiClient) -> dict:
    response = api.post(
        "/calendars",
        {"name": "Amsterdam office", "timezone": "Europe/Amsterdam", "country": "NL", "hours": OFFICE_HOURS},
    )
    assert response.status_code == 201, response.json()
    return response.json()


def make_policy(api: ApiClient, calendar: dict, **fields) -> dict:
    body = {"name": "Standard", "calendar": calendar["id"], "first_response_minutes": 120, **fields}
    response = api.post("/sla-policies", body)
    assert response.status_code == 201, response.json()
    return response.json()


def open_case(api: ApiClient, external_id: str = "cust-1", **overrides) -> dict:
    case_id = api.post("/feedback", negative_survey(external_id=external_id, **overrides)).json()["case"]["id"]
    return api.get(f"/cases/{case_id}").json()


def test_a_calendar_is_stored_as_written_and_listed(api: ApiClient, office: dict) -> None:
    assert office["hours"]["mon"] == [["09:00", "12:30"], ["13:30", "17:30"]]
    assert office["country"] == "NL" and office["subdivision"] is None
    listed = api.get("/calendars").json()
    assert [item["name"] for item in listed["items"]] == ["Amsterdam office"]
    assert api.get(f"/calendars/{office['id']}").json() == office


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "timezone": "Mars/Olympus"}, "timezone"),
        ({"name": "x", "country": "XX"}, "country"),
        ({"name": "x", "country": "DE", "subdivision": "ZZ"}, "subdivision"),
        ({"name": "x", "hours": {"mon": [["9", "17:00"]]}}, "hours"),
        ({"name": "x", "hours": {"funday": []}}, "hours"),
        ({"name": "x", "closed_days": ["24-12-2026"]}, "closed_days"),
        ({"name": "x", "special_hours": {"2026-12-31": [["13:00", "13:00"]]}}, "special_hours"),
    ],
)
def test_a_calendar_with_a_mistake_is_refused_naming_the_field(api: ApiClient, body: dict, field: str) -> None:
    response = api.post("/calendars", body)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_value"
    assert response.json()["field"] == field


def test_only_admins_manage_calendars_and_policies(agent_api: ApiClient, api: ApiClient, office: dict) -> None:
    assert agent_api.post("/calendars", {"name": "Mine"}).status_code == 403
    refused = agent_api.post("/sla-policies", {"name": "Fast", "calendar": office["id"]})
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"


def test_a_policy_refers_to_a_calendar_that_exists(api: ApiClient) -> None:
    response = api.post("/sla-policies", {"name": "Fast", "calendar": 999})
    assert response.status_code == 422
    assert response.json() == {"code": "unknown_calendar", "message": response.json()["message"], "field": "calendar"}


def test_the_same_policy_name_twice_is_a_duplicate(api: ApiClient, office: dict) -> None:
    make_policy(api, office)
    again = api.post("/sla-policies", {"name": "Standard", "calendar": office["id"]})
    assert again.status_code == 409
    assert again.json()["code"] == "duplicate"


def test_a_case_gets_the_first_matching_policy_and_its_business_hours_deadline(api: ApiClient, office: dict) -> None:
    make_policy(api, office, name="VIP", priority=1, first_response_minutes=30, conditions={"segment": "VIP"})
    make_policy(api, office, name="Standard", priority=10)
    with time_machine.travel(FRIDAY_AFTERNOON, tick=False):
        case = open_case(api)
    assert case["sla"]["policy"] == "Standard"
    assert case["sla"]["calendar"] == "Amsterdam office"
    # One office hour on Friday, the second on Monday morning: 10:00 Amsterdam is 09:00 UTC.
    assert case["first_response_due_at"] == "2026-11-30T09:00:00Z"
    assert case["sla"]["target"] == "first_response"
    with time_machine.travel(FRIDAY_AFTERNOON, tick=False):
        vip = open_case(api, "vip-1", customer={"external_id": "vip-1", "segment": "VIP", "language": "nl"})
    assert vip["sla"]["policy"] == "VIP"
    assert vip["first_response_due_at"] == "2026-11-27T16:00:00Z"


def test_without_a_policy_the_default_hour_runs_around_the_clock(api: ApiClient) -> None:
    with time_machine.travel(FRIDAY_AFTERNOON, tick=False):
        case = open_case(api)
    assert case["sla"]["policy"] is None
    assert case["first_response_due_at"] == "2026-11-27T16:30:00Z"


def test_waiting_on_the_customer_stops_the_clock_and_answering_restarts_it(
    api: ApiClient, agent_api: ApiClient, office: dict
) -> None:
    make_policy(api, office, resolution_minutes=450)  # one office day: 9:00-12:30 and 13:30-17:30
    monday_9 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    with time_machine.travel(monday_9, tick=False):
        case = open_case(api)
        assert case["resolution_due_at"] == "2026-11-30T16:30:00Z"  # 17:30 local
        agent_api.post(f"/cases/{case['id']}/assign", {"owner": "alice"})
    with time_machine.travel(monday_9 + timedelta(hours=1), tick=False):
        waiting = agent_api.post(f"/cases/{case['id']}/status", {"status": "waiting_on_customer"}).json()
    assert waiting["sla"]["paused"] is True
    assert waiting["sla"]["due_at"] is None
    # The customer answers the next morning at 10:00 local: the clock ran for one hour, 6.5 are left.
    with time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=UTC), tick=False):
        api.post("/feedback", negative_survey(external_id="cust-1", text="Hier zijn de foto's."))
    resumed = api.get(f"/cases/{case['id']}").json()
    assert resumed["status"] == "in_progress"
    assert resumed["sla"]["paused"] is False
    assert resumed["resolution_due_at"] == "2026-12-01T16:30:00Z"  # 10:00-12:30 and 13:30-17:30
    assert resumed["contacts"] == 2
    kinds = list(Case.objects.get(pk=case["id"]).events.values_list("kind", flat=True))
    assert "sla_paused" in kinds and "sla_resumed" in kinds


def test_the_first_owner_is_not_a_transfer_but_every_later_change_is(
    api: ApiClient, agent_api: ApiClient, world: World
) -> None:
    case = open_case(api)
    taken = agent_api.post(f"/cases/{case['id']}/assign", {"owner": "alice"}).json()
    assert taken["owner"] == "alice" and taken["transfers"] == 0
    assert taken["status"] == "acknowledged" and taken["first_response_at"] is not None
    no_reason = agent_api.post(f"/cases/{case['id']}/assign", {"owner": "bob"})
    assert no_reason.status_code == 400
    assert no_reason.json() == {"code": "missing_field", "message": no_reason.json()["message"], "field": "reason"}
    moved = agent_api.post(f"/cases/{case['id']}/assign", {"team": "berlin", "reason": "Berlin store sold it"}).json()
    assert moved["team"] == "berlin" and moved["owner"] is None and moved["transfers"] == 1
    event = Case.objects.get(pk=case["id"]).events.get(kind="transferred")
    assert event.data == {
        "from_owner": "alice",
        "to_owner": None,
        "from_team": "amsterdam",
        "to_team": "berlin",
        "reason": "Berlin store sold it",
    }


def test_an_owner_must_belong_to_the_team(api: ApiClient, world: World) -> None:
    case = open_case(api)
    response = api.post(f"/cases/{case['id']}/assign", {"owner": "charlie"})
    assert response.status_code == 400
    assert response.json()["field"] == "owner"
    unknown = api.post(f"/cases/{case['id']}/assign", {"owner": "nobody"})
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_user"


def test_an_agent_of_another_team_cannot_touch_the_case(api: ApiClient, world: World) -> None:
    case = open_case(api)
    outsider = ApiClient(world.charlie)
    for path, body in [
        ("assign", {"owner": "charlie"}),
        ("status", {"status": "in_progress"}),
        ("notes", {"body": "hi"}),
        ("resolve", {"category": "x", "resolution": "y"}),
        ("reopen", {"reason": "z"}),
    ]:
        response = outsider.post(f"/cases/{case['id']}/{path}", body)
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"


def test_statuses_move_only_along_the_lifecycle(api: ApiClient) -> None:
    case = open_case(api)
    assert api.post(f"/cases/{case['id']}/status", {"status": "in_progress"}).status_code == 200
    to_resolved = api.post(f"/cases/{case['id']}/status", {"status": "resolved"})
    assert to_resolved.status_code == 409 and to_resolved.json()["code"] == "invalid_transition"
    to_closed = api.post(f"/cases/{case['id']}/status", {"status": "closed"})
    assert to_closed.status_code == 409
    assert api.post(f"/cases/{case['id']}/status", {"status": "asleep"}).status_code == 422


def test_first_contact_resolution_is_lost_by_a_transfer_or_a_reopen(api: ApiClient, agent_api: ApiClient) -> None:
    quick = open_case(api, "quick")
    resolved = agent_api.post(
        f"/cases/{quick['id']}/resolve", {"category": "housekeeping", "resolution": "Room cleaned, apologised"}
    ).json()
    assert resolved["first_contact_resolution"] is True
    assert resolved["sla"]["resolution_business_minutes"] is not None
    reopened = agent_api.post(f"/cases/{quick['id']}/reopen", {"reason": "Still dirty"}).json()
    assert reopened["status"] == "in_progress" and reopened["reopens"] == 1
    assert reopened["first_contact_resolution"] is None
    again = agent_api.post(f"/cases/{quick['id']}/resolve", {"category": "housekeeping", "resolution": "Moved room"})
    assert again.json()["first_contact_resolution"] is False


def test_a_reply_within_the_reopen_window_reopens_and_after_it_opens_a_linked_case(
    api: ApiClient, agent_api: ApiClient, world: World
) -> None:
    from amends.cases.services import case_open_or_attach
    from amends.intake.models import Feedback

    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        case = open_case(api)
        agent_api.post(f"/cases/{case['id']}/resolve", {"category": "housekeeping", "resolution": "Cleaned"})
    first = Case.objects.get(pk=case["id"])

    def reply(at: datetime) -> Case:
        with time_machine.travel(at, tick=False):
            feedback = Feedback(
                customer=first.customer,
                location=world.ams,
                channel="email",
                kind="complaint",
                text="Re: still bad",
                occurred_at=at,
            )
            return case_open_or_attach(feedback=feedback, severity="medium", reply_to=first)

    within = reply(start + timedelta(days=3))
    assert within.pk == first.pk and within.reopens == 1 and within.status == "in_progress"
    with time_machine.travel(start + timedelta(days=3), tick=False):
        agent_api.post(f"/cases/{case['id']}/resolve", {"category": "housekeeping", "resolution": "Deep clean"})
    later = reply(start + timedelta(days=30))
    assert later.pk != first.pk
    assert api.get(f"/cases/{later.pk}").json()["follows"] == first.pk


def test_a_note_is_created_once_per_idempotency_key(agent_api: ApiClient, api: ApiClient) -> None:
    case = open_case(api)
    first = agent_api.post(
        f"/cases/{case['id']}/notes", {"body": "Called, left a voicemail."}, **{"Idempotency-Key": "n1"}
    )
    again = agent_api.post(
        f"/cases/{case['id']}/notes", {"body": "Called, left a voicemail."}, **{"Idempotency-Key": "n1"}
    )
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert first.json()["author"] == "alice"
    assert Case.objects.get(pk=case["id"]).events.filter(kind="note_added").count() == 1
    empty = agent_api.post(f"/cases/{case['id']}/notes", {"body": "   "})
    assert empty.status_code == 400 and empty.json()["field"] == "body"


def test_the_breaching_filter_lists_cases_past_their_due_time(api: ApiClient) -> None:
    with time_machine.travel(timezone.now() - timedelta(hours=3), tick=False):
        late = open_case(api, "late")
    fresh = open_case(api, "fresh")
    breaching = [item["id"] for item in api.get("/cases", breaching="true").json()["items"]]
    assert breaching == [late["id"]]
    assert [item["id"] for item in api.get("/cases", breaching="false").json()["items"]] == [fresh["id"]]


def test_a_duplicate_merges_with_its_feedback_and_timeline_and_closes(
    api: ApiClient, agent_api: ApiClient, world: World
) -> None:
    original = open_case(api)
    Case.objects.filter(pk=original["id"]).update(status="resolved")  # so that a second case can open
    duplicate = open_case(api)
    Case.objects.filter(pk=original["id"]).update(status="in_progress")
    merged = agent_api.post(f"/cases/{duplicate['id']}/merge", {"into": original["id"]}).json()
    assert merged["id"] == original["id"] and merged["contacts"] == 2
    gone = api.get(f"/cases/{duplicate['id']}").json()
    assert (gone["status"], gone["merged_into"]) == ("closed", original["id"])
    kept = Case.objects.get(pk=original["id"])
    assert kept.feedback.count() == 2
    assert list(kept.events.filter(kind="opened").values_list("kind", flat=True)) == ["opened", "opened"]
    assert kept.events.get(kind="merged").data == {"from": duplicate["id"]}
    again = agent_api.post(f"/cases/{duplicate['id']}/merge", {"into": original["id"]})
    assert again.status_code == 409
    other_customer = open_case(api, "cust-9")
    refused = agent_api.post(f"/cases/{other_customer['id']}/merge", {"into": original["id"]})
    assert refused.status_code == 400 and refused.json()["field"] == "into"


def test_related_cases_link_both_ways(api: ApiClient, agent_api: ApiClient) -> None:
    first, second = open_case(api, "a-1"), open_case(api, "b-2")
    linked = agent_api.post(f"/cases/{first['id']}/links", {"case": second["id"]}).json()
    assert linked["related"] == [second["id"]]
    assert api.get(f"/cases/{second['id']}").json()["related"] == [first["id"]]
    assert agent_api.post(f"/cases/{first['id']}/links", {"case": first["id"]}).status_code == 400
    assert agent_api.post(f"/cases/{first['id']}/links", {"case": 99999}).status_code == 404
