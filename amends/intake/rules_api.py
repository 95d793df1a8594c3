"""Detection rules through the API: admins read and write them; changes apply within the rules cache time."""

from typing import Annotated

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import Field, WithJsonSchema

from amends.cases.enums import Severity
from amends.core.apikit import ERRORS_READ, ERRORS_WRITE, StrictSchema, api_user, idempotent_create
from amends.core.enums import Role
from amends.core.errors import DomainError, ErrorCode, Forbidden
from amends.core.idempotency import Outcome
from amends.core.models import User
from amends.core.selectors import team_by_slug
from amends.core.text import OneLine

from .models import DetectionRule
from .rules import CONDITIONS_SCHEMA, RuleError, validate_conditions
from .verdict import forget_rules

router = Router(tags=["detection rules"])


class RuleIn(StrictSchema):
    name: OneLine = Field(min_length=1, max_length=200)
    priority: int = Field(default=100, ge=0, le=1_000_000)
    conditions: Annotated[dict, WithJsonSchema(CONDITIONS_SCHEMA)] = Field(default_factory=dict)
    action: DetectionRule.Action = DetectionRule.Action.OPEN_CASE
    severity: Severity | None = None
    category: str = Field(default="", max_length=100)
    team: str | None = Field(default=None, max_length=64, description="The team's slug.")
    tags: list[str] = Field(default_factory=list, max_length=20)
    is_active: bool = True


class RuleOut(Schema):
    id: int
    name: str
    priority: int
    conditions: dict
    action: str
    severity: str | None
    category: str
    team: str | None
    tags: list[str]
    is_active: bool


class RuleList(Schema):
    items: list[RuleOut]
    next_cursor: str | None


def _require_admin(user: User) -> None:
    if not user.has_role(Role.ADMIN):
        raise Forbidden(_("Only admins manage detection rules."))


def rule_out(rule: DetectionRule) -> dict:
    return {
        "id": rule.pk, "name": rule.name, "priority": rule.priority, "conditions": rule.conditions,
        "action": rule.action, "severity": rule.severity or None, "category": rule.category,
        "team": rule.team.slug if rule.team else None, "tags": rule.tags, "is_active": rule.is_active,
    }  # fmt: skip


def rule_create(payload: RuleIn) -> Outcome:
    try:
        validate_conditions(payload.conditions)
    except RuleError as error:
        raise DomainError(ErrorCode.INVALID_VALUE, str(error), field="conditions", status=422) from error
    team = team_by_slug(payload.team)
    rule = DetectionRule.objects.create(
        name=payload.name, priority=payload.priority, conditions=payload.conditions, action=payload.action,
        severity=payload.severity or "", category=payload.category, team=team, tags=payload.tags,
        is_active=payload.is_active,
    )  # fmt: skip
    forget_rules()
    return 201, rule_out(rule)


@router.post("/detection-rules", response={201: RuleOut, **ERRORS_WRITE})
def create_rule(request: HttpRequest, payload: RuleIn):
    """Add a detection rule (admins). Conditions: kind, channel, segment, nps_max, csat_max, ces_min, keywords,
    repeat_within_days, attributes ({"delivery_delay_hours": {"gt": 24}}), negative_min (judged after text sense).
    """
    _require_admin(api_user(request))
    return idempotent_create(
        request, scope="detection_rules.create", payload=payload, action=lambda: rule_create(payload)
    )


@router.get("/detection-rules", response={200: RuleList, 403: ERRORS_WRITE[403], **ERRORS_READ})
def list_rules(request: HttpRequest):
    """The rules in the order they are checked."""
    _require_admin(api_user(request))
    rules = DetectionRule.objects.select_related("team").order_by("priority", "id")
    return {"items": [rule_out(rule) for rule in rules], "next_cursor": None}
