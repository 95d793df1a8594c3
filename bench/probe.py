"""In-process looks at a bench database, run by the bench in a child process with the bench environment.

    python -m bench.probe queries TOKEN   # SQL queries per POST /api/v1/feedback, by path through intake
    python -m bench.probe counts          # rows written (feedback, cases, events, queued alerts, ceiling hits)
    python -m bench.probe batch TOKEN [SIZE] [--idempotency-keys]
                                          # SQL statements per item of POST /api/v1/feedback/batch, by kind

Each prints one JSON object on its last line.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amends.config.settings")
    import django

    django.setup()


def feedback_body(external_id: str, nps: int) -> dict[str, Any]:
    return {
        "customer": {"external_id": external_id, "name": "Anna", "email": "anna@example.com", "language": "nl"},
        "location": "ams",
        "channel": "survey",
        "kind": "survey",
        "scores": {"nps": nps},
        "text": "Het pakket kwam drie dagen te laat.",
    }


def count_queries(token: str) -> dict[str, Any]:
    """POST feedback through the whole stack (middleware, auth, API) and count the SQL each kind of request runs."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}")
    run = uuid.uuid4().hex[:8]  # fresh customers on every call
    scenarios = [
        ("positive, new customer", f"probe-{run}-1", 9),
        ("positive, known customer", f"probe-{run}-1", 10),
        ("negative, opens a case", f"probe-{run}-2", 3),
        ("negative, joins open case", f"probe-{run}-2", 1),
        ("ceiling", f"probe-{run}-3", 3),
    ]
    # One request first, so that one-off work (the token's last_used_at touch, caches) is not counted.
    client.post("/api/v1/feedback", feedback_body(f"probe-{run}-0", 9), content_type="application/json")
    counts: dict[str, Any] = {}
    for name, external_id, nps in scenarios:
        path = "/bench/ceiling" if name == "ceiling" else "/api/v1/feedback"
        with CaptureQueriesContext(connection) as captured:
            response = client.post(path, feedback_body(external_id, nps), content_type="application/json")
        if response.status_code != 201:
            raise SystemExit(f"{name}: HTTP {response.status_code}: {response.content.decode()[:500]}")
        counts[name] = {"queries": len(captured), "sql": [query["sql"][:160] for query in captured.captured_queries]}
    return counts


def statement_kind(sql: str) -> str:
    """`INSERT intake_feedback`, `SELECT customers_customer FOR UPDATE`, `COMMIT`...: what a statement does where."""
    verb = sql.split(None, 1)[0].upper() if sql.strip() else "?"
    if verb in {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}:
        return verb
    match = re.search(r'(?:FROM|INTO|UPDATE)\s+"(\w+)"', sql)
    return f"{verb} {match.group(1) if match else '?'}" + (" FOR UPDATE" if "FOR UPDATE" in sql else "")


def count_batch_queries(token: str, size: int, idempotency_keys: bool) -> dict[str, Any]:
    """POST one batch of `size` items (bench.batch's mix, known customers included) and count its SQL by kind."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.batch import BATCH_PATH, feedback_item

    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}")
    prefix = f"probe-{uuid.uuid4().hex[:8]}"

    def post(first: int, count: int) -> Any:
        items = [feedback_item(prefix, 0, n, idempotency_key=idempotency_keys) for n in range(first, first + count)]
        response = client.post(BATCH_PATH, {"items": items}, content_type="application/json")
        body = response.json() if response.status_code == 200 else {}
        if body.get("created") != count:
            raise SystemExit(f"batch probe: HTTP {response.status_code}: {response.content.decode()[:500]}")

    # The measured items are 1101.. so that their odd half answers as customers of the items 1..size+100 before.
    for first in range(1, size + 101, 1000):
        post(first, min(1000, size + 101 - first))
    with CaptureQueriesContext(connection), _statement_timings() as statements:
        started = time.perf_counter()
        post(1101, size)
        elapsed = time.perf_counter() - started
    kinds: dict[str, list[float]] = {}
    for sql, seconds in statements:
        kinds.setdefault(statement_kind(sql), []).append(seconds)
    ordered = sorted(kinds.items(), key=lambda pair: -sum(pair[1]))
    return {
        "items": size,
        "queries": len(statements),
        "per_item": len(statements) / size,
        "ms_per_item": elapsed * 1000 / size,
        "sql_ms_per_item": sum(seconds for _, seconds in statements) * 1000 / size,
        "by_kind": {kind: [len(times), sum(times) * 1000] for kind, times in ordered},
    }


@contextmanager
def _statement_timings() -> Iterator[list[tuple[str, float]]]:
    """(sql, seconds) of every statement, BEGIN and COMMIT included, unrounded (Django's log record carries them)."""
    statements: list[tuple[str, float]] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            statements.append((str(getattr(record, "sql", "")), float(getattr(record, "duration", 0.0))))

    logger = logging.getLogger("django.db.backends")
    handler, level, propagate = Collect(), logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield statements
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


def count_rows() -> dict[str, int]:
    from django_tasks_db.models import DBTaskResult

    from amends.cases.models import Case, CaseEvent
    from amends.customers.models import Customer
    from amends.intake.models import Feedback
    from bench.ceiling.models import Hit

    return {
        "ceiling rows": Hit.objects.count(),
        "feedback": Feedback.objects.count(),
        "customers": Customer.objects.count(),
        "cases": Case.objects.count(),
        "case events": CaseEvent.objects.count(),
        "queued tasks": DBTaskResult.objects.count(),
    }


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    _setup()
    if args[:1] == ["queries"] and len(args) == 2:
        print(json.dumps(count_queries(args[1])))
    elif args[:1] == ["batch"] and 2 <= len(args) <= 4:
        size = int(next((arg for arg in args[2:] if arg.isdigit()), "100"))
        print(json.dumps(count_batch_queries(args[1], size, "--idempotency-keys" in args)))
    elif args[:1] == ["counts"]:
        print(json.dumps(count_rows()))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
