"""Every API operation and every page, sent as every persona, answers as tests/permissions_table.py decides.

The cases come from the OpenAPI document and the URL configuration themselves, so an endpoint or page added without
a decision fails here. Each case runs against a small world of Amsterdam's: customers, feedback, cases (one open
with an offer waiting for approval, one with a chosen offer on the ledger, one resolved with its follow-up), a task,
an incident, a survey invitation, a customer at risk, a saved view, a photo and a signed webhook source.
"""

import json
import operator
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.test import Client
from django.test.utils import override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from amends.analytics.services import facts_refresh
from amends.cases.services import case_resolve, saved_view_save
from amends.compensation.selectors import choice_token
from amends.compensation.services import AlternativeData, authority_limit_set, offer_choose, offer_make
from amends.config.api import api
from amends.core.models import User
from amends.core.services import api_token_create, calendar_create, integration_account_ensure, location_create
from amends.customers.services import CustomerData, interaction_record
from amends.followups.enums import FollowUpStatus
from amends.followups.models import CaseTask, FollowUp
from amends.followups.services import follow_up_token
from amends.incidents.services import Cohort, incident_create
from amends.intake.channels.webhook import signing
from amends.intake.detection import Scores
from amends.intake.models import WebhookSource
from amends.intake.services import AttachmentInput, FeedbackInput, feedback_attach, feedback_submit
from amends.surveys.models import Survey
from amends.surveys.services import invitation_create, survey_token

from .conftest import World, world_create
from .permissions_table import ALLOWED, API, API_PERSONAS, MESSAGES, PAGES, PERSONAS, Decision, Rule

NOT_THROUGH = (401, 403, 404)
PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")  # a route's <int:case_id>
BRACED = re.compile(r"{(\w+)}")  # the OpenAPI document's {case_id}


# --- What exists: the OpenAPI document and the URL configuration -----------------------------------------------


def api_operations() -> list[tuple[str, str]]:
    paths = api.get_openapi_schema()["paths"]
    return sorted((method.upper(), path) for path, operations in paths.items() for method in operations)


@dataclass(frozen=True)
class Route:
    key: str  # "namespace:name", or the route where it has no name
    route: str  # "cases/<int:case_id>/take/"


def routes(resolver: URLResolver | None = None, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace or "") if part)
            yield from routes(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            if entry.name is None:
                yield Route(key=route, route=route)
            else:
                yield Route(key=f"{namespace}:{entry.name}" if namespace else entry.name, route=route)


def is_back_office(route: Route) -> bool:
    return route.route.startswith("admin/")


def is_api_operation(route: Route) -> bool:
    return route.route.startswith("api/v1/")


def pages() -> list[Route]:
    return [route for route in routes() if not (is_back_office(route) or is_api_operation(route))]


OPERATIONS = api_operations()
PAGE_ROUTES = pages()


def test_every_api_operation_has_a_permission_decision_and_every_decision_an_operation() -> None:
    missing = [f"{method} {path}" for method, path in OPERATIONS if (method, path) not in API]
    stale = [f"{method} {path}" for method, path in API if (method, path) not in OPERATIONS]
    assert not missing, f"Decide who may call these, in tests/permissions_table.py (API): {missing}"
    assert not stale, f"These rows name operations that no longer exist: {stale}"


def test_every_page_has_a_permission_decision_and_every_decision_a_page() -> None:
    keys = [route.key for route in PAGE_ROUTES]
    missing = [key for key in keys if key not in PAGES]
    stale = [key for key in PAGES if key not in keys]
    assert not missing, f"Decide who may open these, in tests/permissions_table.py (PAGES): {missing}"
    assert not stale, f"These rows name pages that no longer exist: {stale}"
    assert len(keys) == len(set(keys)), "two pages share a name: the table could not tell them apart"


def test_every_url_under_the_api_is_an_operation_of_the_openapi_document() -> None:
    """An endpoint left out of the OpenAPI document would escape the matrix."""
    documented = {path for _method, path in OPERATIONS}
    urls = {"/" + PARAMETER.sub(r"{\1}", route.route) for route in routes() if is_api_operation(route)}
    assert urls == documented


# --- The world ---------------------------------------------------------------------------------------------------

WEBHOOK_SECRET = "whsec-matrix-0123456789"
WEBHOOK_MAPPING = {
    "external_ref": "id",
    "customer.external_id": "author.id",
    "customer.name": "author.name",
    "text": "review.body",
    "scores.csat": "review.stars",
    "kind": {"value": "survey"},
}
PHOTO = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@dataclass
class Matrix:
    users: dict[str, User]
    tokens: dict[str, str]
    values: dict[str, Any]


def _complaint(external_id: str, name: str, when: Any) -> FeedbackInput:
    return FeedbackInput(
        customer=CustomerData(external_id=external_id, name=name, email=f"{external_id}@example.com", language="en"),
        location_code="ams", channel="survey", kind="survey", scores=Scores(nps=2),
        text="The room was not cleaned.", occurred_at=when,
    )  # fmt: skip


def matrix_world(world: World) -> Matrix:
    now = timezone.now()
    location_create(code="oth", name="Other office", country="NL", timezone_name="Europe/Amsterdam", team=world.other)
    calendar = calendar_create(name="Matrix hours", timezone_name="Europe/Amsterdam")
    for role, per_case in (("agent", "100"), ("supervisor", "1000")):
        authority_limit_set(role=role, user=None, per_case=Decimal(per_case), per_day=None, per_month=None,
                            currency="EUR", by=world.admin)  # fmt: skip
    feedback, case = feedback_submit(_complaint("mx-anna", "Anna Matrix", now))
    _bram_feedback, case2 = feedback_submit(_complaint("mx-bram", "Bram Matrix", now))
    _carla_feedback, resolved = feedback_submit(_complaint("mx-carla", "Carla Matrix", now))
    assert case and case2 and resolved
    case_resolve(case=resolved, category="cleanliness", resolution="Cleaned", by=world.bob, override_reason="world")
    follow_up = FollowUp.objects.get(case=resolved)
    FollowUp.objects.filter(pk=follow_up.pk).update(status=FollowUpStatus.SENT)  # as the sweeper leaves it
    pending = offer_make(case=case, alternatives=[AlternativeData("voucher", Decimal("150"), "EUR", "")],
                         reason="The room", by=world.alice)  # fmt: skip
    given = offer_make(case=case2, alternatives=[AlternativeData("voucher", Decimal("20"), "EUR", "")],
                       reason="The room", by=world.alice)  # fmt: skip
    entry = offer_choose(offer=given, position=1)
    task = CaseTask.objects.create(case=case, owner=world.alice, created_by=world.alice, note="Call Anna back",
                                   due_at=now - timedelta(hours=1), created_at=now - timedelta(hours=2))  # fmt: skip
    incident = incident_create(title="Matrix outage", cohort=Cohort("ams", None, None, {}), messages=MESSAGES,
                               by=world.bob)  # fmt: skip
    dirk = CustomerData(external_id="mx-dirk", name="Dirk Matrix", email="mx-dirk@example.com", language="en")
    interaction = interaction_record(external_id="mx-parcel", customer=dirk, location_code="ams", kind="delivery",
                                     occurred_at=now - timedelta(days=1), attributes={"status": "delayed"},
                                     by=None)  # fmt: skip
    survey = Survey.objects.create(slug="mx-stay", name="After your stay", location=world.ams)
    invitation = invitation_create(survey=survey, customer=interaction.customer)
    view = saved_view_save(user=world.alice, name="Open", query="view=team")
    attachment = feedback_attach(feedback=feedback, upload=AttachmentInput(
        name="photo.png", content=ContentFile(PHOTO), content_type="image/png", size=len(PHOTO)))  # fmt: skip
    WebhookSource.objects.create(slug="mx-reviews", name="Reviews", secret=WEBHOOK_SECRET, location=world.ams,
                                 mapping=WEBHOOK_MAPPING)  # fmt: skip
    facts_refresh()  # the learning pages read the worker's facts
    users = {"alice": world.alice, "bob": world.bob, "admin": world.admin, "charlie": world.charlie,
             "integration": integration_account_ensure("mx-pms")}  # fmt: skip
    values = {
        "case_id": case.pk, "case2_id": case2.pk, "feedback_id": feedback.pk, "offer_id": pending.pk,
        "entry_id": entry.pk, "task_id": task.pk, "incident_id": incident.pk, "calendar_id": calendar.pk,
        "view_id": view.pk, "attachment_id": attachment.pk, "external_id": "mx-anna", "step": "acknowledge",
        "source": "mx-reviews", "code": "ams", "table": "pareto",
        "survey_token": survey_token(invitation), "offer_token": choice_token(given),
        "follow_up_token": follow_up_token(follow_up), "forged_token": "x" * 40,
        "dirk_external_id": "mx-dirk", "carla_external_id": "mx-carla", "survey_slug": "mx-stay",
        # What Amsterdam's people see and charlie must not:
        "anna_name": "Anna Matrix", "dirk_name": "Dirk Matrix", "bram_external_id": "mx-bram",
        "task_note": "Call Anna back", "ams_location_name": "Hotel Amsterdam", "team_slug": "amsterdam",
        "sign": lambda raw: signing.sign(WEBHOOK_SECRET, int(timezone.now().timestamp()), raw),
    }  # fmt: skip
    assert pending.status == "pending_approval" and pending.approver_role == "supervisor"
    return Matrix(users=users, tokens={name: api_token_create(user=user) for name, user in users.items()},
                  values=values)  # fmt: skip


@pytest.fixture(scope="module")
def built(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matrix]:
    """The world, built once for the module inside a transaction that is rolled back at its end; each test runs
    in a savepoint of its own (pytest-django's), so what one request changes is gone for the next."""
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media"), PASSWORD_HASHERS=hashers),
        transaction.atomic(),
    ):
        yield matrix_world(world_create())
        transaction.set_rollback(True)


@pytest.fixture
def matrix(built: Matrix, db: None) -> Matrix:
    return built


# What a refused request must leave as it was: every table's row count, and the rows a request could change.
WATCHED = ("cases.Case", "customers.Customer", "compensation.Offer", "compensation.LedgerEntry", "followups.CaseTask",
           "incidents.Incident", "cases.SavedView", "core.Location", "compensation.AuthorityLimit",
           "surveys.Invitation", "followups.FollowUp", "core.User")  # fmt: skip


def world_state() -> list[Any]:
    """In raw SQL: a few queries, because it runs before and after every refused request."""
    tables = [model._meta.db_table for model in apps.get_models() if model.__module__.startswith("amends.")]
    counts = ", ".join(f"(SELECT COUNT(*) FROM {connection.ops.quote_name(table)})" for table in tables)
    watched = [apps.get_model(label) for label in WATCHED]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts}")
        state: list[Any] = [cursor.fetchone()]
        for model in watched:
            columns = [f.column for f in model._meta.concrete_fields if f.column not in ("last_login",)]
            cursor.execute(
                f"SELECT {', '.join(map(connection.ops.quote_name, columns))} "
                f"FROM {connection.ops.quote_name(model._meta.db_table)} ORDER BY 1"
            )
            state.append(cursor.fetchall())
    return state


# --- Sending --------------------------------------------------------------------------------------------------


def fill(route: str, rule: Rule, values: dict[str, Any], overrides: dict[str, str] | None = None) -> str:
    names = {**rule.path, **(overrides or {})}
    return PARAMETER.sub(lambda found: str(values[names.get(found.group(1), found.group(1))]), route)


def call_api(matrix: Matrix, persona: str, method: str, path: str, rule: Rule) -> HttpResponse:
    values = matrix.values
    url = BRACED.sub(r"<\1>", path)  # {case_id} -> <case_id>, then filled like a route
    url = fill(url, rule, values)
    raw = json.dumps(rule.body(values)).encode() if rule.body else b""
    headers = rule.headers(values, raw) if rule.headers else {}
    if persona != "anonymous":
        headers["Authorization"] = f"Bearer {matrix.tokens[persona]}"
    client = Client()
    if method == "GET":
        return client.get(url, dict(rule.query), headers=headers)
    return client.generic(method, url, raw, content_type="application/json", headers=headers)


def call_page(matrix: Matrix, persona: str, route: Route, rule: Rule, **overrides: str) -> HttpResponse:
    client = Client()
    if persona != "anonymous":
        client.force_login(matrix.users[persona])
    url = "/" + fill(route.route, rule, matrix.values, overrides)
    body = rule.body(matrix.values) if rule.body else {}
    if rule.method == "GET":
        return client.get(url, {**rule.query, **body})
    return client.post(url, body)


# --- Judging --------------------------------------------------------------------------------------------------


def statuses(response: HttpResponse, batch: bool) -> list[int]:
    """The status each thing asked for got: a batch's items each have their own."""
    if batch and response.status_code == 200:
        return [item["status"] for item in response.json()["items"]]
    return [response.status_code]


def text_of(response: HttpResponse) -> str:
    if getattr(response, "streaming", False):
        return ""
    return response.content.decode(errors="replace")


def judge(rule: Rule, persona: str, response: HttpResponse, *, batch: bool, page: bool, unchanged: bool) -> None:
    status = response.status_code
    shown = f"{persona} got {status}: {text_of(response)[:300]}"
    assert status < 500, shown
    if persona == "anonymous" and rule.decision != Decision.PUBLIC:
        if page:
            assert status == 302 and response["Location"].startswith(resolve_url(settings.LOGIN_URL)), shown
        else:
            assert status == 401, shown
        return
    if persona in ALLOWED[rule.decision]:
        if rule.expect is not None:
            assert status == rule.expect, shown
        else:
            assert not set(statuses(response, batch)) & set(NOT_THROUGH), shown
        if page and 300 <= status < 400:
            assert rule.expect or not response["Location"].startswith(resolve_url(settings.LOGIN_URL)), shown
        return
    if rule.ignores_unseen and status < 400:
        assert unchanged, f"{persona} was refused with {status}, yet something changed"
        return
    assert all(code in rule.refusals for code in statuses(response, batch)), shown
    assert unchanged, f"{persona} was refused, yet something changed"


def judge_marker(rule: Rule, persona: str, values: dict[str, Any], response: HttpResponse) -> None:
    if rule.marker is None or persona == "anonymous":
        return
    text = values[rule.marker]
    if persona in rule.seers:
        assert text in text_of(response), f"{persona} should see {text!r} here"
    if persona in rule.blind:
        assert text not in text_of(response), f"{persona} must not see {text!r} here"


KEY = operator.attrgetter("key")


def cases(
    things: list[Any], rule_of: Callable[[Any], Rule | None], name_of: Callable[[Any], str], personas: tuple[str, ...]
) -> list[Any]:
    """One test case per thing and persona; a persona the row targets is expected to fail (strict)."""
    found = []
    for thing in things:
        rule = rule_of(thing)
        for persona in personas:
            reason = rule.target.get(persona) if rule else None
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            found.append(pytest.param(thing, persona, id=f"{name_of(thing)} as {persona}", marks=marks))
    return found


@pytest.mark.django_db
@pytest.mark.parametrize(("operation", "persona"), cases(OPERATIONS, API.get, " ".join, API_PERSONAS))
def test_every_api_operation_answers_each_persona_as_decided(
    matrix: Matrix, operation: tuple[str, str], persona: str
) -> None:
    rule = API.get(operation)
    assert rule is not None, f"{' '.join(operation)} has no permission decision in tests/permissions_table.py"
    method, path = operation
    denied = persona not in ALLOWED[rule.decision]
    before = world_state() if denied else None
    response = call_api(matrix, persona, method, path, rule)
    unchanged = before == world_state() if denied else True
    judge(rule, persona, response, batch=path.endswith("/batch"), page=False, unchanged=unchanged)
    judge_marker(rule, persona, matrix.values, response)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("route", "persona"), cases(PAGE_ROUTES, lambda r: PAGES.get(r.key), lambda r: r.key, PERSONAS)
)
def test_every_page_answers_each_persona_as_decided(matrix: Matrix, route: Route, persona: str) -> None:
    rule = PAGES.get(route.key)
    assert rule is not None, f"{route.key} (/{route.route}) has no permission decision in tests/permissions_table.py"
    denied = persona not in ALLOWED[rule.decision]
    before = world_state() if denied else None
    response = call_page(matrix, persona, route, rule)
    unchanged = before == world_state() if denied else True
    judge(rule, persona, response, batch=False, page=True, unchanged=unchanged)
    judge_marker(rule, persona, matrix.values, response)


FORGED = [route for route in PAGE_ROUTES if route.key in PAGES and PAGES[route.key].forged]


@pytest.mark.django_db
@pytest.mark.parametrize("route", FORGED, ids=[route.key for route in FORGED])
def test_a_public_page_refuses_a_forged_token(matrix: Matrix, route: Route) -> None:
    rule = PAGES[route.key]
    response = call_page(matrix, "anonymous", route, rule, **rule.forged)
    assert response.status_code in (404, 410), response.status_code


@pytest.mark.django_db
def test_the_signed_webhook_refuses_a_wrong_signature(matrix: Matrix) -> None:
    rule = API[("POST", "/api/v1/intake/webhooks/{source}")]
    values = {**matrix.values, "sign": lambda raw: signing.sign("not-the-secret", int(timezone.now().timestamp()), raw)}
    forged = Matrix(users=matrix.users, tokens=matrix.tokens, values=values)
    before = world_state()
    response = call_api(forged, "anonymous", "POST", "/api/v1/intake/webhooks/{source}", rule)
    assert response.status_code == 401
    assert world_state() == before
