"""SLA deadlines: pure functions, no database. Business-hours calendars come with the respond issue."""

from datetime import datetime, timedelta

from .enums import CaseStatus


def first_response_due(opened_at: datetime, minutes: int) -> datetime:
    return opened_at + timedelta(minutes=minutes)


def resolution_due(opened_at: datetime, minutes: int) -> datetime:
    return opened_at + timedelta(minutes=minutes)


def next_deadline(
    *,
    status: str,
    first_response_at: datetime | None,
    first_response_due_at: datetime,
    resolution_due_at: datetime,
) -> datetime | None:
    """The deadline an inbox sorts by: first response until there is one, then resolution; none once resolved."""
    if status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        return None
    if first_response_at is None:
        return first_response_due_at
    return resolution_due_at


def is_breached(
    *,
    now: datetime,
    first_response_at: datetime | None,
    first_response_due_at: datetime,
    resolved_at: datetime | None,
    resolution_due_at: datetime,
) -> bool:
    """A target is breached when it was met late, or is still unmet past its due time."""
    first_late = (first_response_at or now) > first_response_due_at
    resolution_late = (resolved_at or now) > resolution_due_at
    return first_late or resolution_late
