"""Every write to a recovery case. Each change writes a typed timeline event."""

from collections.abc import Mapping, Sequence
from copy import copy
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import make_msgid
from typing import Any, Protocol

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from amends.core.enums import Language
from amends.core.errors import DomainError, ErrorCode
from amends.core.models import BusinessCalendar, Location, Team, User
from amends.core.selectors import supervisors_of
from amends.core.tasks import enqueue_with_transaction
from amends.core.text import flattened, has_line_break, line_break_message
from amends.customers.models import Customer
from amends.intake.channels.csv.bulk import insert_objects, update_rows
from amends.intake.detection import more_severe
from amends.intake.models import Feedback
from amends.intake.queue import enqueue_many
from amends.notifications.services import notify

from . import lifecycle, sla, wording
from .enums import OPEN_STATUSES, CaseStatus, EscalationLevel, EventKind, PlaybookStep, Severity
from .models import Case, CaseEvent, CaseMessage, Category, SavedView, SlaPolicy
from .selectors import (
    case_targets,
    categories,
    categories_forget,
    message_wording,
    open_required_steps,
    playbook_for,
    sla_policies_forget,
    sla_policy_for,
)
from .tasks import case_message_send_task, case_opened_alert_task
from .taxonomy import DEFAULT_CATEGORIES, NAME_SUFFIXES, root_cause_of

SUMMARY_LENGTH = 120
MAX_NOTE_LENGTH = 10_000
MAX_CATEGORY_LENGTH = 100
MAX_REASON_LENGTH = 500


def log_case_event(*, case: Case, kind: EventKind, actor: User | None = None, data: dict | None = None) -> CaseEvent:
    """Append to the case's timeline; EventKind documents which keys `data` holds for each kind."""
    event = _event(case=case, kind=kind, actor=actor, data=data)
    event.save()
    return event


def _event(*, case: Case, kind: EventKind, actor: User | None = None, data: dict | None = None) -> CaseEvent:
    return CaseEvent(case=case, kind=kind, actor=actor, data=data or {}, created_at=timezone.now())


class EventLog(Protocol):
    """Where a change's timeline events go: `log_case_event`, or a `_Timeline` written later in one insert."""

    def __call__(
        self, *, case: Case, kind: EventKind, actor: User | None = None, data: dict | None = None
    ) -> CaseEvent: ...


def summarise(feedback: Feedback) -> str:
    text = " ".join(feedback.text.split())
    if text:
        return text if len(text) <= SUMMARY_LENGTH else text[: SUMMARY_LENGTH - 1] + "…"
    return ", ".join(feedback.score_labels())


def _refresh_sla(case: Case) -> None:
    """Recompute the case's deadlines and next escalation from its policy, status, responses and pauses."""
    clock = sla.clock_for(
        case_targets(case),
        status=case.status,
        created_at=case.created_at,
        first_response_at=case.first_response_at,
        customer_waiting_since=case.customer_waiting_since,
        pauses=sla.pauses_from_json(case.sla_pauses),
        previous_target=case.sla_target,
        previous_level=case.escalation_level,
    )
    # While the clock is stopped the last known due times stay on show; they move when it runs again.
    case.first_response_due_at = clock.first_response_due_at or case.first_response_due_at
    case.resolution_due_at = clock.resolution_due_at or case.resolution_due_at
    case.next_response_due_at = clock.next_response_due_at
    case.sla_target, case.due_at = clock.target, clock.due_at
    case.escalation_level, case.escalation_at = clock.level, clock.escalation_at


def _record_first_response(case: Case, now: datetime) -> None:
    if case.first_response_at is None:
        case.first_response_at = now
        case.first_response_business_minutes = _business_minutes(case, case.created_at, now)


def _business_minutes(case: Case, start: datetime, end: datetime) -> int:
    return sla.business_minutes(case_targets(case).calendar, start, end, sla.pauses_from_json(case.sla_pauses))


def _open_case_of(customer_id: int, *, lock: bool) -> Case | None:
    """The customer's open case; with `lock`, the customer row is locked first, so that two failures arriving at
    once cannot both find none and open two."""
    if lock:
        Customer.objects.select_for_update().filter(pk=customer_id).first()
    return Case.objects.filter(customer_id=customer_id, status__in=OPEN_STATUSES).order_by("id").first()


def _new_case(*, channel: str = "", **fields: Any) -> Case:
    """A case opened now, on the clock of the first SLA policy that matches it (or the default clock)."""
    case = _unsaved_case(channel=channel, **fields)
    case.save()
    return case


def _unsaved_case(*, channel: str, **fields: Any) -> Case:
    now = timezone.now()
    case = Case(**fields, created_at=now, first_response_due_at=now, resolution_due_at=now, contacts=1)
    case.sla_policy = sla_policy_for(
        severity=case.severity, segment=case.customer.segment, channel=channel, category=case.category
    )
    case.playbook = playbook_for(category=case.category, severity=case.severity)
    _refresh_sla(case)
    return case


class _Timeline:
    """Timeline events gathered while cases change in memory, written with one insert once the cases are saved."""

    def __init__(self) -> None:
        self.events: list[CaseEvent] = []

    def add(self, *, case: Case, kind: EventKind, actor: User | None = None, data: dict | None = None) -> CaseEvent:
        event = _event(case=case, kind=kind, actor=actor, data=data)
        self.events.append(event)
        return event

    def write(self) -> None:
        insert_objects(self.events)


@transaction.atomic(savepoint=False)
def case_open_or_attach(
    *,
    feedback: Feedback,
    severity: Severity,
    customer_locked: bool = False,
    category: str = "",
    team: Team | None = None,
    reply_to: Case | None = None,
) -> Case:
    """Save a failure's (unsaved) feedback on the customer's open case, or on a new case that alerts its team.

    `reply_to` is the case the customer answers (an email thread): a resolved one reopens within its reopen window
    and is followed by a new, linked case after it. The customer's row is locked (here, unless the caller already
    holds the lock) so that two failures arriving at once cannot open two cases.
    """
    case = _open_case_of(feedback.customer_id, lock=not customer_locked)
    if case is None and reply_to is not None and reply_to.customer_id == feedback.customer_id:
        earlier = Case.objects.select_for_update().get(pk=reply_to.pk)
        if earlier.status in lifecycle.REOPENABLE and earlier.reopen_until and earlier.reopen_until > timezone.now():
            case = _reopen(earlier, reason="customer_replied", by=None)
    if case is not None:
        _attach(case, feedback, severity)
        return case

    case = _new_case(
        channel=feedback.channel,
        customer_id=feedback.customer_id,
        location=feedback.location,
        team=team or feedback.location.team,
        severity=severity,
        category=category,
        summary=summarise(feedback),
        follows=reply_to if reply_to is not None and reply_to.customer_id == feedback.customer_id else None,
    )
    feedback.case = case
    feedback.save()
    log_case_event(case=case, kind=EventKind.OPENED, data={"feedback_id": feedback.pk})
    if case.follows is not None:
        log_case_event(case=case, kind=EventKind.LINKED, data={"case_id": case.follows.pk, "relation": "follows"})
        log_case_event(case=case.follows, kind=EventKind.LINKED, data={"case_id": case.pk, "relation": "followed_by"})
    enqueue_with_transaction(case_opened_alert_task, case.pk)
    return case


@dataclass(frozen=True)
class Failure:
    """A failure for `cases_open_or_attach_many`: its unsaved feedback (customer and location set) and verdict."""

    feedback: Feedback
    severity: Severity
    category: str = ""
    team: Team | None = None


# What joining a case changes on it (`_join`), written for many cases at once.
JOINED_FIELDS = (
    "summary",
    "severity",
    "contacts",
    "customer_waiting_since",
    "status",
    "sla_pauses",
    "first_response_due_at",
    "resolution_due_at",
    "next_response_due_at",
    "sla_target",
    "due_at",
    "escalation_level",
    "escalation_at",
    "updated_at",
)


@transaction.atomic(savepoint=False)
def cases_open_or_attach_many(failures: Sequence[Failure]) -> list[Case]:
    """`case_open_or_attach` for each failure in turn, in a few statements; the caller holds the customers' locks.

    Returns each failure's case as it stood right after that failure (a copy), as a single request would answer.
    """
    if not failures:
        return []
    customer_ids = {failure.feedback.customer_id for failure in failures}
    customers = Customer.objects.in_bulk(customer_ids)
    open_cases: dict[int, Case] = {}
    for case in Case.objects.filter(customer_id__in=customer_ids, status__in=OPEN_STATUSES).order_by("id"):
        open_cases.setdefault(case.customer_id, case)
    worded = set(
        Feedback.objects.filter(case_id__in=[case.pk for case in open_cases.values()])
        .exclude(text="")
        .values_list("case_id", flat=True)
    )
    cases, opened = _cases_of(failures, open_cases, customers)
    insert_objects(opened)
    for failure, case in zip(failures, cases, strict=True):
        failure.feedback.case = case
    insert_objects([failure.feedback for failure in failures])

    timeline, answers, joined = _Timeline(), [], {}
    fresh = {case.pk for case in opened}
    for failure, case in zip(failures, cases, strict=True):
        feedback = failure.feedback
        if case.pk in fresh:
            fresh.discard(case.pk)
            timeline.add(case=case, kind=EventKind.OPENED, data={"feedback_id": feedback.pk})
        else:
            first_words = bool(feedback.text.strip()) and case.pk not in worded
            _join(case, feedback, failure.severity, first_words=first_words, log=timeline.add)
            joined[case.pk] = case
        if feedback.text.strip():
            worded.add(case.pk)
        answers.append(copy(case))
    now = timezone.now()
    for case in joined.values():
        case.updated_at = now  # a bulk update does not touch auto_now fields itself
    update_rows(list(joined.values()), JOINED_FIELDS)
    timeline.write()
    enqueue_many((case_opened_alert_task, case.pk) for case in opened)
    return answers


def _cases_of(
    failures: Sequence[Failure], open_cases: dict[int, Case], customers: Mapping[int, Customer]
) -> tuple[list[Case], list[Case]]:
    """Each failure's case: the customer's open case, else a new one (unsaved) that later failures join."""
    cases, opened = [], []
    for failure in failures:
        feedback = failure.feedback
        case = open_cases.get(feedback.customer_id)
        if case is None:
            case = _unsaved_case(
                channel=feedback.channel,
                customer=customers[feedback.customer_id],
                location=feedback.location,
                team=failure.team or feedback.location.team,
                severity=failure.severity,
                category=failure.category,
                summary=summarise(feedback),
            )
            open_cases[feedback.customer_id] = case
            opened.append(case)
        cases.append(case)
    return cases, opened


def _attach(case: Case, feedback: Feedback, severity: Severity) -> None:
    first_words = bool(feedback.text.strip()) and not case.feedback.exclude(text="").exists()
    feedback.case = case
    feedback.save()
    _join(case, feedback, severity, first_words=first_words, log=log_case_event)
    case.save()


def _join(case: Case, feedback: Feedback, severity: Severity, *, first_words: bool, log: EventLog) -> None:
    """The customer spoke again on their open case (in memory): one more contact, waiting for an answer."""
    log(case=case, kind=EventKind.FEEDBACK_ADDED, data={"feedback_id": feedback.pk})
    if first_words:
        # The first words the customer wrote say more than the scores the case opened with.
        case.summary = summarise(feedback)
    raised = more_severe(case.severity, severity)
    if raised != case.severity:
        log(case=case, kind=EventKind.SEVERITY_RAISED, data={"from": case.severity, "to": raised})
        case.severity = raised
    case.contacts += 1
    if case.first_response_at is not None and case.customer_waiting_since is None:
        case.customer_waiting_since = timezone.now()
    if case.status == CaseStatus.WAITING_ON_CUSTOMER:
        # The customer answered: the clock runs again.
        _move(case, CaseStatus.IN_PROGRESS, by=None, now=timezone.now(), log=log)
    _refresh_sla(case)


def _require_open(case: Case) -> None:
    if case.status not in OPEN_STATUSES:
        raise DomainError(ErrorCode.INVALID_TRANSITION, _("This case is already resolved."), field="status", status=409)


def _move(
    case: Case, to: str, *, by: User | None, now: datetime, reason: str = "", log: EventLog = log_case_event
) -> None:
    """Change the status (unsaved), stopping or restarting the SLA clock as the new status asks."""
    previous = case.status
    case.status = to
    pauses = sla.pauses_from_json(case.sla_pauses)
    moved = sla.with_status(pauses, status=to, targets=case_targets(case), now=now)
    data = {"from": previous, "to": to, **({"reason": reason} if reason else {})}
    log(case=case, kind=EventKind.STATUS_CHANGED, actor=by, data=data)
    if moved != pauses:
        case.sla_pauses = sla.pauses_to_json(moved)
        stopped = moved[-1][1] is None
        _refresh_sla(case)
        kind = EventKind.SLA_PAUSED if stopped else EventKind.SLA_RESUMED
        due = {} if stopped or case.due_at is None else {"due_at": case.due_at.isoformat()}
        log(case=case, kind=kind, actor=by, data={"status": to, **due})


@transaction.atomic
def case_take_ownership(*, case: Case, by: User) -> Case:
    """The agent says "I will fix this for you": they own it, and that is the first response."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    _require_open(case)
    if case.owner_id == by.pk:
        return case
    if case.owner_id is not None:
        return _transfer(case, owner=by, team=case.team, reason=_("Taken over"), by=by)
    _give_first_owner(case, by, by=by)
    _refresh_sla(case)
    case.save()
    return case


def _give_first_owner(case: Case, owner: User, *, by: User) -> None:
    """The case's first owner (unsaved): not a transfer. An agent who takes it answers the customer by that."""
    case.owner = owner
    log_case_event(
        case=case, kind=EventKind.OWNER_ASSIGNED, actor=by, data={"owner": owner.username, "previous_owner": None}
    )
    if owner == by:
        now = timezone.now()
        if case.status == CaseStatus.NEW:
            _move(case, CaseStatus.ACKNOWLEDGED, by=by, now=now)
        _record_first_response(case, now)


@transaction.atomic
def case_assign(*, case: Case, owner: User | None, team: Team | None, reason: str, by: User) -> Case:
    """Give the case to an owner and/or another team. Every change after the first owner is a transfer and needs
    a reason; a new team without a named owner puts the case in that team's queue."""
    case = Case.objects.select_for_update(of=("self",)).select_related("team", "owner").get(pk=case.pk)
    _require_open(case)
    reason = reason.strip()
    if len(reason) > MAX_REASON_LENGTH:
        raise DomainError(ErrorCode.TOO_LONG, _("The reason is too long."), field="reason")
    team = team or case.team
    if owner is not None:
        if not owner.is_active:
            raise DomainError(
                ErrorCode.INVALID_VALUE, _("%(user)s cannot take cases.") % {"user": owner.username}, field="owner"
            )
        if team is not None and not owner.sees_all_teams and not team.members.filter(pk=owner.pk).exists():
            raise DomainError(
                ErrorCode.INVALID_VALUE,
                _("%(user)s is not a member of %(team)s.") % {"user": owner.username, "team": team.name},
                field="owner",
            )
    elif team == case.team:
        raise DomainError(ErrorCode.MISSING_FIELD, _("Name the new owner or the new team."), field="owner")
    if owner == case.owner and team == case.team:
        return case
    if case.owner_id is None and team == case.team:
        assert owner is not None  # the first owner: not a transfer, no reason needed
        _give_first_owner(case, owner, by=by)
        _refresh_sla(case)
        case.save()
        return case
    if not reason:
        raise DomainError(ErrorCode.MISSING_FIELD, _("Say why the case changes hands."), field="reason")
    return _transfer(case, owner=owner, team=team, reason=reason, by=by)


def _transfer(case: Case, *, owner: User | None, team: Team | None, reason: str, by: User) -> Case:
    log_case_event(
        case=case,
        kind=EventKind.TRANSFERRED,
        actor=by,
        data={
            "from_owner": case.owner.username if case.owner else None,
            "to_owner": owner.username if owner else None,
            "from_team": case.team.slug if case.team else None,
            "to_team": team.slug if team else None,
            "reason": reason,
        },
    )
    case.owner, case.team = owner, team
    case.transfers += 1
    if owner == by:
        _record_first_response(case, timezone.now())
    _refresh_sla(case)
    case.save()
    return case


@transaction.atomic
def case_change_status(*, case: Case, status: str, reason: str = "", by: User) -> Case:
    """Move the case along its lifecycle (resolving and reopening have their own actions)."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if status == case.status:
        return case
    if status == CaseStatus.RESOLVED:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, _("Resolve the case with its root cause instead."), field="status", status=409
        )
    if not lifecycle.can_move(case.status, status):
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            _("A case that is %(current)s cannot become %(status)s.")
            % {"current": CaseStatus(case.status).label, "status": CaseStatus(status).label},
            field="status",
            status=409,
        )
    reason = reason.strip()[:MAX_REASON_LENGTH]
    now = timezone.now()
    _move(case, status, by=by, now=now, reason=reason)
    if status in lifecycle.RESPONDING:
        _record_first_response(case, now)
    if status == CaseStatus.WAITING_ON_CUSTOMER:
        case.customer_waiting_since = None  # we asked them: now it is their turn
    if status == CaseStatus.CLOSED:
        case.reopen_until = None
        log_case_event(case=case, kind=EventKind.CLOSED, actor=by, data={})
    _refresh_sla(case)
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


def categories_seed(model: Any = Category) -> None:
    """The first taxonomy, where a category of it is missing: run by the migration (with its historical model), and
    again by tests that empty the database."""
    for position, (key, stage, family, names) in enumerate(DEFAULT_CATEGORIES, start=1):
        fields = {f"name{suffix}": name for suffix, name in zip(NAME_SUFFIXES, names, strict=True)}
        model.objects.get_or_create(
            key=key, defaults={"stage": stage, "family": family, "position": position * 10, **fields}
        )
    categories_forget()


def category_register(key: str) -> None:
    """Keep a category that is not in the taxonomy yet (an integration's own code): added as not offered, placed by
    its words, for an admin to map and name. Nothing a client sent is lost, and the analyses see it at once."""
    if any(category.key == key for category in categories()):
        return
    place = root_cause_of(key, {})
    _category, created = Category.objects.get_or_create(
        key=key, defaults={"name": key, "stage": place.stage, "family": place.family, "is_active": False}
    )
    if created:
        categories_forget()


@transaction.atomic
def case_resolve(*, case: Case, category: str, resolution: str, by: User, override_reason: str = "") -> Case:
    """Resolve with a root cause. Required playbook steps must be done, unless a supervisor overrides with a reason."""
    category, resolution, override_reason = category.strip(), resolution.strip(), override_reason.strip()
    if not category:
        raise DomainError(ErrorCode.MISSING_FIELD, _("Choose the root-cause category."), field="category")
    if len(category) > MAX_CATEGORY_LENGTH:
        raise DomainError(ErrorCode.TOO_LONG, _("The category is too long."), field="category")
    if not resolution:
        raise DomainError(ErrorCode.MISSING_FIELD, _("Describe how the problem was fixed."), field="resolution")
    if len(resolution) > MAX_NOTE_LENGTH:
        raise DomainError(ErrorCode.TOO_LONG, _("The resolution is too long."), field="resolution")
    case = Case.objects.select_for_update(of=("self",)).select_related("playbook").get(pk=case.pk)
    _require_open(case)
    category_register(category)
    open_steps = open_required_steps(case)
    if open_steps:
        _allow_override(open_steps, override_reason, by)
        log_case_event(
            case=case, kind=EventKind.OVERRIDE, actor=by, data={"open_steps": open_steps, "reason": override_reason}
        )
    now = timezone.now()
    if case.owner_id is None:
        case.owner = by
        log_case_event(
            case=case, kind=EventKind.OWNER_ASSIGNED, actor=by, data={"owner": by.username, "previous_owner": None}
        )
    _record_first_response(case, now)
    _move(case, CaseStatus.RESOLVED, by=by, now=now)
    case.category, case.resolution, case.resolved_at = category, resolution, now
    case.customer_waiting_since = None
    case.reopen_until = now + timedelta(days=settings.AMENDS_REOPEN_WINDOW_DAYS)
    case.resolution_business_minutes = _business_minutes(case, case.created_at, now)
    case.sla_met = not sla.is_breached(
        now=now,
        first_response_at=case.first_response_at,
        first_response_due_at=case.first_response_due_at,
        resolved_at=now,
        resolution_due_at=case.resolution_due_at,
    )
    _refresh_sla(case)
    case.save()
    log_case_event(case=case, kind=EventKind.RESOLVED, actor=by, data={"category": category, "resolution": resolution})
    from amends.surveys.services import invitations_after_case_resolved  # surveys build on cases

    invitations_after_case_resolved(case)
    from amends.followups.services import follow_up_schedule  # follow-ups build on cases

    follow_up_schedule(case)
    return case


def _reopen(case: Case, *, reason: str, by: User | None) -> Case:
    """Back to work (unsaved changes saved here): counted, with the owner it had, on the same SLA targets."""
    from amends.followups.services import follow_ups_cancel

    now = timezone.now()
    to = CaseStatus.IN_PROGRESS if case.owner_id else CaseStatus.NEW
    follow_ups_cancel(case)
    case.reopens += 1
    case.resolved_at, case.reopen_until, case.sla_met = None, None, None
    log_case_event(case=case, kind=EventKind.REOPENED, actor=by, data={"reason": reason})
    _move(case, to, by=by, now=now)
    _refresh_sla(case)
    case.save()
    return case


@transaction.atomic
def case_reopen(*, case: Case, reason: str, by: User) -> Case:
    reason = reason.strip()
    if not reason:
        raise DomainError(ErrorCode.MISSING_FIELD, _("Say why the case is reopened."), field="reason")
    if len(reason) > MAX_REASON_LENGTH:
        raise DomainError(ErrorCode.TOO_LONG, _("The reason is too long."), field="reason")
    Customer.objects.select_for_update().filter(pk=case.customer_id).first()
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status not in lifecycle.REOPENABLE:
        raise DomainError(ErrorCode.INVALID_TRANSITION, _("This case is still open."), field="status", status=409)
    other = _open_case_of(case.customer_id, lock=False)
    if other is not None:
        raise DomainError(
            ErrorCode.OPEN_CASE,
            _("This customer already has an open case, #%(id)s: continue there or merge.") % {"id": other.pk},
            field="status",
            status=409,
        )
    return _reopen(case, reason=reason, by=by)


@transaction.atomic
def case_reopen_or_link(*, case: Case, reason: str) -> Case:
    """Back to work without an agent asking, e.g. after an unhappy follow-up answer: the case reopens, or, when the
    customer has another case open by now, the two are linked and work continues there. Returns the open case."""
    Customer.objects.select_for_update().filter(pk=case.customer_id).first()
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status in OPEN_STATUSES:
        return case
    other = _open_case_of(case.customer_id, lock=False)
    if other is None:
        return _reopen(case, reason=reason, by=None)
    return case_link(case=other, other=case, by=None)


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


PAUSABLE = (CaseStatus.ACKNOWLEDGED, CaseStatus.IN_PROGRESS, CaseStatus.WAITING_ON_CUSTOMER)


@transaction.atomic
def sla_policy_create(
    *,
    name: str,
    calendar_id: int,
    priority: int = 100,
    first_response_minutes: int = 60,
    next_response_minutes: int | None = None,
    resolution_minutes: int = 2880,
    warning_percent: int = 75,
    requeue_after_minutes: int = 60,
    pause_statuses: Sequence[str] = (CaseStatus.WAITING_ON_CUSTOMER,),
    conditions: Mapping[str, object] | None = None,
) -> SlaPolicy:
    """A new SLA policy; cases opened from now on are matched against it (within the policy cache's 30 s)."""
    name = name.strip()
    if not name:
        raise DomainError(ErrorCode.MISSING_FIELD, _("Give the policy a name."), field="name")
    calendar = BusinessCalendar.objects.filter(pk=calendar_id).first()
    if calendar is None:
        raise DomainError(
            ErrorCode.UNKNOWN_CALENDAR,
            _("There is no calendar %(id)s.") % {"id": calendar_id},
            field="calendar",
            status=422,
        )
    if resolution_minutes < first_response_minutes:
        raise DomainError(
            ErrorCode.OUT_OF_RANGE,
            _("The resolution target cannot be shorter than the first response target."),
            field="resolution_minutes",
        )
    stops = sorted(set(pause_statuses))
    if any(status not in PAUSABLE for status in stops):
        raise DomainError(
            ErrorCode.INVALID_VALUE,
            _("Only acknowledged, in progress and waiting on customer can stop the clock."),
            field="pause_statuses",
        )
    kept = {name: value for name, value in (conditions or {}).items() if value not in (None, [], "")}
    try:
        with transaction.atomic():
            policy = SlaPolicy.objects.create(
                name=name,
                calendar=calendar,
                priority=priority,
                first_response_minutes=first_response_minutes,
                next_response_minutes=next_response_minutes,
                resolution_minutes=resolution_minutes,
                warning_percent=warning_percent,
                requeue_after_minutes=requeue_after_minutes,
                pause_statuses=stops,
                conditions=kept,
            )
    except IntegrityError as exc:
        raise DomainError(
            ErrorCode.DUPLICATE,
            _("A policy named %(name)s already exists.") % {"name": name},
            field="name",
            status=409,
        ) from exc
    sla_policies_forget()
    return policy


def case_escalate(*, case_id: int) -> EscalationLevel | None:
    """Take the case's next escalation step if it is due: warn the owner, then tell the supervisors of the breach,
    then put the case back in the team queue. Claimed with a conditional update, so that several sweepers never
    take one step twice; returns the level reached, or None when there was nothing (left) to do."""
    now = timezone.now()
    with transaction.atomic():
        due = (
            Case.objects.filter(pk=case_id, escalation_at__lte=now).values("escalation_level", "escalation_at").first()
        )
        if due is None:
            return None
        level = sla.escalation_step(due["escalation_level"])
        claimed = Case.objects.filter(pk=case_id, **due).update(escalation_level=level, escalation_at=None)
        if not claimed:
            return None
        case = Case.objects.select_for_update(of=("self",)).select_related("owner", "team", "location").get(pk=case_id)
        data = {"target": case.sla_target, "due_at": case.due_at.isoformat() if case.due_at else None}
        if level == EscalationLevel.WARNED:
            recipients = [case.owner] if case.owner else _team_members(case)
            kind = EventKind.SLA_WARNING
        elif level == EscalationLevel.BREACHED:
            recipients = _supervisors(case) or _team_members(case)
            kind = EventKind.SLA_BREACHED
        else:
            recipients = [user for user in [case.owner, *_supervisors(case)] if user is not None]
            kind = EventKind.REQUEUED
            data["previous_owner"] = case.owner.username if case.owner else None
            case.owner = None
        log_case_event(case=case, kind=kind, data={**data, "notified": sorted(user.username for user in recipients)})
        _refresh_sla(case)
        case.save()
        notify(recipients=recipients, kind=kind, case_id=case.pk, message=lambda: _escalation_message(case, kind))
        return level


def _team_members(case: Case) -> list[User]:
    return list(case.team.members.filter(is_active=True)) if case.team else []


def _supervisors(case: Case) -> list[User]:
    return supervisors_of(case.team_id) if case.team_id is not None else []


def _escalation_message(case: Case, kind: EventKind) -> tuple[str, str]:
    due = case.due_at.strftime("%Y-%m-%d %H:%M") + " UTC" if case.due_at else "-"
    values = {"id": case.pk, "summary": case.summary, "due": due, "location": case.location.name}
    subjects = {
        EventKind.SLA_WARNING: _("Case #%(id)s is due soon (%(due)s)"),
        EventKind.SLA_BREACHED: _("Case #%(id)s missed its SLA"),
        EventKind.REQUEUED: _("Case #%(id)s is back in the team queue"),
    }
    link = settings.AMENDS_BASE_URL.rstrip("/") + reverse("web:case", args=[case.pk])
    body = "\n".join([case.summary, _("Location: %(location)s") % values, "", link])
    return subjects[kind] % values, body


@transaction.atomic
def case_close_after_reopen_window(*, case_id: int) -> bool:
    """A resolved case whose reopen window has ended is closed; a later reply opens a new, linked case."""
    closed = Case.objects.filter(pk=case_id, status=CaseStatus.RESOLVED, reopen_until__lte=timezone.now()).update(
        status=CaseStatus.CLOSED, reopen_until=None
    )
    if closed:
        case = Case.objects.get(pk=case_id)
        log_case_event(case=case, kind=EventKind.STATUS_CHANGED, data={"from": "resolved", "to": "closed"})
        log_case_event(case=case, kind=EventKind.CLOSED, data={})
    return bool(closed)


def _allow_override(open_steps: list[str], reason: str, by: User) -> None:
    labels = ", ".join(str(PlaybookStep(step).label) for step in open_steps)
    if not by.supervises:
        raise DomainError(
            ErrorCode.STEPS_OPEN,
            _("Finish the playbook first: %(steps)s. A supervisor can resolve it anyway, with a reason.")
            % {"steps": labels},
            field="steps",
            status=409,
        )
    if not reason:
        raise DomainError(
            ErrorCode.MISSING_FIELD,
            _("These steps are not done: %(steps)s. Say why the case is resolved anyway.") % {"steps": labels},
            field="override_reason",
        )
    if len(reason) > MAX_REASON_LENGTH:
        raise DomainError(ErrorCode.TOO_LONG, _("The reason is too long."), field="override_reason")


@transaction.atomic
def case_mark_step(*, case: Case, step: str, done: bool, by: User) -> Case:
    """Tick (or untick) a playbook step on the case's checklist."""
    if step not in PlaybookStep.values:
        raise DomainError(
            ErrorCode.INVALID_VALUE, _("There is no playbook step %(step)s.") % {"step": step}, field="step"
        )
    case = Case.objects.select_for_update().get(pk=case.pk)
    if done == (step in case.checklist):
        return case
    if done:
        case.checklist = {**case.checklist, step: {"by": by.username, "at": timezone.now().isoformat()}}
    else:
        case.checklist = {key: value for key, value in case.checklist.items() if key != step}
    log_case_event(case=case, kind=EventKind.PLAYBOOK_STEP, actor=by, data={"step": step, "done": done})
    case.save(update_fields=["checklist", "updated_at"])
    return case


MAX_SUBJECT_LENGTH = 200


def message_values(case: Case, by: User) -> dict[str, str]:
    """What a template's variables stand for on this case."""
    interaction = case.feedback.exclude(interaction=None).select_related("interaction").order_by("-id").first()
    return {
        "customer_name": case.customer.name or case.customer.external_id,
        "location": case.location.name,
        "order": interaction.interaction.external_id if interaction and interaction.interaction else f"#{case.pk}",
        "agent": by.get_full_name() or by.username,
        "case_id": f"#{case.pk}",
    }


@transaction.atomic
def case_message_send(
    *, case: Case, by: User, template: str = "", subject: str = "", body: str = "", language: str = ""
) -> CaseMessage:
    """Write to the customer by email from the case. A template gives the wording in the customer's language (or
    `language`); a subject or body given replaces the template's. Writing is a response: the SLA clock moves on."""
    case = Case.objects.select_for_update(of=("self",)).select_related("customer", "location").get(pk=case.pk)
    customer = case.customer
    if not customer.email:
        raise DomainError(
            ErrorCode.MISSING_FIELD, _("This customer has no email address to write to."), field="to", status=422
        )
    language = language or customer.language or settings.LANGUAGE_CODE
    if language not in Language.values:
        raise DomainError(ErrorCode.INVALID_VALUE, _("Choose one of the supported languages."), field="language")
    if has_line_break(subject.strip()):
        raise DomainError(ErrorCode.INVALID_VALUE, line_break_message(), field="subject")
    if template:
        if template not in PlaybookStep.values:
            raise DomainError(
                ErrorCode.INVALID_VALUE, _("There is no template %(name)s.") % {"name": template}, field="template"
            )
        wording_subject, wording_body = message_wording(step=template, language=language)
        values = message_values(case, by)
        subject = subject.strip() or flattened(wording.render(wording_subject, values))  # names as stored
        body = body.strip() or wording.render(wording_body, values)
    subject, body = subject.strip(), body.strip()
    if not body:
        raise DomainError(ErrorCode.MISSING_FIELD, _("Write the message, or choose a template."), field="body")
    if len(body) > MAX_NOTE_LENGTH:
        raise DomainError(ErrorCode.TOO_LONG, _("The message is too long."), field="body")
    subject = (subject or _("About your case #%(id)s") % {"id": case.pk})[:MAX_SUBJECT_LENGTH]
    now = timezone.now()
    message = CaseMessage.objects.create(
        case=case,
        author=by,
        to_email=customer.email,
        language=language,
        template=template,
        subject=subject,
        body=body,
        message_id=make_msgid(domain=settings.AMENDS_MAIL_DOMAIN),
        created_at=now,
    )
    log_case_event(
        case=case,
        kind=EventKind.MESSAGE_SENT,
        actor=by,
        data={"message_id": message.pk, "template": template, "language": language, "subject": subject},
    )
    _record_first_response(case, now)
    case.customer_waiting_since = None
    if template and template not in case.checklist:
        case.checklist = {**case.checklist, template: {"by": by.username, "at": now.isoformat()}}
        log_case_event(case=case, kind=EventKind.PLAYBOOK_STEP, actor=by, data={"step": template, "done": True})
    if case.status == CaseStatus.NEW:
        _move(case, CaseStatus.ACKNOWLEDGED, by=by, now=now)
    _refresh_sla(case)
    case.save()
    enqueue_with_transaction(case_message_send_task, message.pk)
    return message


def case_message_failed(*, message_id: int, reason: str) -> None:
    """A message that could not be sent: why, on the case's timeline; and its author is told."""
    message = CaseMessage.objects.select_related("case", "author").get(pk=message_id)
    log_case_event(
        case=message.case,
        kind=EventKind.MESSAGE_FAILED,
        data={"message_id": message.pk, "subject": message.subject, "reason": reason},
    )
    if message.author is None:
        return

    def text() -> tuple[str, str]:
        why = _(reason) if reason else reason  # our own reasons are translated; a mail server's words are kept
        values = {"id": message.case_id, "subject": message.subject, "to": message.to_email, "reason": why}
        subject = _("Case #%(id)s: your message was not sent") % values
        body = _("Your message “%(subject)s” to %(to)s was not sent: %(reason)s") % values
        link = settings.AMENDS_BASE_URL.rstrip("/") + reverse("web:case", args=[message.case_id])
        return subject, f"{body}\n\n{link}"

    notify(recipients=[message.author], kind=EventKind.MESSAGE_FAILED, case_id=message.case_id, message=text)


@transaction.atomic
def case_clock_refresh(*, case_id: int) -> Case:
    """Recompute the SLA deadlines from the case's own facts, e.g. after its history was loaded from elsewhere."""
    case = Case.objects.select_for_update().get(pk=case_id)
    _refresh_sla(case)
    case.save()
    return case


@transaction.atomic
def case_merge(*, duplicate: Case, into: Case, by: User) -> Case:
    """The same failure twice: the duplicate's feedback, messages and timeline move to `into`, and it closes.

    Only a customer's own cases merge; cases of different customers are linked instead.
    """
    if duplicate.pk == into.pk:
        raise DomainError(ErrorCode.INVALID_VALUE, _("A case cannot be merged into itself."), field="into")
    first, second = sorted([duplicate.pk, into.pk])  # always lock in the same order: two merges cannot deadlock
    locked = {case.pk: case for case in Case.objects.select_for_update().filter(pk__in=[first, second])}
    duplicate, into = locked[duplicate.pk], locked[into.pk]
    if duplicate.customer_id != into.customer_id:
        raise DomainError(
            ErrorCode.INVALID_VALUE,
            _("Only cases of the same customer merge; link cases of different customers instead."),
            field="into",
        )
    if duplicate.merged_into_id or into.merged_into_id:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, _("One of these cases was merged already."), field="into", status=409
        )
    Feedback.objects.filter(case=duplicate).update(case=into)
    CaseMessage.objects.filter(case=duplicate).update(case=into)
    duplicate.events.update(case=into)  # one timeline: the events keep their times, so they interleave
    into.contacts += duplicate.contacts
    into.severity = more_severe(into.severity, duplicate.severity)
    into.checklist = {**duplicate.checklist, **into.checklist}
    log_case_event(case=into, kind=EventKind.MERGED, actor=by, data={"from": duplicate.pk})
    _refresh_sla(into)
    into.save()
    now = timezone.now()
    previous = duplicate.status
    duplicate.merged_into = into
    duplicate.status, duplicate.resolved_at, duplicate.reopen_until = CaseStatus.CLOSED, now, None
    duplicate.resolution = _("Merged into case #%(id)s.") % {"id": into.pk}
    log_case_event(case=duplicate, kind=EventKind.MERGED, actor=by, data={"into": into.pk})
    log_case_event(case=duplicate, kind=EventKind.STATUS_CHANGED, actor=by, data={"from": previous, "to": "closed"})
    _refresh_sla(duplicate)
    duplicate.save()
    return into


@transaction.atomic
def case_link(*, case: Case, other: Case, by: User | None) -> Case:
    """Related failures (the same delayed flight, two guests of one room): each case shows the other."""
    if case.pk == other.pk:
        raise DomainError(ErrorCode.INVALID_VALUE, _("A case cannot be linked to itself."), field="case")
    if case.related.filter(pk=other.pk).exists():
        return case
    case.related.add(other)
    log_case_event(case=case, kind=EventKind.LINKED, actor=by, data={"case_id": other.pk, "relation": "related"})
    log_case_event(case=other, kind=EventKind.LINKED, actor=by, data={"case_id": case.pk, "relation": "related"})
    return case


BULK_LIMIT = 100


def cases_bulk_assign(*, cases: Sequence[Case], owner: User, by: User, reason: str = "") -> tuple[int, list[str]]:
    """Give each case to `owner` (one transaction per case, so one refusal does not undo the others).

    Returns how many changed hands and, for the others, why not.
    """
    if len(cases) > BULK_LIMIT:
        raise DomainError(ErrorCode.OUT_OF_RANGE, _("At most %(n)d cases at a time.") % {"n": BULK_LIMIT}, field="case")
    done, refused = 0, []
    for case in cases:
        try:
            if owner == by and case.owner_id is None:
                case_take_ownership(case=case, by=by)
            else:
                case_assign(case=case, owner=owner, team=None, reason=reason or _("Assigned from the inbox"), by=by)
            done += 1
        except DomainError as error:
            refused.append(f"#{case.pk}: {error.message}")
    return done, refused


@transaction.atomic
def saved_view_save(*, user: User, name: str, query: str) -> SavedView:
    """Save (or overwrite, by name) the user's current inbox filters."""
    name = name.strip()
    if not name:
        raise DomainError(ErrorCode.MISSING_FIELD, _("Name the view."), field="name")
    if len(name) > 60 or len(query) > 500:
        raise DomainError(ErrorCode.TOO_LONG, _("The name or the filters are too long."), field="name")
    view, _created = SavedView.objects.update_or_create(user=user, name=name, defaults={"query": query})
    return view


def saved_view_delete(*, user: User, view_id: int) -> None:
    SavedView.objects.filter(user=user, pk=view_id).delete()
