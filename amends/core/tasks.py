"""How work reaches the background queue."""

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tasks.base import Task
from django_tasks_db import DatabaseBackend


def enqueue_with_transaction(task: Task[Any, Any], *args: Any) -> None:
    """Queue `task` so that it exists exactly when the change that caused it is committed.

    On the database queue the task row is written in the same transaction: it cannot be lost between commit and
    enqueue, and costs no extra commit. Other queues (Redis) get it after commit, so a worker never looks for rows
    that are not committed yet.
    """
    if isinstance(task.get_backend(), DatabaseBackend):
        task.enqueue(*args)
    else:
        transaction.on_commit(lambda: task.enqueue(*args))


# A task still RUNNING this long after it started lost its worker (killed, machine gone): our tasks take seconds.
STALE_AFTER = timedelta(minutes=15)


def requeue_stale_tasks(*, now: datetime | None = None) -> int:
    """Put tasks whose worker died mid-task back in the queue; returns how many.

    A conditional update, so several sweepers never requeue one twice. Safe because every task is idempotent: it
    claims its own rows, and a claim whose transaction died with the worker was never committed.
    """
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    cutoff = (now or timezone.now()) - STALE_AFTER
    return DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff).update(
        status=TaskResultStatus.READY, started_at=None
    )
