"""People: workload per team and person from the facts, overload signals for the supervisor, no ranking by
default, and nobody but supervisors and admins sees it."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from amends.analytics.people import Workload, overload_signals
from amends.analytics.services import facts_refresh
from amends.cases.models import Case
from amends.core.models import User
from amends.customers.models import Customer
from amends.followups.models import FollowUp

from .conftest import ApiClient, World

TODAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PERIOD = {"from": "2026-11-01", "to": "2026-11-22"}


def _person(name: str, open_now: int, cases: int = 10, breached: int = 0) -> Workload:
    return Workload(name, "Care", open_now, {"cases": cases, "sla_breached": breached}, days=30)


def test_overload_is_judged_against_the_persons_own_team() -> None:
    team = [_person("Ann", 20), _person("Ben", 6), _person("Cas", 7), _person("Dee", 5)]
    assert [(s.person, s.reason, s.usual) for s in overload_signals(team)] == [("Ann", "open_cases", 6.5)]
    assert overload_signals([_person("Ann", 9), _person("Ben", 2)]) == []  # fewer than ten open: no signal
    assert overload_signals([_person("Solo", 40)]) == []  # alone: nobody to compare with
    breaches = [_person("Ann", 3, cases=10, breached=5), _person("Ben", 3, cases=30, breached=3)]
    [signal] = overload_signals(breaches)
    assert (signal.person, signal.reason, signal.value, signal.usual) == ("Ann", "breaches", 0.5, 0.2)
    assert overload_signals([_person("Ann", 3, cases=10, breached=2), _person("Ben", 3, cases=30)]) == []  # 2 < 3


def _cases(world: World, owner: User, count: int, *, status: str = "in_progress", **fields: object) -> list[Case]:
    customer, _created = Customer.objects.get_or_create(external_id=f"c-{owner.username}")
    opened = datetime(2026, 11, 10, 10, tzinfo=UTC)
    return [
        Case.objects.create(customer=customer, location=world.ams, team=world.amsterdam, owner=owner, status=status,
                            created_at=opened, first_response_due_at=opened, resolution_due_at=opened, **fields)
        for _ in range(count)
    ]  # fmt: skip


@pytest.fixture
def workload(world: World) -> None:
    _cases(world, world.alice, 12)
    _cases(world, world.bob, 2)
    resolved = _cases(world, world.bob, 4, status="resolved", resolved_at=TODAY - timedelta(days=5), sla_met=False)
    for n, case in enumerate(resolved[:2]):
        FollowUp.objects.create(case=case, customer=case.customer, team=world.amsterdam, language="en", nonce=f"f{n}",
                                status="answered", resolved_at=TODAY, due_at=TODAY, remind_at=TODAY, closes_at=TODAY,
                                answered_at=TODAY, verdict="satisfied" if n == 0 else "unhappy")  # fmt: skip
    with time_machine.travel(TODAY, tick=False):
        facts_refresh()


@pytest.mark.django_db
def test_the_api_gives_workload_per_team_and_person_with_the_signals(world: World, workload: None) -> None:
    with time_machine.travel(TODAY, tick=False):
        body = ApiClient(world.bob).get("/analytics/people", **PERIOD).json()
    [team] = body["teams"]
    assert (team["name"], team["people"], team["open_now"], team["cases"], team["resolved"]) == (
        "Amsterdam care", 2, 14, 18, 4
    )  # fmt: skip
    assert (team["sla_breached"], team["follow_ups_answered"], team["follow_ups_satisfied"]) == (4, 2, 1)
    assert [p["open_now"] for p in body["persons"]] == [12, 2]  # alphabetical, not ranked: alice, then bob
    assert body["persons"][0]["per_day"] == pytest.approx(12 / 22)
    signals = [(s["person"], s["reason"], s["value"], s["usual"]) for s in body["signals"]]
    assert signals == [
        ("alice", "open_cases", 12.0, 7.0),
        ("bob", "breaches", pytest.approx(4 / 6), pytest.approx(4 / 18)),
    ]


@pytest.mark.django_db
def test_only_supervisors_and_admins_see_people(world: World, workload: None) -> None:
    for agent in (world.alice, world.charlie):
        response = ApiClient(agent).get("/analytics/people", **PERIOD)
        assert response.status_code == 403 and response.json()["code"] == "forbidden"
    client = Client()
    client.force_login(world.alice)
    assert client.get("/analytics/people/").status_code == 403
    with time_machine.travel(TODAY, tick=False):
        assert ApiClient(world.admin).get("/analytics/people", **PERIOD).json()["teams"][0]["cases"] == 18


@pytest.mark.django_db
def test_the_page_shows_teams_by_default_and_persons_on_request(world: World, workload: None) -> None:
    client = Client()
    client.force_login(world.bob)  # reads German
    with time_machine.travel(TODAY, tick=False):
        default = client.get("/analytics/people/", {"since": "2026-11-01", "until": "2026-11-22"}).content.decode()
        persons = client.get("/analytics/people/", {"since": "2026-11-01", "until": "2026-11-22", "persons": "on"})
    assert "Amsterdam care" in default and "<h2>Pro Person</h2>" not in default
    assert "Könnte jemand die Last teilen?" in default  # the signal, in the supervisor's language
    text = persons.content.decode()
    assert "<h2>Pro Person</h2>" in text and text.index("<td>alice") < text.index("<td>bob")
