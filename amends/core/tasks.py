"""How work reaches the background queue."""

from typing import Any

from django.db import transaction
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
