"""Every change to follow-ups and follow-up tasks, each with its event on the case's timeline."""

import secrets
from datetime import UTC, datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from amends.cases.enums import EventKind
from amends.cases.models import Case
from amends.cases.selectors import cases_visible_to
from amends.cases.services import case_reopen_or_link, log_case_event
from amends.core.errors import DomainError, ErrorCode, NotFound
from amends.core.links import link_id, link_matches, link_token
from amends.core.models import User
from amends.core.selectors import supervisors_of
from amends.notifications.services import notify

from . import rules
from .enums import WAITING_FOR_ANSWER, FollowUpStatus, Verdict
from .models import CaseTask, FollowUp, FollowUpDelay

MAX_TASK_NOTE = 300


FOLLOW_UP_LINK_SALT = "amends.followups.follow_up"


def follow_up_token(follow_up: FollowUp) -> str:
    return link_token(FOLLOW_UP_LINK_SALT, follow_up.pk, follow_up.nonce)


def follow_up_url(follow_up: FollowUp) -> str:
    return settings.AMENDS_BASE_URL.rstrip("/") + reverse("followups:answer", args=[follow_up_token(follow_up)])


def follow_up_schedule(case: Case) -> FollowUp:
    """Called when a case is resolved: ask the customer how the recovery went after the category's delay."""
    category_days = FollowUpDelay.objects.filter(category=case.category).values_list("days", flat=True).first()
    days = rules.follow_up_days(category_days, settings.AMENDS_FOLLOW_UP_DAYS)
    resolved_at = case.resolved_at or timezone.now()
    plan = rules.schedule(
        resolved_at=resolved_at,
        days=days,
        remind_after_days=settings.AMENDS_FOLLOW_UP_REMIND_DAYS,
        close_after_days=settings.AMENDS_FOLLOW_UP_CLOSE_DAYS,
    )
    follow_up = FollowUp.objects.create(
        case=case,
        customer_id=case.customer_id,
        team_id=case.team_id,
        category=case.category,
        status=FollowUpStatus.SCHEDULED,
        language=case.customer.language or settings.LANGUAGE_CODE,
        nonce=secrets.token_hex(16),
        resolved_at=resolved_at,
        due_at=plan.due_at,
        remind_at=plan.remind_at,
        closes_at=plan.closes_at,
    )
    log_case_event(
        case=case,
        kind=EventKind.FOLLOW_UP_SCHEDULED,
        data={"follow_up_id": follow_up.pk, "due_at": plan.due_at.isoformat()},
    )
    return follow_up


def follow_ups_cancel(case: Case) -> int:
    """A reopened case is not finished: the follow-ups not sent yet are dropped (a new one comes with the next
    resolution); one already in the customer's hands stays answerable."""
    return FollowUp.objects.filter(case=case, status=FollowUpStatus.SCHEDULED).update(status=FollowUpStatus.CANCELLED)


def follow_up_by_token(raw: str) -> FollowUp:
    """The follow-up behind a link, if the link is still good."""
    follow_up = FollowUp.objects.select_related("case__location", "customer").filter(pk=link_id(raw)).first()
    if follow_up is None or not link_matches(FOLLOW_UP_LINK_SALT, follow_up.pk, follow_up.nonce, raw):
        raise NotFound(_("This survey link does not exist."))
    if follow_up.status == FollowUpStatus.ANSWERED:
        raise DomainError(ErrorCode.TOKEN_USED, _("You already answered this survey. Thank you!"), status=410)
    if follow_up.status not in WAITING_FOR_ANSWER or follow_up.closes_at <= timezone.now():
        raise DomainError(ErrorCode.TOKEN_EXPIRED, _("This survey link has expired."), status=410)
    return follow_up


@transaction.atomic
def follow_up_answer(*, raw_token: str, answer: rules.Answer, comment: str) -> FollowUp:
    """Store the answer once. An unhappy customer is not recovered: the case reopens (or joins the case open by
    now) and its owner, or the team's supervisors, are alerted."""
    follow_up = FollowUp.objects.select_for_update().get(pk=follow_up_by_token(raw_token).pk)
    if follow_up.status not in WAITING_FOR_ANSWER:  # a second tab submitted first
        raise DomainError(ErrorCode.TOKEN_USED, _("You already answered this survey. Thank you!"), status=410)
    verdict = rules.verdict(answer)
    scores = {name: getattr(answer, name) for name in SCORES}
    for name, value in scores.items():
        setattr(follow_up, name, value)
    follow_up.comment = comment.strip()[: settings.AMENDS_MAX_TEXT_LENGTH]
    follow_up.verdict, follow_up.status, follow_up.answered_at = verdict, FollowUpStatus.ANSWERED, timezone.now()
    follow_up.save()
    case = follow_up.case
    log_case_event(
        case=case,
        kind=EventKind.FOLLOW_UP_ANSWERED,
        data={"follow_up_id": follow_up.pk, "verdict": verdict, **scores, "comment": follow_up.comment},
    )
    if verdict == Verdict.UNHAPPY:
        _recover_again(follow_up)
    return follow_up


SCORES = ("handling", "overall", "nps", "repurchase", "fair_outcome", "fair_process", "fair_treatment")


def _recover_again(follow_up: FollowUp) -> None:
    reason = _("The customer was unhappy at follow-up.")
    case = case_reopen_or_link(case=follow_up.case, reason=reason)
    recipients = [case.owner] if case.owner is not None else supervisors_of(case.team_id)

    def message() -> tuple[str, str]:
        subject = _("Case #%(id)s: the customer is unhappy at follow-up") % {"id": case.pk}
        body = _("The follow-up on case #%(resolved)s was answered unhappily: %(comment)s") % {
            "resolved": follow_up.case_id,
            "comment": follow_up.comment or "-",
        }
        return subject, body

    notify(recipients=recipients, kind="follow_up_unhappy", message=message, case_id=case.pk)


def follow_up_claim(follow_up_id: int, *, reminder: bool, now: datetime) -> FollowUp | None:
    """Mark a follow-up sent (or reminded) before its email goes out; None when another worker got there first or
    it is no longer due. The conditional update is what makes overlapping sweeps send each email once."""
    if reminder:
        claimed = FollowUp.objects.filter(pk=follow_up_id, status=FollowUpStatus.SENT, remind_at__lte=now).update(
            status=FollowUpStatus.REMINDED, reminded_at=now
        )
    else:
        claimed = FollowUp.objects.filter(pk=follow_up_id, status=FollowUpStatus.SCHEDULED, due_at__lte=now).update(
            status=FollowUpStatus.SENT, sent_at=now
        )
    if not claimed:
        return None
    follow_up = FollowUp.objects.select_related("case__location", "customer").get(pk=follow_up_id)
    log_case_event(
        case=follow_up.case,
        kind=EventKind.FOLLOW_UP_SENT,
        data={"follow_up_id": follow_up_id, "reminder": reminder, "to": follow_up.customer.email},
    )
    return follow_up


def follow_ups_close_unanswered(now: datetime) -> int:
    """Follow-ups still unanswered after the reminder's grace period close as unanswered (each logged once)."""
    closed = 0
    stale = FollowUp.objects.filter(status__in=WAITING_FOR_ANSWER, closes_at__lte=now)
    for follow_up_id in list(stale.values_list("pk", flat=True)[:1000]):
        with transaction.atomic():
            if FollowUp.objects.filter(pk=follow_up_id, status__in=WAITING_FOR_ANSWER).update(
                status=FollowUpStatus.UNANSWERED
            ):
                follow_up = FollowUp.objects.select_related("case").get(pk=follow_up_id)
                log_case_event(
                    case=follow_up.case, kind=EventKind.FOLLOW_UP_UNANSWERED, data={"follow_up_id": follow_up_id}
                )
                closed += 1
    return closed


def case_task_add(*, case: Case, due_at: datetime, note: str, by: User, owner: User | None = None) -> CaseTask:
    """Schedule a personal follow-up (a call back, a check) on the case; it shows in the owner's inbox when due."""
    note = note.strip()
    if not note:
        raise DomainError(ErrorCode.MISSING_FIELD, _("Say what to do."), field="note")
    if len(note) > MAX_TASK_NOTE:
        raise DomainError(ErrorCode.TOO_LONG, _("The note is too long."), field="note")
    if timezone.is_naive(due_at):
        raise DomainError(ErrorCode.INVALID_VALUE, _("Give the time with its UTC offset."), field="due_at")
    due_at, now = due_at.astimezone(UTC), timezone.now()
    if due_at <= now:
        raise DomainError(ErrorCode.INVALID_VALUE, _("Choose a time in the future."), field="due_at")
    owner = owner or by
    if owner != by and not cases_visible_to(owner).filter(pk=case.pk).exists():
        raise DomainError(ErrorCode.INVALID_VALUE, _("%(user)s may not see this case.") % {"user": owner.username},
                          field="owner")  # fmt: skip
    task = CaseTask.objects.create(case=case, owner=owner, due_at=due_at, note=note, created_by=by, created_at=now)
    log_case_event(
        case=case,
        kind=EventKind.TASK_SCHEDULED,
        actor=by,
        data={"task_id": task.pk, "owner": owner.username, "due_at": due_at.isoformat(), "note": note},
    )
    return task


@transaction.atomic
def case_task_done(*, task: CaseTask, by: User) -> CaseTask:
    """Tick the task off; doing it twice changes nothing."""
    task = CaseTask.objects.select_for_update().select_related("case").get(pk=task.pk)
    if task.done_at is None:
        task.done_at = timezone.now()
        task.save(update_fields=["done_at"])
        log_case_event(case=task.case, kind=EventKind.TASK_DONE, actor=by, data={"task_id": task.pk, "note": task.note})
    return task
