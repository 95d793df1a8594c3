"""Doors and locks: login throttling on both login pages, failed API tokens throttled per address, a
Content-Security-Policy on every page, the API docs from our own files, and the survey page rate-limited."""

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from amends.core.services import api_token_create
from amends.customers.models import Customer
from amends.surveys.models import Survey
from amends.surveys.services import invitation_create, survey_token

from .conftest import ApiClient, World, negative_survey
from .test_api_amends import offer

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.66"
LIMIT = 10  # AMENDS_LOGIN_FAILURE_LIMIT's default


@pytest.fixture(autouse=True)
def fresh_counts() -> Any:
    cache.clear()  # the API-token and page counters live in the shared cache
    yield
    cache.clear()


def log_in(client: Client, password: str, *, path: str = "/login/", username: str = "alice", ip: str = ATTACKER):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_ten_wrong_passwords_lock_the_account_from_that_address_and_then_the_right_one_is_refused_too(
    world: World,
) -> None:
    client = Client()
    for _ in range(LIMIT - 1):
        wrong = log_in(client, "guess")
        assert wrong.status_code == 200 and "Please enter a correct username and password" in wrong.content.decode()
    locked = log_in(client, "guess")
    assert locked.status_code == 429
    assert locked["Retry-After"] == str(15 * 60)
    page = locked.content.decode()
    # The login page itself, styled, with the reason next to the form; not a bare text.
    assert '<section class="card narrow">' in page and 'id="id_username"' in page
    assert "Too many failed attempts to log in to this account from your connection" in page
    assert "wait 15 minutes" in page and "Content-Security-Policy" in locked.headers

    right = log_in(client, "alice-pass-123")
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session  # not logged in

    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        later = log_in(Client(), "alice-pass-123")
    assert later.status_code == 302 and later["Location"] == "/"


def test_one_attacker_does_not_lock_the_real_user_out_from_elsewhere(world: World) -> None:
    for _ in range(LIMIT):
        log_in(Client(), "guess")
    assert log_in(Client(), "alice-pass-123").status_code == 429  # from the attacker's address
    assert log_in(Client(), "alice-pass-123", ip="198.51.100.7").status_code == 302  # alice at her desk
    assert log_in(Client(), "bob-pass-123", username="bob").status_code == 302  # another account from there


def test_behind_a_proxy_the_lock_follows_the_client_address_the_proxy_saw(world: World, settings: Any) -> None:
    settings.AMENDS_TRUSTED_PROXIES = 1
    proxy = "10.0.0.2"

    def via_proxy(client_address: str, password: str):  # type: ignore[no-untyped-def]
        return Client().post(
            "/login/",
            {"username": "alice", "password": password},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=f"1.2.3.4, {client_address}",  # the left part is the client's own claim
        )

    for _ in range(LIMIT):
        via_proxy(ATTACKER, "guess")
    assert via_proxy(ATTACKER, "alice-pass-123").status_code == 429
    assert via_proxy("198.51.100.7", "alice-pass-123").status_code == 302  # same proxy, another client


def test_a_successful_login_clears_the_count_of_failures(world: World) -> None:
    for _ in range(LIMIT - 1):
        log_in(Client(), "typo")
    assert log_in(Client(), "alice-pass-123").status_code == 302
    for _ in range(LIMIT - 1):
        assert log_in(Client(), "typo").status_code == 200  # counted from zero again


def test_the_back_office_login_locks_the_same_way_with_its_own_page(world: World) -> None:
    for _ in range(LIMIT - 1):
        assert log_in(Client(), "guess", path="/admin/login/", username="admin").status_code == 200
    locked = log_in(Client(), "guess", path="/admin/login/", username="admin")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert 'id="login-form"' in page and '<p class="errornote">' in page
    assert "Too many failed attempts to log in to this account" in page
    right = log_in(Client(), "admin-pass-123", path="/admin/login/", username="admin")
    assert right.status_code == 429
    # the same account's lock holds on the other door too
    assert log_in(Client(), "admin-pass-123", username="admin").status_code == 429


def test_the_lockout_message_speaks_the_users_language(world: World) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="nl")
    for _ in range(LIMIT):
        response = log_in(client, "guess")
    assert response.status_code == 429
    assert "Te veel mislukte pogingen" in response.content.decode()


def test_after_twenty_unknown_api_tokens_an_address_is_refused_with_429_until_the_window_passes(world: World) -> None:
    valid = api_token_create(user=world.admin)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for n in range(20):
            wrong = Client().get("/api/v1/cases", HTTP_AUTHORIZATION=f"Bearer guess-{n}", REMOTE_ADDR=ATTACKER)
            assert wrong.status_code == 401
        refused = Client().get("/api/v1/cases", HTTP_AUTHORIZATION=f"Bearer {valid}", REMOTE_ADDR=ATTACKER)
        assert refused.status_code == 429  # even a right token: a good guess must not stand out from a bad one
        assert refused.json()["code"] == "rate_limited" and refused.json()["field"] is None
        assert 1 <= int(refused["Retry-After"]) <= 600
        elsewhere = Client().get("/api/v1/cases", HTTP_AUTHORIZATION=f"Bearer {valid}", REMOTE_ADDR="198.51.100.7")
        assert elsewhere.status_code == 200
        traveller.shift(int(refused["Retry-After"]))
        again = Client().get("/api/v1/cases", HTTP_AUTHORIZATION=f"Bearer {valid}", REMOTE_ADDR=ATTACKER)
        assert again.status_code == 200


def test_valid_api_tokens_are_never_counted_as_failures(world: World) -> None:
    valid = api_token_create(user=world.admin)
    for _ in range(30):
        assert Client().get("/api/v1/cases", HTTP_AUTHORIZATION=f"Bearer {valid}").status_code == 200


def test_the_survey_page_is_rate_limited_like_the_offer_and_follow_up_pages(world: World) -> None:
    Survey.objects.create(slug="stay", name="After your stay", location=world.ams)
    codes = [Client().get(f"/s/guess-{n}/", REMOTE_ADDR=ATTACKER).status_code for n in range(60)]
    assert codes == [404] * 30 + [429] * 30
    refused = Client().get("/s/guess-61/", REMOTE_ADDR=ATTACKER)
    assert "Please wait a moment" in refused.content.decode() and int(refused["Retry-After"]) >= 1
    customer = Customer.objects.create(external_id="guest-1", email="lotte@example.nl", language="nl")
    path = f"/s/{survey_token(invitation_create(survey=Survey.objects.get(), customer=customer))}/"
    assert Client().get(path, REMOTE_ADDR="198.51.100.7").status_code == 200  # another address is not held up


def content_security_policy(response: Any) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_every_kind_of_page_carries_the_content_security_policy(world: World) -> None:
    admin = ApiClient(world.admin)
    case_id = admin.post("/feedback", negative_survey()).json()["case"]["id"]
    assert admin.put("/authority-limits", {"role": "agent", "per_case": "200"}).status_code == 200
    choice_url = offer(ApiClient(world.alice), case_id, "50").json()["choice_url"]
    staff = Client()
    staff.force_login(world.bob)
    pages = {
        "login": Client().get("/login/"),
        "inbox": staff.get("/"),
        "case": staff.get(f"/cases/{case_id}/"),
        "learn": staff.get("/analytics/"),
        "complaint form": Client().get("/c/ams"),
        "offer link": Client().get(choice_url.removeprefix("http://127.0.0.1:8000")),
        "back office": staff.get("/admin/"),
        "api docs": Client().get("/api/docs"),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        policy = content_security_policy(response)
        assert policy["default-src"] == ["'self'"], name
        assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"], name
        assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"], name
    # The poster keeps its own, stricter policy.
    poster = staff.get("/locations/ams/poster.svg")
    assert poster["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"


def test_the_api_docs_load_swagger_from_our_own_static_files(world: World) -> None:
    page = Client().get("/api/docs").content.decode()
    assert "cdn.jsdelivr.net" not in page and "https://" not in page
    assert "/static/ninja/swagger-ui-bundle.js" in page and "/static/ninja/swagger-ui.css" in page
    assert finders.find("ninja/swagger-ui-bundle.js")  # collectstatic ships it with ours
