from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router

from amends.core.apikit import ERRORS_READ, api_user

from . import sla
from .models import Case
from .schemas import CaseListParams, CaseOut, CasePage
from .selectors import CaseFilters, case_get_for_user, cases_filtered, paginate_by_due

router = Router(tags=["cases"])
MAX_LIMIT = 200


def case_out(case: Case) -> dict:
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
            "policy": None,
            "calendar": None,
            "paused": False,
            "breached": sla.is_breached(
                now=timezone.now(),
                first_response_at=case.first_response_at,
                first_response_due_at=case.first_response_due_at,
                resolved_at=case.resolved_at,
                resolution_due_at=case.resolution_due_at,
            ),
        },
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
    )
    page = paginate_by_due(
        cases_filtered(api_user(request), filters),
        cursor=params.cursor,
        limit=max(1, min(params.limit, MAX_LIMIT)),
    )
    return {"items": [case_out(case) for case in page.items], "next_cursor": page.next_cursor}


@router.get("/cases/{case_id}", response={200: CaseOut, **ERRORS_READ})
def get_case(request: HttpRequest, case_id: int):
    return case_out(case_get_for_user(user=api_user(request), case_id=case_id))
