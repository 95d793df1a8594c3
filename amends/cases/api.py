from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router

from amends.core.apikit import (
    ERRORS_READ,
    ERRORS_WRITE,
    ErrorOut,
    IdPageParams,
    api_user,
    id_page,
    idempotent_create,
    iso,
    page_size,
)
from amends.core.enums import Role
from amends.core.errors import Forbidden
from amends.core.selectors import team_by_slug, user_by_username
from amends.followups.models import FollowUp
from amends.followups.selectors import latest_follow_up

from . import lifecycle, sla
from .enums import EscalationLevel, PlaybookStep
from .models import Case, CaseEvent, CaseMessage, SlaPolicy
from .schemas import (
    AssignIn,
    CaseListParams,
    CaseOut,
    CasePage,
    CategoryList,
    LinkIn,
    MergeIn,
    MessageIn,
    MessageOut,
    NoteIn,
    NoteOut,
    ReopenIn,
    ResolveIn,
    SlaPolicyIn,
    SlaPolicyOut,
    SlaPolicyPage,
    StatusIn,
    StepIn,
)
from .selectors import CaseFilters, case_get_for_user, cases_filtered, categories, paginate_by_due, playbook_checklist
from .services import (
    case_add_note,
    case_assign,
    case_change_status,
    case_link,
    case_mark_step,
    case_merge,
    case_message_send,
    case_reopen,
    case_resolve,
    sla_policy_create,
)

router = Router(tags=["cases"])
ESCALATION_NAMES = {
    EscalationLevel.NONE: "on_time",
    EscalationLevel.WARNED: "warned",
    EscalationLevel.BREACHED: "breached",
    EscalationLevel.REQUEUED: "requeued",
}


def follow_up_out(follow_up: FollowUp | None) -> dict | None:
    return None if follow_up is None else {"due_at": follow_up.due_at, "status": follow_up.status}


def case_out(case: Case) -> dict:
    policy = case.sla_policy
    return {
        "id": case.pk,
        "status": case.status,
        "owner": case.owner.username if case.owner else None,
        "team": case.team.slug if case.team else None,
        "severity": case.severity,
        "category": case.category,
        "summary": case.summary,
        "customer": {"external_id": case.customer.external_id, "name": case.customer.name},
        "location": case.location.code,
        "created_at": case.created_at,
        "first_response_at": case.first_response_at,
        "first_response_due_at": case.first_response_due_at,
        "resolution_due_at": case.resolution_due_at,
        "resolved_at": case.resolved_at,
        "resolution": case.resolution,
        "sla": {
            "policy": policy.name if policy else None,
            "calendar": policy.calendar.name if policy else None,
            "paused": case.clock_stopped,
            "breached": sla.is_breached(
                now=timezone.now(),
                first_response_at=case.first_response_at,
                first_response_due_at=case.first_response_due_at,
                resolved_at=case.resolved_at,
                resolution_due_at=case.resolution_due_at,
            ),
            "target": case.sla_target or None,
            "due_at": case.due_at,
            "next_response_due_at": case.next_response_due_at,
            "escalation": ESCALATION_NAMES[EscalationLevel(case.escalation_level)],
            "first_response_business_minutes": case.first_response_business_minutes,
            "resolution_business_minutes": case.resolution_business_minutes,
        },
        "transfers": case.transfers,
        "contacts": case.contacts,
        "reopens": case.reopens,
        "first_contact_resolution": lifecycle.first_contact_resolution(
            status=case.status, contacts=case.contacts, transfers=case.transfers, reopens=case.reopens
        ),
        "follows": case.follows_id,
        "merged_into": case.merged_into_id,
        "related": sorted(related.pk for related in case.related.all()),
        "follow_up": follow_up_out(latest_follow_up(case)),
        "playbook": playbook_checklist(case),
    }


@router.get("/cases", response={200: CasePage, **ERRORS_READ})
def list_cases(request: HttpRequest, params: Query[CaseListParams]):
    """Cases you may see, soonest SLA deadline first; resolved cases last."""
    filters = CaseFilters(
        status=params.status,
        owner=params.owner,
        team=params.team,
        severity=params.severity,
        category=params.category,
        breaching=params.breaching,
    )
    page = paginate_by_due(
        cases_filtered(api_user(request), filters).prefetch_related("related", "follow_ups"),
        cursor=params.cursor,
        limit=page_size(params.limit),
    )
    return {"items": [case_out(case) for case in page.items], "next_cursor": page.next_cursor}


@router.get("/cases/{case_id}", response={200: CaseOut, **ERRORS_READ})
def get_case(request: HttpRequest, case_id: int):
    return case_out(case_get_for_user(user=api_user(request), case_id=case_id))


@router.post("/cases/{case_id}/assign", response={200: CaseOut, **ERRORS_WRITE, 404: ErrorOut})
def assign_case(request: HttpRequest, case_id: int, payload: AssignIn):
    """Take or transfer ownership; a transfer (after the first owner, or to another team) needs a reason."""
    user = api_user(request)
    case = case_get_for_user(user=user, case_id=case_id)
    owner = user_by_username(payload.owner) if payload.owner else None
    team = team_by_slug(payload.team)
    return case_out(case_assign(case=case, owner=owner, team=team, reason=payload.reason, by=user))


@router.post("/cases/{case_id}/status", response={200: CaseOut, **ERRORS_WRITE, 404: ErrorOut})
def change_status(request: HttpRequest, case_id: int, payload: StatusIn):
    """acknowledged, in_progress, waiting_on_customer (stops the SLA clock) or closed (a resolved case)."""
    user = api_user(request)
    case = case_get_for_user(user=user, case_id=case_id)
    return case_out(case_change_status(case=case, status=payload.status, reason=payload.reason, by=user))


@router.post("/cases/{case_id}/resolve", response={200: CaseOut, **ERRORS_WRITE, 404: ErrorOut})
def resolve_case(request: HttpRequest, case_id: int, payload: ResolveIn):
    user = api_user(request)
    case = case_get_for_user(user=user, case_id=case_id)
    resolved = case_resolve(
        case=case,
        category=payload.category,
        resolution=payload.resolution,
        by=user,
        override_reason=payload.override_reason,
    )
    return case_out(resolved)


@router.post("/cases/{case_id}/playbook/{step}", response={200: CaseOut, **ERRORS_WRITE, 404: ErrorOut})
def mark_step(request: HttpRequest, case_id: int, step: PlaybookStep, payload: StepIn):
    """Tick (done: true) or untick a playbook step on the case's checklist."""
    user = api_user(request)
    case = case_get_for_user(user=user, case_id=case_id)
    return case_out(case_mark_step(case=case, step=step, done=payload.done, by=user))


def message_out(message: CaseMessage) -> dict:
    return {
        "id": message.pk,
        "case": message.case_id,
        "to": message.to_email,
        "language": message.language,
        "template": message.template or None,
        "subject": message.subject,
        "body": message.body,
        "status": message.status,
        "created_at": iso(message.created_at),
    }


@router.post("/cases/{case_id}/messages", response={201: MessageOut, **ERRORS_WRITE, 404: ErrorOut})
def send_message(request: HttpRequest, case_id: int, payload: MessageIn):
    """Email the customer from the case: a template in their language, or your own text. Sent by the worker."""
    user = api_user(request)
    case = case_get_for_user(user=user, case_id=case_id)

    def action() -> tuple[int, dict]:
        message = case_message_send(
            case=case,
            by=user,
            template=payload.template or "",
            subject=payload.subject,
            body=payload.body,
            language=payload.language or "",
        )
        return 201, message_out(message)

    return idempotent_create(request, scope=f"cases.{case.pk}.messages", payload=payload, action=action)


@router.post("/cases/{case_id}/reopen", response={200: CaseOut, **ERRORS_WRITE, 404: ErrorOut})
def reopen_case(request: HttpRequest, case_id: int, payload: ReopenIn):
    user = api_user(request)
    case = case_get_for_user(user=user, case_id=case_id)
    return case_out(case_reopen(case=case, reason=payload.reason, by=user))


@router.post("/cases/{case_id}/merge", response={200: CaseOut, **ERRORS_WRITE, 404: ErrorOut})
def merge_case(request: HttpRequest, case_id: int, payload: MergeIn):
    """Merge this duplicate into another case of the same customer; answers the case that stays."""
    user = api_user(request)
    duplicate = case_get_for_user(user=user, case_id=case_id)
    into = case_get_for_user(user=user, case_id=payload.into)
    return case_out(case_merge(duplicate=duplicate, into=into, by=user))


@router.post("/cases/{case_id}/links", response={200: CaseOut, **ERRORS_WRITE, 404: ErrorOut})
def link_case(request: HttpRequest, case_id: int, payload: LinkIn):
    """Link a related case (both show each other)."""
    user = api_user(request)
    case = case_get_for_user(user=user, case_id=case_id)
    other = case_get_for_user(user=user, case_id=payload.case)
    return case_out(case_link(case=case, other=other, by=user))


def note_out(event: CaseEvent) -> dict:
    return {
        "id": event.pk,
        "case": event.case_id,
        "body": event.data["body"],
        "author": event.actor.username if event.actor else None,
        "created_at": iso(event.created_at),
    }


@router.post("/cases/{case_id}/notes", response={201: NoteOut, **ERRORS_WRITE, 404: ErrorOut})
def add_note(request: HttpRequest, case_id: int, payload: NoteIn):
    """An internal note, visible to colleagues on the case and on the customer's record."""
    user = api_user(request)
    case = case_get_for_user(user=user, case_id=case_id)

    def action() -> tuple[int, dict]:
        return 201, note_out(case_add_note(case=case, body=payload.body, by=user))

    return idempotent_create(request, scope=f"cases.{case.pk}.notes", payload=payload, action=action)


def policy_out(policy: SlaPolicy) -> dict:
    return {
        "id": policy.pk,
        "name": policy.name,
        "calendar": policy.calendar_id,
        "priority": policy.priority,
        "first_response_minutes": policy.first_response_minutes,
        "next_response_minutes": policy.next_response_minutes,
        "resolution_minutes": policy.resolution_minutes,
        "warning_percent": policy.warning_percent,
        "requeue_after_minutes": policy.requeue_after_minutes,
        "pause_statuses": policy.pause_statuses,
        "conditions": policy.conditions,
        "is_active": policy.is_active,
    }


@router.post("/sla-policies", response={201: SlaPolicyOut, **ERRORS_WRITE}, tags=["sla"])
def create_sla_policy(request: HttpRequest, payload: SlaPolicyIn):
    """Targets for the cases whose conditions match; the lowest priority number that matches wins. Admins only."""
    if not api_user(request).has_role(Role.ADMIN):
        raise Forbidden(_("Only admins manage SLA policies."))

    def action() -> tuple[int, dict]:
        policy = sla_policy_create(
            name=payload.name,
            calendar_id=payload.calendar,
            priority=payload.priority,
            first_response_minutes=payload.first_response_minutes,
            next_response_minutes=payload.next_response_minutes,
            resolution_minutes=payload.resolution_minutes,
            warning_percent=payload.warning_percent,
            requeue_after_minutes=payload.requeue_after_minutes,
            pause_statuses=[str(status) for status in payload.pause_statuses],
            conditions=payload.conditions.model_dump(mode="json", exclude_none=True),
        )
        return 201, policy_out(policy)

    return idempotent_create(request, scope="sla_policies.create", payload=payload, action=action)


@router.get("/categories", response={200: CategoryList, **ERRORS_READ}, tags=["learn"])
def list_categories(request: HttpRequest):
    """The root-cause taxonomy in its order (an extension): each category's key, name, journey stage and cause
    family, and whether it is offered when resolving."""
    return {
        "items": [
            {"key": c.key, "name": c.label(), "stage": c.stage, "family": c.family, "offered": c.is_active}
            for c in categories()
        ]
    }


@router.get("/sla-policies", response={200: SlaPolicyPage, **ERRORS_READ}, tags=["sla"])
def list_sla_policies(request: HttpRequest, params: Query[IdPageParams]):
    """Every policy, oldest first (each carries the priority that orders their trial)."""
    return id_page(SlaPolicy.objects.all(), params, policy_out)
