from datetime import datetime

from ninja import Schema

from .enums import CaseStatus, Severity


class SlaOut(Schema):
    policy: str | None
    calendar: str | None
    paused: bool
    breached: bool


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


class CasePage(Schema):
    items: list[CaseOut]
    next_cursor: str | None


class CaseListParams(Schema):
    status: CaseStatus | None = None
    owner: str | None = None
    team: str | None = None
    severity: Severity | None = None
    category: str | None = None
    cursor: str | None = None
    limit: int = 50
