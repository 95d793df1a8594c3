"""Personas and shared fixtures.

Alice is an agent of the Amsterdam team, Bob her supervisor (Amsterdam and Berlin), Admin sees every team,
and Charlie is an agent of another team who must see nothing of Amsterdam's.
"""

import json
import os
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.db import connections
from django.test import Client

from amends.cases.services import categories_seed
from amends.core.enums import Role
from amends.core.models import Location, Team, User
from amends.core.services import api_token_create, location_create, user_create
from amends.core.testing import launch_chromium

SCREENSHOTS = Path(os.environ.get("AMENDS_SCREENSHOTS", "screenshots-tmp"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("REDIS_URL"):
        return
    skip = pytest.mark.skip(reason="the Redis queue runs in `make test-redis` (REDIS_URL set)")
    for item in items:
        if "redis" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def fast_password_hasher(settings: Any) -> None:
    """Personas log in for real, but tests need not pay for a production-strength hash."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class World:
    amsterdam: Team
    berlin: Team
    other: Team
    ams: Location
    ber: Location
    alice: User
    bob: User
    admin: User
    charlie: User


@pytest.fixture
def world(db: None) -> World:
    return world_create()


def world_create() -> World:
    """The personas and their teams; also for module-scoped worlds (tests/test_persona_matrix.py)."""
    categories_seed()  # a transactional test before this one emptied the tables the migrations filled
    amsterdam = Team.objects.create(slug="amsterdam", name="Amsterdam care", email="amsterdam@example.com")
    berlin = Team.objects.create(slug="berlin", name="Berlin care")
    other = Team.objects.create(slug="other", name="Other team")
    return World(
        amsterdam=amsterdam,
        berlin=berlin,
        other=other,
        ams=location_create(
            code="ams", name="Hotel Amsterdam", country="NL", timezone_name="Europe/Amsterdam", team=amsterdam
        ),
        ber=location_create(code="ber", name="Berlin store", country="DE", timezone_name="Europe/Berlin", team=berlin),
        alice=user_create(
            username="alice", password="alice-pass-123", role=Role.AGENT, teams=[amsterdam], email="alice@example.com"
        ),
        bob=user_create(
            username="bob",
            password="bob-pass-123",
            role=Role.SUPERVISOR,
            teams=[amsterdam, berlin],
            email="bob@example.com",
            language="de",
        ),
        admin=user_create(username="admin", password="admin-pass-123", role=Role.ADMIN, email="admin@example.com"),
        charlie=user_create(
            username="charlie", password="charlie-pass-123", role=Role.AGENT, teams=[other], email="charlie@example.com"
        ),
    )


class ApiClient:
    """A JSON client acting with one user's API token."""

    def __init__(self, user: User):
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user)}")

    def post(self, path: str, body: Any, **headers: str):
        data = body if isinstance(body, str) else json.dumps(body)
        return self.client.post(f"/api/v1{path}", data, content_type="application/json", headers=headers)

    def get(self, path: str, **params: Any):
        return self.client.get(f"/api/v1{path}", params)

    def put(self, path: str, body: Any, **headers: str):
        return self.client.put(f"/api/v1{path}", json.dumps(body), content_type="application/json", headers=headers)


@pytest.fixture
def api(world: World) -> ApiClient:
    """An integration acting as the admin (e.g. a survey tool)."""
    return ApiClient(world.admin)


def negative_survey(external_id: str = "cust-1", **overrides: Any) -> dict:
    body: dict[str, Any] = {
        "customer": {
            "external_id": external_id,
            "name": "Anna de Vries",
            "email": "anna@example.com",
            "language": "nl",
        },
        "location": "ams",
        "channel": "survey",
        "kind": "survey",
        "scores": {"nps": 3},
        "text": "De kamer was niet schoon en niemand reageerde.",
    }
    body.update(overrides)
    return body


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Mailbox:
    messages: list[Any]


class _Collector:
    def __init__(self, box: Mailbox):
        self.box = box

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        from email import message_from_bytes, policy

        message = message_from_bytes(envelope.content, policy=policy.default)
        self.box.messages.append(message)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[Mailbox]:
    """A real SMTP server on loopback; Django's SMTP backend sends to it."""
    box = Mailbox(messages=[])
    port = free_port()
    controller = Controller(_Collector(box), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture(autouse=True)
def fresh_process_caches() -> Iterator[None]:
    """Each test starts as a new web process would: nothing remembered from the last one."""
    from amends.cases.selectors import _categories, _playbooks, _policies
    from amends.core.services import _token_users
    from amends.customers.services import _locations

    yield
    _token_users.clear()
    _locations.clear()
    _policies.clear()
    _playbooks.clear()
    _categories.clear()


@pytest.fixture
def chromium() -> Iterator[Any]:
    """Debian's Chromium through Playwright; make pages with `chromium.new_context(...).new_page()`."""
    if shutil.which("chromium") is None:
        pytest.fail("Debian's chromium is required for browser tests: apt-get install chromium")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls in the test are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            yield browser
        finally:
            # ORM calls made while Playwright's loop runs get their own connection (Django keeps connections per
            # context there); close it, or PostgreSQL cannot drop the test database afterwards.
            connections.close_all()
            browser.close()
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    """A desktop-sized page."""
    context = chromium.new_context(locale="en-GB", viewport={"width": 1280, "height": 800})
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def phone_page(chromium: Any) -> Iterator[Any]:
    """A phone-sized page (an iPhone 12's viewport, touch, a German browser)."""
    context = chromium.new_context(
        locale="de-DE",
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture(autouse=True)
def fresh_rules_cache() -> Iterator[None]:
    from amends.intake.verdict import forget_rules

    yield
    forget_rules()


INCIDENT_PEOPLE = [  # (customer, language, region, email)
    ("c-nl", "nl", "North", "anna@example.com"),
    ("c-de", "de", "North", "jonas@example.com"),
    ("c-fr", "fr", "North", "claire@example.com"),
    ("c-none", "nl", "North", ""),
    ("c-south", "nl", "South", "zuid@example.com"),
]


@pytest.fixture
def deliveries(api: ApiClient) -> None:
    """Two deliveries to each customer, in region North but one."""
    for n, (customer, language, region, email) in enumerate(INCIDENT_PEOPLE):
        for k in range(2):  # two deliveries each: still one message per customer
            body = {
                "external_id": f"d-{n}-{k}",
                "customer": {"external_id": customer, "name": customer.upper(), "language": language, "email": email},
                "location": "ams",
                "kind": "delivery",
                "occurred_at": f"2026-11-2{k}T10:00:00+01:00",
                "attributes": {"region": region, "status": "delayed"},
            }
            assert api.post("/interactions", body).status_code == 201
