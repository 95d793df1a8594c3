"""Who may do what: one permission decision for every API operation and every page (issue 17, item 6).

tests/test_persona_matrix.py reads the operations from the OpenAPI document and the pages from the URL
configuration, and sends each one as every persona. An operation or page without a row here fails, and so does a
row for one that no longer exists: a new endpoint or page cannot ship without a decision.

The personas (tests/conftest.py): alice, an agent of Amsterdam; bob, supervisor of Amsterdam and Berlin; admin, who
sees every team; charlie, an agent of another team; and anonymous, with no token and no session. The objects in a
path are Amsterdam's (see `matrix_world` in the test module): `v` below is that world's values by name.

A row also says how to call it (path values, query, body). Where a body cannot be valid, the allowed personas still
pass the gate: any answer but 401, 403 or 404 (a 409 or 422 domain refusal is the permission letting them through).
`target` marks a persona for whom today's code misses the decision; the matrix expects it to fail (strict xfail)
until the fix is merged, and then the mark is removed.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

PERSONAS = ("anonymous", "alice", "bob", "admin", "charlie")
# An integration account (a PMS or survey tool): the API only, no teams, no session for the pages.
API_PERSONAS = (*PERSONAS, "integration")
STAFF = ("alice", "bob", "admin", "charlie")

Values = Mapping[str, Any]


class Decision(StrEnum):
    ANY = "any"  # every signed-in user
    SCOPED = "scoped"  # an object of a team: its team's people and admins; charlie gets 403 or 404
    NARROWED = "narrowed"  # a list or report of what the caller may see: charlie sees nothing of Amsterdam's
    OWN = "own"  # the caller's own object (alice's saved view): everyone else is refused
    SUPERVISOR = "supervisor"  # supervisors and admins; alice and charlie get 403 (or 404)
    APPROVER = "approver"  # the one level an offer waits for: bob for an agent's offer above her authority
    ADMIN = "admin"  # admins only
    INTAKE = "intake"  # at a location of the caller's teams, or anywhere for admins and integration accounts
    PUBLIC = "public"  # no sign-in: gated by a token or a signature, or nothing there is private


ALLOWED: dict[Decision, tuple[str, ...]] = {
    Decision.ANY: (*STAFF, "integration"),
    Decision.SCOPED: ("alice", "bob", "admin"),
    Decision.NARROWED: (*STAFF, "integration"),  # charlie and integrations get an answer, without Amsterdam in it
    Decision.OWN: ("alice",),
    Decision.SUPERVISOR: ("bob", "admin"),
    Decision.APPROVER: ("bob",),
    Decision.ADMIN: ("admin",),
    Decision.PUBLIC: API_PERSONAS,
    Decision.INTAKE: ("alice", "bob", "admin", "integration"),
}


@dataclass(frozen=True)
class Rule:
    decision: Decision
    why: str = ""
    method: str = "GET"  # pages only: the method the page is sent with (API rows take it from the OpenAPI key)
    path: Mapping[str, str] = field(default_factory=dict)  # path parameter -> world value name (default: same name)
    query: Mapping[str, str] = field(default_factory=dict)
    body: Callable[[Values], Any] | None = None  # JSON for the API, form fields for pages
    headers: Callable[[Values, bytes], dict[str, str]] | None = None
    # NARROWED and OWN lists: a world value whose text `seers` find in the answer and the others allowed do not.
    marker: str | None = None
    seers: tuple[str, ...] = ("alice",)
    blind: tuple[str, ...] = ("charlie", "integration")
    ignores_unseen: bool = False  # a denied persona may get a 2xx/3xx that changes nothing (a bulk form)
    refusals: tuple[int, ...] = (403, 404)  # how a denied persona is answered
    expect: int | None = None  # the exact status the allowed get (a page that is nothing but a 404)
    forged: Mapping[str, str] = field(default_factory=dict)  # PUBLIC: path values that a gate must refuse
    target: Mapping[str, str] = field(default_factory=dict)  # persona -> why today's code fails the decision


def _customer(v: Values) -> dict[str, Any]:
    # Amsterdam's known customer, with a new address: the takeover of issue 17, item 1.
    return {"external_id": v["external_id"], "name": "Anna Matrix", "email": "anna.elsewhere@example.com"}


def _interaction(v: Values) -> dict[str, Any]:
    return {"external_id": "mx-int-new", "customer": _customer(v), "location": "ams", "kind": "stay",
            "occurred_at": "2026-11-20T10:00:00+01:00", "attributes": {"room": "12"}}  # fmt: skip


def _feedback(v: Values) -> dict[str, Any]:
    return {"customer": _customer(v), "location": "ams", "channel": "survey", "kind": "survey",
            "scores": {"nps": 2}, "text": "The room was still not cleaned."}  # fmt: skip


def _signed(v: Values, raw: bytes) -> dict[str, str]:
    return {"Amends-Signature": v["sign"](raw)}


MESSAGES = {"en": "Our systems were down; we are sorry.", "nl": "Onze systemen lagen eruit; excuses."}

API: dict[tuple[str, str], Rule] = {
    # --- Locations and calendars (core) ---
    ("POST", "/api/v1/locations"): Rule(
        Decision.SUPERVISOR,
        "touchpoints are shared set-up",
        body=lambda v: {"code": "mx-new", "name": "Matrix kiosk", "country": "NL", "team": "amsterdam"},
    ),
    ("GET", "/api/v1/locations"): Rule(
        Decision.NARROWED,
        "another team's touchpoints stay out of sight, as on the Locations page",
        marker="ams_location_name",
        seers=("alice", "integration"),  # an integration posts everywhere, so it lists every location
        blind=("charlie",),
    ),
    ("POST", "/api/v1/calendars"): Rule(Decision.ADMIN, body=lambda v: {"name": "Weekend hours", "timezone": "UTC"}),
    ("GET", "/api/v1/calendars"): Rule(Decision.ANY, "business hours are no team's secret"),
    ("GET", "/api/v1/calendars/{calendar_id}"): Rule(Decision.ANY, "business hours are no team's secret"),
    # --- Intake (the walls helper's decisions 1-3) ---
    ("POST", "/api/v1/interactions"): Rule(
        Decision.INTAKE, "at the locations of the caller's teams", body=_interaction
    ),
    ("POST", "/api/v1/interactions/batch"): Rule(
        Decision.INTAKE,
        "each item at the locations of the caller's teams",
        body=lambda v: {"items": [_interaction(v)]},
    ),
    ("GET", "/api/v1/customers/{external_id}"): Rule(Decision.SCOPED, "customers the caller's teams served"),
    ("GET", "/api/v1/customers/{external_id}/export"): Rule(Decision.ADMIN, "everything stored about a person"),
    ("POST", "/api/v1/customers/{external_id}/erase"): Rule(
        Decision.ADMIN, "erasure is for admins, on the audit trail", body=lambda v: {"reason": "Asked by email"}
    ),
    ("POST", "/api/v1/feedback"): Rule(Decision.INTAKE, "at the locations of the caller's teams", body=_feedback),
    ("POST", "/api/v1/feedback/batch"): Rule(
        Decision.INTAKE,
        "each item at the locations of the caller's teams",
        body=lambda v: {"items": [_feedback(v)]},
    ),
    ("GET", "/api/v1/feedback/{feedback_id}"): Rule(Decision.SCOPED),
    ("POST", "/api/v1/intake/webhooks/{source}"): Rule(
        Decision.PUBLIC,
        "signed with the source's secret, whoever sends it",
        body=lambda v: {
            "id": "r-mx",
            "author": {"id": "ta-mx", "name": "Mark Evans"},
            "review": {"stars": 1, "body": "Rude staff."},
        },
        headers=_signed,
    ),
    # --- Cases ---
    ("GET", "/api/v1/cases"): Rule(Decision.NARROWED, marker="anna_name"),
    ("GET", "/api/v1/cases/{case_id}"): Rule(Decision.SCOPED),
    ("POST", "/api/v1/cases/{case_id}/assign"): Rule(Decision.SCOPED, body=lambda v: {"owner": "alice"}),
    ("POST", "/api/v1/cases/{case_id}/status"): Rule(Decision.SCOPED, body=lambda v: {"status": "in_progress"}),
    ("POST", "/api/v1/cases/{case_id}/resolve"): Rule(
        Decision.SCOPED, body=lambda v: {"category": "cleanliness", "resolution": "Cleaned", "override_reason": "x"}
    ),
    ("POST", "/api/v1/cases/{case_id}/playbook/{step}"): Rule(Decision.SCOPED, body=lambda v: {"done": True}),
    ("POST", "/api/v1/cases/{case_id}/messages"): Rule(
        Decision.SCOPED, body=lambda v: {"subject": "Your stay", "body": "We are sorry."}
    ),
    ("POST", "/api/v1/cases/{case_id}/reopen"): Rule(Decision.SCOPED, body=lambda v: {"reason": "Not fixed"}),
    ("POST", "/api/v1/cases/{case_id}/merge"): Rule(Decision.SCOPED, body=lambda v: {"into": v["case2_id"]}),
    ("POST", "/api/v1/cases/{case_id}/links"): Rule(Decision.SCOPED, body=lambda v: {"case": v["case2_id"]}),
    ("POST", "/api/v1/cases/{case_id}/notes"): Rule(Decision.SCOPED, body=lambda v: {"body": "Called her."}),
    ("POST", "/api/v1/sla-policies"): Rule(
        Decision.ADMIN,
        body=lambda v: {
            "name": "Matrix SLA",
            "calendar": v["calendar_id"],
            "priority": 5,
            "first_response_minutes": 60,
            "resolution_minutes": 600,
        },
    ),
    ("GET", "/api/v1/sla-policies"): Rule(Decision.ANY, "SLA targets are shared set-up"),
    ("GET", "/api/v1/categories"): Rule(Decision.ANY, "the root-cause taxonomy is shared"),
    # --- Making amends ---
    ("PUT", "/api/v1/authority-limits"): Rule(
        Decision.ADMIN, body=lambda v: {"role": "agent", "per_case": "120", "currency": "EUR"}
    ),
    ("POST", "/api/v1/cases/{case_id}/offers"): Rule(
        Decision.SCOPED, body=lambda v: {"alternatives": [{"type": "voucher", "amount": "10"}], "reason": "Sorry"}
    ),
    ("GET", "/api/v1/offers/{offer_id}"): Rule(Decision.SCOPED),
    ("POST", "/api/v1/offers/{offer_id}/decision"): Rule(
        Decision.APPROVER,
        "alice made it; admins decide only what passes up to them",
        body=lambda v: {"decision": "approve", "comment": "Fair"},
    ),
    ("GET", "/api/v1/ledger/totals"): Rule(Decision.NARROWED, query={"by": "team"}, marker="team_slug"),
    ("POST", "/api/v1/ledger/{entry_id}/corrections"): Rule(
        Decision.SUPERVISOR, "of the entries they may see", body=lambda v: {"amount": "-5.00", "note": "Paid less"}
    ),
    ("GET", "/api/v1/ledger"): Rule(Decision.NARROWED, marker="bram_external_id"),
    ("GET", "/api/v1/ledger.csv"): Rule(Decision.NARROWED, marker="bram_external_id"),
    # --- Following up ---
    ("POST", "/api/v1/cases/{case_id}/tasks"): Rule(
        Decision.SCOPED, body=lambda v: {"due_at": "2099-01-01T09:00:00+01:00", "note": "Call back"}
    ),
    ("GET", "/api/v1/tasks/due"): Rule(
        Decision.NARROWED, "one's own tasks", marker="task_note", blind=("bob", "admin", "charlie")
    ),
    ("POST", "/api/v1/tasks/{task_id}/done"): Rule(Decision.SCOPED, "a colleague may tick it for her"),
    ("GET", "/api/v1/recovery-rate"): Rule(Decision.NARROWED, query={"by": "team"}, marker="team_slug"),
    # --- Learning (numbers of the caller's teams; their narrowing is tested in test_analytics*) ---
    ("GET", "/api/v1/analytics/kpis"): Rule(Decision.NARROWED),
    ("GET", "/api/v1/analytics/pareto"): Rule(Decision.NARROWED),
    ("GET", "/api/v1/analytics/control-chart"): Rule(Decision.NARROWED, marker="ams_location_name"),
    ("GET", "/api/v1/analytics/fishbone"): Rule(Decision.NARROWED),
    ("GET", "/api/v1/analytics/outcomes"): Rule(Decision.NARROWED),
    ("GET", "/api/v1/analytics/recovery-paradox"): Rule(Decision.NARROWED),
    ("GET", "/api/v1/analytics/servqual"): Rule(Decision.NARROWED),
    ("GET", "/api/v1/analytics/people"): Rule(Decision.SUPERVISOR),
    # --- Incidents (the incident pages' scope) ---
    ("POST", "/api/v1/incidents"): Rule(
        Decision.SUPERVISOR, body=lambda v: {"title": "Outage", "cohort": {"location": "ams"}, "message": MESSAGES}
    ),
    ("GET", "/api/v1/incidents/{incident_id}"): Rule(Decision.SUPERVISOR),
    ("GET", "/api/v1/incidents/{incident_id}/preview"): Rule(Decision.SUPERVISOR, "its sample names customers"),
    ("POST", "/api/v1/incidents/{incident_id}/send"): Rule(Decision.SUPERVISOR),
    ("POST", "/api/v1/incidents/{incident_id}/updates"): Rule(
        Decision.SUPERVISOR, body=lambda v: {"message": MESSAGES}
    ),
    # --- Surveys, detection, the silent unhappy ---
    ("POST", "/api/v1/surveys/invitations"): Rule(
        Decision.INTAKE,
        "customers the caller may see",
        body=lambda v: {"customer": v["carla_external_id"], "survey": v["survey_slug"]},
        refusals=(403, 404, 422),  # an unseen customer is answered as an unknown one (422)
    ),
    ("POST", "/api/v1/detection-rules"): Rule(
        Decision.ADMIN, body=lambda v: {"name": "Late parcels", "conditions": {"kind": "delivery"}}
    ),
    ("GET", "/api/v1/detection-rules"): Rule(Decision.ADMIN),
    ("GET", "/api/v1/at-risk"): Rule(Decision.NARROWED, marker="dirk_name"),
}

# Pages by URL name ("namespace:name"; a route without a name by its route). Skipped: /admin/ (the back office has
# its own tests) and the API's operations (the rows above; each is checked to be in the OpenAPI document).
PAGES: dict[str, Rule] = {
    # --- Public: the customer's pages, gated by a signed token (a forged one is refused), and open doors ---
    "webform:complaint": Rule(Decision.PUBLIC, "the complaint form behind a location's poster"),
    "c/<slug:code>/": Rule(Decision.PUBLIC, "the same form, with a slash"),
    "webform:thanks": Rule(Decision.PUBLIC, "a thank-you page"),
    "surveys:answer": Rule(
        Decision.PUBLIC, "public, token-gated", path={"token": "survey_token"}, forged={"token": "forged_token"}
    ),
    "compensation:choose": Rule(
        Decision.PUBLIC, "public, token-gated", path={"token": "offer_token"}, forged={"token": "forged_token"}
    ),
    "followups:answer": Rule(
        Decision.PUBLIC, "public, token-gated", path={"token": "follow_up_token"}, forged={"token": "forged_token"}
    ),
    "web:login": Rule(Decision.PUBLIC, "the way in"),
    "web:logout": Rule(Decision.PUBLIC, "the way out, to the login page", method="POST", expect=302),
    "set_language": Rule(Decision.PUBLIC, "Django's language switch", method="POST", body=lambda v: {"language": "nl"}),
    "web:healthz": Rule(Decision.PUBLIC, "the load balancer's probe"),
    "api:openapi-json": Rule(Decision.PUBLIC, "the API's description, no data"),
    "api:openapi-view": Rule(Decision.PUBLIC, "the API's documentation, no data"),
    "api:api-root": Rule(Decision.PUBLIC, "django-ninja's root: nothing there", expect=404),
    # --- The inbox ---
    "web:inbox": Rule(Decision.NARROWED, marker="anna_name"),
    "web:inbox_assign": Rule(
        Decision.SCOPED,
        "only the ticked cases the caller may see",
        method="POST",
        body=lambda v: {"case": [v["case_id"]], "owner": "alice"},
        ignores_unseen=True,
    ),
    "web:inbox_view_save": Rule(Decision.ANY, method="POST", body=lambda v: {"name": "Mine", "query": "view=mine"}),
    "web:inbox_view_delete": Rule(Decision.OWN, "alice's saved view", method="POST", ignores_unseen=True),
    "web:notifications": Rule(Decision.ANY, "one's own notifications"),
    "web:language": Rule(Decision.ANY, "one's own language", method="POST", body=lambda v: {"language": "nl"}),
    # --- A case ---
    "web:case": Rule(Decision.SCOPED),
    "web:case_take": Rule(Decision.SCOPED, method="POST"),
    "web:case_note": Rule(Decision.SCOPED, method="POST", body=lambda v: {"body": "Called her."}),
    "web:case_resolve": Rule(
        Decision.SCOPED,
        method="POST",
        body=lambda v: {"category": "cleanliness", "resolution": "Cleaned", "override_reason": "x"},
    ),
    "web:case_status": Rule(Decision.SCOPED, method="POST", body=lambda v: {"status": "in_progress"}),
    "web:case_assign": Rule(Decision.SCOPED, method="POST", body=lambda v: {"owner": "alice"}),
    "web:case_step": Rule(Decision.SCOPED, method="POST", body=lambda v: {"step": "acknowledge", "done": "1"}),
    "web:case_message": Rule(
        Decision.SCOPED,
        method="POST",
        body=lambda v: {"message-language": "en", "message-subject": "Your stay", "message-body": "Sorry."},
    ),
    "web:case_merge": Rule(Decision.SCOPED, method="POST", body=lambda v: {"other": v["case2_id"]}),
    "web:case_link": Rule(Decision.SCOPED, method="POST", body=lambda v: {"other": v["case2_id"]}),
    "web:feedback_label": Rule(
        Decision.SCOPED, method="POST", body=lambda v: {"field": "category", "value": "cleanliness"}
    ),
    "web:attachment": Rule(Decision.SCOPED, "a customer's photo"),
    "web:case_offer": Rule(
        Decision.SCOPED, method="POST", body=lambda v: {"type_1": "voucher", "amount_1": "10", "reason": "Sorry"}
    ),
    "web:case_task": Rule(
        Decision.SCOPED, method="POST", body=lambda v: {"due_at": "2099-01-01T09:00", "note": "Call back"}
    ),
    "web:task_done": Rule(Decision.SCOPED, "a colleague may tick it for her", method="POST"),
    "web:customer": Rule(Decision.SCOPED, "customers the caller's teams served"),
    "web:customer_export": Rule(Decision.ADMIN, "everything stored about a person"),
    "web:customer_erase": Rule(Decision.ADMIN, "the erasure's confirmation page"),
    # --- Approvals ---
    "web:approvals": Rule(
        Decision.NARROWED,
        "what waits for the caller's role",
        marker="anna_name",
        seers=("bob",),
        blind=("alice", "charlie"),
    ),
    "web:offer_decision": Rule(
        Decision.APPROVER,
        "alice made it; admins decide only what passes up to them",
        method="POST",
        body=lambda v: {f"o{v['offer_id']}-decision": "approve", f"o{v['offer_id']}-comment": "Fair"},
    ),
    # --- Incidents ---
    "web:incidents": Rule(Decision.SUPERVISOR),
    "web:incident_declare": Rule(
        Decision.SUPERVISOR,
        method="POST",
        body=lambda v: {"title": "Outage", "location": "ams", "message_en": MESSAGES["en"]},
    ),
    "web:incident": Rule(Decision.SUPERVISOR),
    "web:incident_send": Rule(Decision.SUPERVISOR, method="POST"),
    "web:incident_update": Rule(Decision.SUPERVISOR, method="POST", body=lambda v: {"message_en": MESSAGES["en"]}),
    # --- Locations and their posters ---
    "web:locations": Rule(Decision.NARROWED, marker="ams_location_name"),
    "web:location": Rule(Decision.SCOPED),
    "web:location_poster_svg": Rule(Decision.SCOPED),
    "web:location_poster_pdf": Rule(Decision.SCOPED),
    # --- Intake by hand, the silent unhappy ---
    "email_intake:upload": Rule(Decision.NARROWED, "at the caller's teams' locations", marker="ams_location_name"),
    "intake:at_risk": Rule(Decision.NARROWED, marker="dirk_name"),
    "intake:at_risk_reach_out": Rule(Decision.SCOPED, method="POST", path={"external_id": "dirk_external_id"}),
    # --- Learning ---
    "analytics:dashboard": Rule(Decision.NARROWED, "and its location filter", marker="ams_location_name"),
    "analytics:paradox": Rule(Decision.NARROWED, "and its location filter", marker="ams_location_name"),
    "analytics:servqual": Rule(Decision.NARROWED, "and its location filter", marker="ams_location_name"),
    "analytics:people": Rule(Decision.SUPERVISOR),
    "analytics:summary_settings": Rule(
        Decision.SUPERVISOR,
        "the weekly summary goes to supervisors and admins",
        method="POST",
        body=lambda v: {"weekly_summary": "on"},
    ),
    "analytics:export": Rule(Decision.NARROWED),
}
