"""Every write to a recovery case. Each change writes a typed timeline event."""

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from amends.core.errors import DomainError, ErrorCode
from amends.core.models import Location, Team, User
from amends.core.tasks import enqueue_with_transaction
from amends.customers.models import Customer
from amends.intake.detection import more_severe
from amends.intake.models import Feedback

from . import sla
from .enums import OPEN_STATUSES, CaseStatus, EventKind, Severity
from .models import Case, CaseEvent
from .tasks import case_opened_alert_task

SUMMARY_LENGTH = 120
MAX_NOTE_LENGTH = 10_000
MAX_CATEGORY_LENGTH = 100


def log_case_event(*, case: Case, kind: EventKind, actor: User | None = None, data: dict | None = None) -> CaseEvent:
    """Append to the case's timeline; EventKind documents which keys `data` holds for each kind."""
    return CaseEvent.objects.create(case=case, kind=kind, actor=actor, data=data or {}, created_at=timezone.now())


def summarise(feedback: Feedback) -> str:
    text = " ".join(feedback.text.split())
    if text:
        return text if len(text) <= SUMMARY_LENGTH else text[: SUMMARY_LENGTH - 1] + "…"
    scores = [
        f"{name.upper()} {value}" for name in ("nps", "csat", "ces") if (value := getattr(feedback, name)) is not None
    ]
    return ", ".join(scores)


def _refresh_due(case: Case) -> None:
    case.due_at = sla.next_deadline(
        status=case.status,
        first_response_at=case.first_response_at,
        first_response_due_at=case.first_response_due_at,
        resolution_due_at=case.resolution_due_at,
    )


def _open_case_of(customer_id: int, *, lock: bool) -> Case | None:
    """The customer's open case; with `lock`, the customer row is locked first, so that two failures arriving at
    once cannot both find none and open two."""
    if lock:
        Customer.objects.select_for_update().filter(pk=customer_id).first()
    return Case.objects.filter(customer_id=customer_id, status__in=OPEN_STATUSES).order_by("id").first()


def _new_case(**fields: Any) -> Case:
    """A case opened now, on the default SLA clock."""
    now = timezone.now()
    case = Case(
        **fields,
        created_at=now,
        first_response_due_at=sla.first_response_due(now, settings.AMENDS_FIRST_RESPONSE_MINUTES),
        resolution_due_at=sla.resolution_due(now, settings.AMENDS_RESOLUTION_MINUTES),
    )
    _refresh_due(case)
    case.save()
    return case


@transaction.atomic(savepoint=False)
def case_open_or_attach(
    *,
    feedback: Feedback,
    severity: Severity,
    customer_locked: bool = False,
    category: str = "",
    team: Team | None = None,
) -> Case:
    """Save a failure's (unsaved) feedback on the customer's open case, or on a new case that alerts its team.

    The customer's row is locked (here, unless the caller already holds the lock) so that two failures arriving at
    once cannot open two cases.
    """
    case = _open_case_of(feedback.customer_id, lock=not customer_locked)
    if case is not None:
        first_words = bool(feedback.text.strip()) and not case.feedback.exclude(text="").exists()
        feedback.case = case
        feedback.save()
        log_case_event(case=case, kind=EventKind.FEEDBACK_ADDED, data={"feedback_id": feedback.pk})
        if first_words:
            # The first words the customer wrote say more than the scores the case opened with.
            case.summary = summarise(feedback)
            case.save(update_fields=["summary", "updated_at"])
        raised = more_severe(case.severity, severity)
        if raised != case.severity:
            log_case_event(case=case, kind=EventKind.SEVERITY_RAISED, data={"from": case.severity, "to": raised})
            case.severity = raised
            case.save(update_fields=["severity", "updated_at"])
        return case

    case = _new_case(
        customer_id=feedback.customer_id,
        location=feedback.location,
        team=team or feedback.location.team,
        severity=severity,
        category=category,
        summary=summarise(feedback),
    )
    feedback.case = case
    feedback.save()
    log_case_event(case=case, kind=EventKind.OPENED, data={"feedback_id": feedback.pk})
    enqueue_with_transaction(case_opened_alert_task, case.pk)
    return case


def _require_open(case: Case) -> None:
    if case.status not in OPEN_STATUSES:
        raise DomainError(ErrorCode.INVALID_TRANSITION, _("This case is already resolved."), field="status", status=409)


@transaction.atomic
def case_take_ownership(*, case: Case, by: User) -> Case:
    """The agent says "I will fix this for you": they own it, and that is the first response."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    _require_open(case)
    if case.owner_id == by.pk:
        return case
    previous = case.owner.username if case.owner else None
    case.owner = by
    log_case_event(
        case=case, kind=EventKind.OWNER_ASSIGNED, actor=by, data={"owner": by.username, "previous_owner": previous}
    )
    if case.status == CaseStatus.NEW:
        case.status = CaseStatus.ACKNOWLEDGED
        log_case_event(case=case, kind=EventKind.STATUS_CHANGED, actor=by, data={"from": "new", "to": case.status})
    if case.first_response_at is None:
        case.first_response_at = timezone.now()
    _refresh_due(case)
    case.save()
    return case


@transaction.atomic
def case_add_note(*, case: Case, body: str, by: User) -> CaseEvent:
    body = body.strip()
    if not body:
        raise DomainError(ErrorCode.MISSING_FIELD, _("Write a note first."), field="body")
    if len(body) > MAX_NOTE_LENGTH:
        raise DomainError(
            ErrorCode.TOO_LONG,
            _("A note can be at most %(n)d characters.") % {"n": MAX_NOTE_LENGTH},
            field="body",
        )
    event = log_case_event(case=case, kind=EventKind.NOTE_ADDED, actor=by, data={"body": body})
    Case.objects.filter(pk=case.pk).update(updated_at=event.created_at)
    return event


@transaction.atomic
def case_resolve(*, case: Case, category: str, resolution: str, by: User) -> Case:
    category, resolution = category.strip(), resolution.strip()
    if not category:
        raise DomainError(ErrorCode.MISSING_FIELD, _("Choose the root-cause category."), field="category")
    if len(category) > MAX_CATEGORY_LENGTH:
        raise DomainError(ErrorCode.TOO_LONG, _("The category is too long."), field="category")
    if not resolution:
        raise DomainError(ErrorCode.MISSING_FIELD, _("Describe how the problem was fixed."), field="resolution")
    if len(resolution) > MAX_NOTE_LENGTH:
        raise DomainError(ErrorCode.TOO_LONG, _("The resolution is too long."), field="resolution")
    case = Case.objects.select_for_update().get(pk=case.pk)
    _require_open(case)
    now = timezone.now()
    previous = case.status
    case.status, case.category, case.resolution, case.resolved_at = (
        CaseStatus.RESOLVED,
        category,
        resolution,
        now,
    )
    if case.owner_id is None:
        case.owner = by
        log_case_event(
            case=case, kind=EventKind.OWNER_ASSIGNED, actor=by, data={"owner": by.username, "previous_owner": None}
        )
    if case.first_response_at is None:
        case.first_response_at = now
    _refresh_due(case)
    case.save()
    log_case_event(case=case, kind=EventKind.STATUS_CHANGED, actor=by, data={"from": previous, "to": case.status})
    log_case_event(case=case, kind=EventKind.RESOLVED, actor=by, data={"category": category, "resolution": resolution})
    from amends.surveys.services import invitations_after_case_resolved  # surveys build on cases

    invitations_after_case_resolved(case)
    return case


@transaction.atomic
def case_open_proactive(*, customer: Customer, location: Location, reason: str, summary: str, by: User) -> Case:
    """Open a case for a customer who did not complain (yet): the agent reaches out first.

    Like every case, one open case per customer: if one is already open, that one is returned.
    """
    existing = _open_case_of(customer.pk, lock=True)
    if existing is not None:
        return existing
    case = _new_case(
        customer_id=customer.pk,
        location=location,
        team=location.team,
        owner=by,
        status=CaseStatus.ACKNOWLEDGED,
        severity=Severity.MEDIUM,
        summary=summary[:SUMMARY_LENGTH],
    )
    log_case_event(case=case, kind=EventKind.OPENED, actor=by, data={"proactive": reason})
    log_case_event(
        case=case, kind=EventKind.OWNER_ASSIGNED, actor=by, data={"owner": by.username, "previous_owner": None}
    )
    return case


@transaction.atomic
def case_open_for_saved_feedback(
    *, feedback: Feedback, severity: Severity, reason: str, category: str = "", team: Team | None = None
) -> Case:
    """Put stored feedback that has no case on the customer's open case, or on a new case that alerts its team.

    For a failure found after the feedback was stored, e.g. the text model reading a complaint in the comment of a
    good survey score. `reason` (e.g. "text") is added to the opened / feedback-added event. Feedback that has a case
    by now keeps it.
    """
    Customer.objects.select_for_update().filter(pk=feedback.customer_id).first()
    current = Feedback.objects.select_for_update().get(pk=feedback.pk)
    if current.case_id is not None:
        return Case.objects.get(pk=current.case_id)
    case = case_open_or_attach(feedback=current, severity=severity, customer_locked=True, category=category, team=team)
    event = case.events.filter(kind__in=(EventKind.OPENED, EventKind.FEEDBACK_ADDED)).order_by("-id").first()
    if event is not None:
        event.data = {**event.data, "reason": reason}
        event.save(update_fields=["data"])
    return case
