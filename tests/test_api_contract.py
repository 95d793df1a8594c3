"""Schemathesis against /api/openapi.json, in process: every operation, every check, a fixed seed.

The API must answer what its OpenAPI document says: no 5xx, only documented status codes, responses that match their
schemas, inputs the schema allows accepted and inputs it forbids refused. It runs on this run's test database (SQLite
or PostgreSQL), as the admin, in a small world of teams, locations and people.
"""

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from amends.config.wsgi import application
from amends.core.errors import ErrorCode
from amends.core.services import api_token_create

from .conftest import World

EXAMPLES_PER_OPERATION = 12  # all 55 operations in about 70 s of CPU per database

CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 1234,
        "generation": {
            "mode": "all",
            "max-examples": EXAMPLES_PER_OPERATION,
            "deterministic": True,
            "database": "none",
            # No text of any request may hold U+0000: a rule of the whole API that the document's description states
            # once rather than on every string. tests/test_bad_input.py sends NUL to every field and filter.
            "allow-x00": False,
        },
        # The stateful phase chains operations by their links, which this document does not declare.
        "phases": {"stateful": {"enabled": False}},
        "checks": {
            "enabled": True,
            # A schema-valid request refused with 400 or 422 is judged by its error code, in the check below.
            "positive_data_acceptance": {"expected-statuses": ["2xx", "400", "401", "403", "404", "409", "422", "429"]},
        },
    }
)

# Refusals for what is stored, not for the request's shape: a reference to something that does not exist (the
# schema cannot know which codes and names do), a cursor this API did not hand out, an object in a state that does not
# allow the change. A schema-valid request may get these.
STATE_CODES = {
    ErrorCode.UNKNOWN_LOCATION,
    ErrorCode.UNKNOWN_CUSTOMER,
    ErrorCode.UNKNOWN_INTERACTION,
    ErrorCode.UNKNOWN_USER,
    ErrorCode.UNKNOWN_TEAM,
    ErrorCode.UNKNOWN_CALENDAR,
    ErrorCode.UNKNOWN_SURVEY,
    ErrorCode.INVALID_CURSOR,
    ErrorCode.INVALID_TRANSITION,
    ErrorCode.STEPS_OPEN,
    ErrorCode.NOT_APPROVER,
    ErrorCode.OFFER_CLOSED,
    ErrorCode.OVER_LIMIT,
    ErrorCode.CONTACT_TOO_SOON,
    ErrorCode.OPEN_CASE,
    ErrorCode.DUPLICATE,
}

ANALYSES = ("kpis", "pareto", "control-chart", "fishbone", "outcomes", "recovery-paradox", "servqual", "people")

# Rules JSON Schema cannot state (across fields, against the clock, or the holidays a library knows); the fields'
# descriptions state them. (operation, field of the refusal) — nothing else may refuse a schema-valid request.
RULES_BEYOND_SCHEMA = {
    # Periods: `from` before `to`, three years at most (analytics) — across two fields.
    *((f"GET /api/v1/analytics/{name}", "from") for name in ANALYSES),
    ("POST /api/v1/incidents", "cohort.to"),
    # An incident's cohort is narrowed by at least one of location, from, to and attributes.
    ("POST /api/v1/incidents", "cohort"),
    # A transfer names a new owner or team, and says why when the case already has an owner.
    ("POST /api/v1/cases/{case_id}/assign", "owner"),
    ("POST /api/v1/cases/{case_id}/assign", "reason"),
    # A message has a body or a template.
    ("POST /api/v1/cases/{case_id}/messages", "body"),
    # A follow-up task is due in the future (the clock).
    ("POST /api/v1/cases/{case_id}/tasks", "due_at"),
    # Holidays are known for the countries and regions the `holidays` library knows; opening hours are intervals
    # that start before they end and do not overlap.
    ("POST /api/v1/calendars", "country"),
    ("POST /api/v1/calendars", "subdivision"),
    ("POST /api/v1/calendars", "hours"),
    ("POST /api/v1/calendars", "special_hours"),
    # Time zones are those of the machine's tz database (its version decides the list).
    ("POST /api/v1/locations", "timezone"),
    ("POST /api/v1/calendars", "timezone"),
    # An authority limit is for a role or for a user: exactly one of the two.
    ("PUT /api/v1/authority-limits", "role"),
    # An SLA's resolution target is not shorter than its first-response target.
    ("POST /api/v1/sla-policies", "resolution_minutes"),
}


def refused_only_for_what_the_schema_cannot_say(ctx: Any, response: Any, case: Any) -> bool | None:
    """A request the schema allows is never refused for its shape (a missing, empty, too long or malformed value)."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code not in (400, 422):
        return None
    body = response.json()
    operation = f"{case.method.upper()} {case.operation.path}"
    if body.get("code") in STATE_CODES or (operation, body.get("field")) in RULES_BEYOND_SCHEMA:
        return None
    raise AssertionError(f"A schema-valid request was refused: {response.status_code} {body}")


# The document as the app serves it (loading it touches no database).
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application, config=CONFIG, headers={"Host": "localhost"})


@pytest.fixture
def admin_headers(world: World, settings: Any) -> Iterator[dict[str, str]]:
    """Requests go to the WSGI app in this process and this test's transaction, as the admin."""
    settings.ALLOWED_HOSTS = ["localhost"]
    # The WSGI handler closes "old" connections around each request; in a test's transaction that would end it.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield {"Authorization": f"Bearer {api_token_create(user=world.admin)}"}
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@schema.parametrize()
# The fixture gives the world and the token once per operation; each example rolls its own writes back. Times are
# drawn from all date-times and kept when their year is 1900-2199 (the documented pattern): much is filtered out.
@settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much]
)
def test_every_operation_answers_as_its_openapi_document_says(case: Any, admin_headers: dict[str, str]) -> None:
    # Each generated request runs in its own savepoint, rolled back: one example's writes never steer the next one's.
    with transaction.atomic():
        case.call_and_validate(headers=admin_headers, additional_checks=[refused_only_for_what_the_schema_cannot_say])
        transaction.set_rollback(True)
