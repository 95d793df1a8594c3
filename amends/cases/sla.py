"""SLA deadlines: pure functions, no database.

A case's clock runs in business time on its policy's calendar (core/clock.py), stops while the case is in a status
that stops it (waiting on the customer), and escalates in steps: a warning at a share of the target, the breach,
then back to the team queue.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from amends.core.clock import Calendar, Pause, add_business_time, business_time_between

from .enums import CaseStatus, EscalationLevel, SlaTarget


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


# Policies, business calendars, pauses and escalation. Still pure: calendars arrive as core.clock.Calendar values.


@dataclass(frozen=True)
class Targets:
    """A policy's targets, in business time on its calendar."""

    calendar: Calendar
    first_response: timedelta
    next_response: timedelta | None
    resolution: timedelta
    warning_share: float = 0.75
    requeue_after: timedelta = timedelta(hours=1)
    pause_statuses: frozenset[str] = frozenset({CaseStatus.WAITING_ON_CUSTOMER.value})


def default_targets(first_response_minutes: int, resolution_minutes: int) -> Targets:
    """Without a matching policy: around the clock, the configured minutes."""
    return Targets(Calendar(), timedelta(minutes=first_response_minutes), None, timedelta(minutes=resolution_minutes))


def conditions_match(conditions: Mapping[str, object], facts: Mapping[str, str]) -> bool:
    """Every condition holds: a value equals the fact, a list contains it; absent conditions match everything."""
    for name, wanted in conditions.items():
        allowed = wanted if isinstance(wanted, list) else [wanted]
        if wanted is not None and facts.get(name, "") not in allowed:
            return False
    return True


def pauses_from_json(raw: list) -> list[Pause]:
    return [(datetime.fromisoformat(start), datetime.fromisoformat(end) if end else None) for start, end in raw]


def pauses_to_json(pauses: list[Pause]) -> list[list[str | None]]:
    return [[start.isoformat(), end.isoformat() if end else None] for start, end in pauses]


def with_status(pauses: list[Pause], *, status: str, targets: Targets, now: datetime) -> list[Pause]:
    """The pauses after the case moved to `status`: a stop starts or ends as the status stops the clock or not."""
    stopped = bool(pauses) and pauses[-1][1] is None
    stops = status in targets.pause_statuses
    if stops and not stopped:
        return [*pauses, (now, None)]
    if stopped and not stops:
        return [*pauses[:-1], (pauses[-1][0], now)]
    return pauses


@dataclass(frozen=True)
class Clock:
    """Where a case stands against its targets; every due time is None while the clock is stopped."""

    first_response_due_at: datetime | None
    next_response_due_at: datetime | None
    resolution_due_at: datetime | None
    target: str  # SlaTarget value, "" once resolved or while stopped
    due_at: datetime | None
    level: int  # EscalationLevel value
    escalation_at: datetime | None
    paused: bool


def clock_for(
    targets: Targets,
    *,
    status: str,
    created_at: datetime,
    first_response_at: datetime | None,
    customer_waiting_since: datetime | None,
    pauses: list[Pause],
    previous_target: str,
    previous_level: int,
) -> Clock:
    """The case's deadlines and the next escalation step, from scratch: the same inputs always give the same clock."""
    calendar = targets.calendar
    paused = bool(pauses) and pauses[-1][1] is None
    first_due = add_business_time(calendar, created_at, targets.first_response, pauses)
    resolution_due = add_business_time(calendar, created_at, targets.resolution, pauses)
    next_due = None
    if customer_waiting_since is not None and targets.next_response is not None and first_response_at is not None:
        next_due = add_business_time(calendar, customer_waiting_since, targets.next_response, pauses)
    if status in (CaseStatus.RESOLVED, CaseStatus.CLOSED) or paused:
        return Clock(first_due, next_due, resolution_due, "", None, EscalationLevel.NONE, None, paused)
    if first_response_at is None:
        target, due, start, amount = SlaTarget.FIRST_RESPONSE, first_due, created_at, targets.first_response
    elif next_due is not None and resolution_due is not None and next_due < resolution_due:
        assert customer_waiting_since is not None and targets.next_response is not None
        target, due, start, amount = SlaTarget.NEXT_RESPONSE, next_due, customer_waiting_since, targets.next_response
    else:
        target, due, start, amount = SlaTarget.RESOLUTION, resolution_due, created_at, targets.resolution
    level = previous_level if target == previous_target else EscalationLevel.NONE
    escalation_at: datetime | None = None
    if level == EscalationLevel.NONE:
        escalation_at = add_business_time(calendar, start, amount * targets.warning_share, pauses)
    elif level == EscalationLevel.WARNED:
        escalation_at = due
    elif level == EscalationLevel.BREACHED and due is not None:
        escalation_at = due + targets.requeue_after
    return Clock(first_due, next_due, resolution_due, target.value, due, level, escalation_at, paused)


def escalation_step(level: int) -> EscalationLevel:
    """The level a sweep moves a case to when its escalation time has come."""
    return EscalationLevel(min(level + 1, EscalationLevel.REQUEUED))


def business_minutes(calendar: Calendar, start: datetime, end: datetime, pauses: list[Pause]) -> int:
    return int(business_time_between(calendar, start, end, pauses).total_seconds() // 60)
