from datetime import datetime

from ninja import Schema
from pydantic import Field

from amends.core.apikit import CURSOR_DESCRIPTION, NOT_BLANK, IdIn, StrictSchema
from amends.core.enums import Language
from amends.core.text import OneLine, OneLineName

from .enums import CaseStatus, PlaybookStep, Severity


class SlaOut(Schema):
    policy: str | None
    calendar: str | None
    paused: bool
    breached: bool
    target: str | None = Field(description="What is due next: first_response, next_response or resolution.")
    due_at: datetime | None
    next_response_due_at: datetime | None
    escalation: str = Field(description="on_time, warned, breached or requeued")
    first_response_business_minutes: int | None
    resolution_business_minutes: int | None


class FollowUpOut(Schema):
    due_at: datetime | None
    status: str


class PlaybookStepOut(Schema):
    step: str
    label: str
    guidance: str
    required: bool
    done: bool


class PlaybookOut(Schema):
    name: str
    guidance: str
    steps: list[PlaybookStepOut]


class CaseCustomerOut(Schema):
    external_id: str
    name: str


class CaseOut(Schema):
    id: int
    status: CaseStatus
    owner: str | None
    team: str | None
    severity: Severity
    category: str
    summary: str
    customer: CaseCustomerOut
    location: str
    created_at: datetime
    first_response_at: datetime | None
    first_response_due_at: datetime
    resolution_due_at: datetime
    resolved_at: datetime | None
    resolution: str
    sla: SlaOut
    transfers: int
    contacts: int
    reopens: int
    first_contact_resolution: bool | None
    follows: int | None = Field(description="The earlier case this one continues, if any.")
    merged_into: int | None
    related: list[int]
    follow_up: FollowUpOut | None
    playbook: PlaybookOut | None


class CasePage(Schema):
    items: list[CaseOut]
    next_cursor: str | None


class CaseListParams(Schema):
    status: CaseStatus | None = None
    owner: str | None = None
    team: str | None = None
    severity: Severity | None = None
    category: str | None = None
    breaching: bool | None = Field(default=None, description="true: open cases past their warning or due time")
    cursor: str | None = Field(default=None, description=CURSOR_DESCRIPTION)
    limit: int = 50


class AssignIn(StrictSchema):
    owner: str | None = Field(default=None, max_length=150, description="Username of the new owner.")
    team: str | None = Field(default=None, max_length=64, description="Slug of the new team.")
    reason: str = Field(default="", max_length=500, description="Required for a transfer.")


class StatusIn(StrictSchema):
    status: CaseStatus
    reason: str = Field(default="", max_length=500)


class NoteIn(StrictSchema):
    body: str = Field(max_length=10_000, json_schema_extra=NOT_BLANK)


class NoteOut(Schema):
    id: int
    case: int
    body: str
    author: str | None
    created_at: datetime


class ResolveIn(StrictSchema):
    category: str = Field(
        max_length=100,
        json_schema_extra=NOT_BLANK,
        description="The root-cause category: a key of the taxonomy (GET /categories). A key it does not have yet "
        "is kept and added to it, not offered, for an admin to name and map.",
    )
    resolution: str = Field(max_length=10_000, json_schema_extra=NOT_BLANK, description="How it was fixed.")
    override_reason: str = Field(
        default="", max_length=500, description="Supervisors: why the case is resolved with playbook steps open."
    )


class MessageIn(StrictSchema):
    template: PlaybookStep | None = Field(default=None, description="A playbook step's message in the language.")
    subject: OneLine = Field(default="", max_length=200)
    body: str = Field(default="", max_length=10_000, description="Replaces the template's text when given.")
    language: Language | None = Field(default=None, description="Default: the customer's language.")


class MessageOut(Schema):
    id: int
    case: int
    to: str
    language: str
    template: str | None
    subject: str
    body: str
    status: str
    created_at: datetime


class StepIn(StrictSchema):
    done: bool = True


class MergeIn(StrictSchema):
    into: IdIn = Field(description="The case that stays; this one closes into it.")


class LinkIn(StrictSchema):
    case: IdIn = Field(description="The related case.")


class ReopenIn(StrictSchema):
    reason: str = Field(max_length=500, json_schema_extra=NOT_BLANK)


class SlaConditions(StrictSchema):
    severity: Severity | list[Severity] | None = None
    segment: str | list[str] | None = None
    channel: str | list[str] | None = None
    category: str | list[str] | None = None


class SlaPolicyIn(StrictSchema):
    name: OneLineName = Field(min_length=1, max_length=100)
    calendar: IdIn
    priority: int = Field(default=100, ge=0, le=1_000_000)
    first_response_minutes: int = Field(default=60, ge=1, le=525_600)
    next_response_minutes: int | None = Field(default=None, ge=1, le=525_600)
    resolution_minutes: int = Field(
        default=2880, ge=1, le=525_600, description="Not shorter than first_response_minutes."
    )
    warning_percent: int = Field(default=75, ge=1, le=99)
    requeue_after_minutes: int = Field(default=60, ge=0, le=525_600)
    pause_statuses: list[CaseStatus] = Field(default_factory=lambda: [CaseStatus.WAITING_ON_CUSTOMER])
    conditions: SlaConditions = Field(default_factory=SlaConditions)


class SlaPolicyOut(Schema):
    id: int
    name: str
    calendar: int
    priority: int
    first_response_minutes: int
    next_response_minutes: int | None
    resolution_minutes: int
    warning_percent: int
    requeue_after_minutes: int
    pause_statuses: list[str]
    conditions: dict
    is_active: bool


class CategoryOut(Schema):
    key: str
    name: str = Field(description="In the request's language (the English name where none was given).")
    stage: str = Field(description="booking, delivery, stay, billing, support or unmapped")
    family: str = Field(description="people, process, product, place, policy, partners or unmapped")
    offered: bool = Field(description="Offered when resolving; a retired category stays on its old cases.")


class CategoryList(Schema):
    items: list[CategoryOut]


class SlaPolicyPage(Schema):
    items: list[SlaPolicyOut]
    next_cursor: str | None
