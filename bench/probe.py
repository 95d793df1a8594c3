"""In-process looks at a bench database, run by the bench in a child process with the bench environment.

    python -m bench.probe queries TOKEN   # SQL queries per POST /api/v1/feedback, by path through intake
    python -m bench.probe counts          # rows written (feedback, cases, events, queued alerts, ceiling hits)

Each prints one JSON object on its last line.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
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
    elif args[:1] == ["counts"]:
        print(json.dumps(count_rows()))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
