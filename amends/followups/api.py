from django.http import HttpRequest
from ninja import Query, Router

from amends.cases.selectors import case_get_for_user
from amends.core.apikit import ERRORS_READ, ERRORS_WRITE, ErrorOut, api_user, idempotent_create, iso
from amends.core.selectors import user_by_username

from .models import CaseTask
from .schemas import RecoveryRateList, RecoveryRateParams, TaskIn, TaskList, TaskOut
from .selectors import recovery_rates, task_get_for_user, tasks_due_for
from .services import case_task_add, case_task_done

router = Router(tags=["amends"])


def task_out(task: CaseTask) -> dict:
    return {
        "id": task.pk,
        "case": task.case_id,
        "owner": task.owner.username,
        "due_at": iso(task.due_at),
        "note": task.note,
        "done_at": iso(task.done_at) if task.done_at else None,
        "created_by": task.created_by.username if task.created_by else None,
    }


@router.post("/cases/{case_id}/tasks", response={201: TaskOut, **ERRORS_WRITE, 404: ErrorOut})
def add_task(request: HttpRequest, case_id: int, payload: TaskIn):
    """Schedule a personal follow-up on the case (a call back, a check); it shows in the owner's inbox when due."""
    user = api_user(request)
    case = case_get_for_user(user=user, case_id=case_id)

    def action() -> tuple[int, dict]:
        owner = user_by_username(payload.owner) if payload.owner else None
        task = case_task_add(case=case, due_at=payload.due_at, note=payload.note, by=user, owner=owner)
        return 201, task_out(task)

    return idempotent_create(request, scope=f"cases.{case.pk}.tasks", payload=payload, action=action)


@router.get("/tasks/due", response={200: TaskList, **ERRORS_READ})
def my_due_tasks(request: HttpRequest):
    """Your follow-up tasks that are due and not done, oldest first."""
    return {"items": [task_out(task) for task in tasks_due_for(api_user(request))]}


@router.post("/tasks/{task_id}/done", response={200: TaskOut, **ERRORS_WRITE, 404: ErrorOut})
def tick_task(request: HttpRequest, task_id: int):
    user = api_user(request)
    return task_out(case_task_done(task=task_get_for_user(user=user, task_id=task_id), by=user))


@router.get("/recovery-rate", response={200: RecoveryRateList, **ERRORS_READ})
def recovery_rate(request: HttpRequest, params: Query[RecoveryRateParams]):
    """The share of customers satisfied at follow-up, per team, category or month of resolution, over the cases
    you may see. Unanswered follow-ups are counted but do not change the rate."""
    rows = recovery_rates(api_user(request), by=params.by.value, resolved_from=params.from_, resolved_to=params.to)
    return {"by": params.by.value, "items": [row.__dict__ for row in rows]}
