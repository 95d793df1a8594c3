"""The customer on one page: one timeline of interactions, feedback, cases, notes and messages, for their teams."""

import pytest
from django.test import Client

from amends.cases.models import Case
from amends.cases.services import case_add_note, case_message_send, case_resolve

from .conftest import ApiClient, World, negative_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(api: ApiClient, world: World) -> Case:
    api.post(
        "/interactions",
        {
            "external_id": "stay-1",
            "customer": {"external_id": "cust-1", "name": "Anna de Vries"},
            "location": "ams",
            "kind": "stay",
            "occurred_at": "2026-11-01T12:00:00Z",
        },
    )
    first = Case.objects.get(pk=api.post("/feedback", negative_survey()).json()["case"]["id"])
    case_add_note(case=first, body="Prefers a call in the evening.", by=world.alice)
    case_message_send(case=first, by=world.alice, template="apologise")
    case_resolve(case=first, category="cleanliness", resolution="New room and breakfast", by=world.alice)
    second = api.post("/feedback", negative_survey(text="Weer een vieze kamer.")).json()["case"]["id"]
    return Case.objects.get(pk=second)


def test_the_whole_history_is_one_timeline_newest_first(api: ApiClient, history: Case) -> None:
    body = ApiClient(history.team.members.get(username="alice")).get("/customers/cust-1").json()
    assert body["name"] == "Anna de Vries" and body["open_case"] == history.pk
    assert body["counts"] == {
        "interactions": 1,
        "feedback": 2,
        "cases": 2,
        "recovered": 1,
        "gestures": 0,
        "incidents": 0,
    }
    kinds = [item["kind"] for item in body["timeline"]]
    assert sorted(set(kinds)) == ["case", "feedback", "interaction", "message", "note"]
    times = [item["at"] for item in body["timeline"]]
    assert times == sorted(times, reverse=True)
    note = next(item for item in body["timeline"] if item["kind"] == "note")
    assert (note["detail"], note["author"]) == ("Prefers a call in the evening.", "alice")
    recovered = [item for item in body["timeline"] if item["kind"] == "case" and "New room" in item["detail"]]
    assert len(recovered) == 1  # how the earlier failure was recovered, so nobody asks twice


def test_an_agent_of_another_team_does_not_see_the_customer(history: Case, world: World) -> None:
    response = ApiClient(world.charlie).get("/customers/cust-1")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    client = Client()
    client.force_login(world.charlie)
    assert client.get("/customers/cust-1/").status_code == 404


def test_the_customer_page_shows_notes_and_links_the_open_case(history: Case, world: World) -> None:
    client = Client()
    client.force_login(world.alice)
    page = client.get("/customers/cust-1/").content.decode()
    assert "Prefers a call in the evening." in page
    assert f'href="/cases/{history.pk}/"' in page
    assert 'href="/customers/cust-1/"' in client.get(f"/cases/{history.pk}/").content.decode()
