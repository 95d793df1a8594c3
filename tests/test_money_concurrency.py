"""Spending limits hold when offers and approvals arrive at the same moment: each runs in its own thread with its
own database connection, as gunicorn workers would. PostgreSQL only (SQLite serialises every write anyway)."""

import json
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client

from amends.compensation.models import AuthorityLimit, LedgerEntry, Offer, TeamBudget
from amends.compensation.services import offer_choose
from amends.core.services import api_token_create
from amends.notifications.models import Notification

from .conftest import ApiClient, World, negative_survey

pytestmark = pytest.mark.django_db(transaction=True)

TIMES = 10


@pytest.fixture(autouse=True)
def postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL; SQLite runs one write transaction at a time")


def at_once(work: Callable[[int], Any], times: int = TIMES) -> list[Any]:
    """Run work(0..times-1) in as many threads, released together; each thread closes its own connection."""
    start, results = threading.Barrier(times), [None] * times

    def run(n: int) -> None:
        try:
            start.wait()
            results[n] = work(n)
        finally:
            connections.close_all()  # this thread's connection only

    threads = [threading.Thread(target=run, args=(n,)) for n in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def token_client(user: Any) -> Callable[[], Client]:
    token = api_token_create(user=user)
    return lambda: Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def post(client: Client, path: str, body: dict) -> Any:
    return client.post(f"/api/v1{path}", json.dumps(body), content_type="application/json")


def voucher(amount: str) -> dict:
    return {"alternatives": [{"type": "voucher", "amount": amount, "currency": "EUR"}], "reason": "Cold room"}


def test_ten_simultaneous_offers_never_pass_the_agents_day_limit(world: World, api: ApiClient) -> None:
    AuthorityLimit.objects.create(role="agent", per_case=Decimal("200"), per_day=Decimal("500"))
    cases = [api.post("/feedback", negative_survey(f"race-{n}")).json()["case"]["id"] for n in range(TIMES)]
    alice = token_client(world.alice)

    answers = at_once(lambda n: post(alice(), f"/cases/{cases[n]}/offers", voucher("150")))

    assert [answer.status_code for answer in answers] == [201] * TIMES
    statuses = sorted(answer.json()["status"] for answer in answers)
    assert statuses.count("offered") == 3, statuses  # 3 x 150 = 450; a fourth would be 600 > 500
    assert statuses.count("pending_approval") == 7


def test_simultaneous_approvals_never_pass_the_approvers_day_limit(world: World, api: ApiClient) -> None:
    AuthorityLimit.objects.create(role="agent", per_case=Decimal("100"))
    AuthorityLimit.objects.create(role="supervisor", per_case=Decimal("2000"), per_day=Decimal("500"))
    cases = [api.post("/feedback", negative_survey(f"approve-{n}")).json()["case"]["id"] for n in range(TIMES)]
    alice, bob = ApiClient(world.alice), token_client(world.bob)
    offers = [alice.post(f"/cases/{case}/offers", voucher("150")).json() for case in cases]
    assert {offer["status"] for offer in offers} == {"pending_approval"}

    decision = {"decision": "approve", "comment": "Fair"}
    answers = at_once(lambda n: post(bob(), f"/offers/{offers[n]['id']}/decision", decision))

    assert [answer.status_code for answer in answers] == [200] * TIMES
    sent = [answer.json() for answer in answers if answer.json()["status"] == "offered"]
    assert len(sent) == 3 and {offer["approved_by"] for offer in sent} == {"bob"}
    passed_up = [answer.json() for answer in answers if answer.json()["status"] == "pending_approval"]
    assert len(passed_up) == 7 and {offer["approver_role"] for offer in passed_up} == {"admin"}


def test_simultaneous_choices_warn_the_team_once_when_the_budget_passes_80_percent(
    world: World, api: ApiClient
) -> None:
    AuthorityLimit.objects.create(role="agent", per_case=Decimal("200"))
    TeamBudget.objects.create(team=world.amsterdam, per_month=Decimal("1000"))
    cases = [api.post("/feedback", negative_survey(f"budget-{n}")).json()["case"]["id"] for n in range(TIMES)]
    alice = ApiClient(world.alice)
    made = [alice.post(f"/cases/{case}/offers", voucher("100")).json() for case in cases]
    assert {offer["status"] for offer in made} == {"offered"}
    offers = list(Offer.objects.filter(pk__in=[offer["id"] for offer in made]))

    at_once(lambda n: offer_choose(offer=offers[n], position=1))

    assert LedgerEntry.objects.filter(team=world.amsterdam).count() == TIMES
    assert Notification.objects.filter(recipient=world.bob, kind="budget_warning").count() == 1
