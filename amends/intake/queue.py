"""Many tasks queued at once: `enqueue_with_transaction` for a batch, one insert on the database queue."""

from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from django_tasks.base import Task
from django_tasks_db import DatabaseBackend
from django_tasks_db.backend import TaskResult
from django_tasks_db.compat import TaskResultStatus, normalize_json, task_enqueued
from django_tasks_db.models import DBTaskResult, get_date_max
from django_tasks_db.utils import normalize_uuid

from amends.core.tasks import enqueue_with_transaction

from .channels.csv.bulk import insert_rows

Call = tuple[Task[Any, Any], int]
COLUMNS = ("id", "status", "enqueued_at", "args_kwargs", "priority", "task_path", "queue_name", "backend_name")


def enqueue_many(*groups: Iterable[Call]) -> None:
    """Queue each (task, id) so that it exists exactly when the change that caused it is committed.

    On the database queue the rows are written in the caller's transaction with one statement, in the order given,
    as `DatabaseBackend.enqueue` writes them one by one; other queues (Redis) get each task after commit, as
    `enqueue_with_transaction` does.
    """
    now = timezone.now()
    queued: list[tuple[DatabaseBackend, DBTaskResult]] = []
    database_calls: list[Call] = []
    for task, arg in (call for group in groups for call in group):
        backend = task.get_backend()
        if not isinstance(backend, DatabaseBackend):
            enqueue_with_transaction(task, arg)
            continue
        backend.validate_task(task)
        row = DBTaskResult(
            id=backend._get_id(),
            status=TaskResultStatus.READY,
            enqueued_at=now,
            args_kwargs=normalize_json({"args": (arg,), "kwargs": {}}),
            priority=task.priority,
            task_path=task.module_path,
            queue_name=task.queue_name,
            # What the model's pre_save handler sets, which a bulk insert does not run.
            run_after=task.run_after or get_date_max(),
            backend_name=backend.alias,
            exception_class_path="",
            traceback="",
        )
        queued.append((backend, row))
        database_calls.append((task, arg))
    if not queued:
        return
    names = [*COLUMNS, "run_after", "exception_class_path", "traceback"]
    insert_rows(DBTaskResult, [{name: getattr(row, name) for name in names} for _backend, row in queued])
    for (database, row), (task, arg) in zip(queued, database_calls, strict=True):
        task_enqueued.send(type(database), task_result=_result(row, task, arg))


def _result(row: DBTaskResult, task: Task[Any, Any], arg: int) -> TaskResult:
    """`row.task_result` of a row just queued, without importing the task again by its path."""
    return TaskResult(
        db_result=row,
        task=task,  # type: ignore[arg-type]  # django_tasks' Task, typed as django.tasks'
        id=normalize_uuid(row.id),
        status=TaskResultStatus.READY,
        enqueued_at=row.enqueued_at,
        started_at=None,
        last_attempted_at=None,
        finished_at=None,
        args=[arg],
        kwargs={},
        backend=row.backend_name,
        errors=[],
        worker_ids=[],
    )
