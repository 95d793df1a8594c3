"""`make bench-incidents`: preparing and queueing an incident's notice for 100,000 customers on PostgreSQL.

The make-amends issue asks that "a cohort of 100,000 customers is prepared and queued in under a minute". This bench
uses its own database `amends_bench_incidents` (recreated each run), loads --customers customers with two
deliveries each (COPY), half of them in region North, and then, --reps times:
  - baseline: the cohort query alone, `SELECT count(DISTINCT customer_id)` over the matching interactions;
  - announce: `incident_create` + `incident_announce` in one transaction, exactly as POST /incidents and
    POST /incidents/{id}/send run them: the cohort fixed into members, one notice per customer queued, the send
    task enqueued (the sending itself is the worker's, in batches, and not part of the target).
It prints each median, the ratio announce/baseline, and whether the announcement meets the 60 s target.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from .harness import BenchError, log
from .inbox import ensure_database, migrate, setup_django

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/amends_bench_incidents"
TARGET_S = 60.0
LANGUAGES = ("en", "nl", "de", "it", "fr", "es")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--customers", type=int, default=200_000, help="customers loaded; half are in the cohort")
    parser.add_argument("--reps", type=int, default=3)
    return parser.parse_args(argv)


def load(customers: int) -> None:
    from django.db import connection

    from amends.core.models import Location
    from amends.customers.models import Customer, Interaction

    started = time.monotonic()
    location = Location.objects.create(code="bench-hub", name="Bench hub", country="NL", timezone="Europe/Amsterdam")
    rng = random.Random(7)
    now = datetime.now(UTC)
    with (
        connection.cursor() as cursor,
        cursor.copy(
            f"COPY {Customer._meta.db_table} "
            "(external_id, name, email, phone, language, segment, created_at, updated_at) FROM STDIN"
        ) as copy,
    ):
        for n in range(customers):
            email = "" if n % 50 == 0 else f"c{n}@example.com"
            copy.write_row((f"c-{n}", f"Customer {n}", email, "", rng.choice(LANGUAGES), "", now, now))
    first_id = Customer.objects.order_by("id").values_list("id", flat=True).first() or 1
    with (
        connection.cursor() as cursor,
        cursor.copy(
            f"COPY {Interaction._meta.db_table} (external_id, customer_id, location_id, kind, occurred_at, attributes, "
            "created_at) FROM STDIN"
        ) as copy,
    ):
        for n in range(customers):
            region = "North" if n % 2 == 0 else "South"
            for k in range(2):
                attributes = f'{{"region": "{region}", "status": "delayed"}}'
                moment = now - timedelta(hours=rng.randint(1, 48))
                copy.write_row((f"d-{n}-{k}", first_id + n, location.pk, "delivery", moment, attributes, now))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    log(f"loaded {customers} customers, {2 * customers} deliveries in {time.monotonic() - started:.1f} s")


def baseline() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(DISTINCT customer_id) FROM customers_interaction "
            "WHERE location_id = (SELECT id FROM core_location WHERE code = 'bench-hub') "
            "AND attributes ->> 'region' = 'North'"
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def announce(rep: int) -> int:
    from django.db import transaction

    from amends.core.models import User
    from amends.incidents.services import Cohort, incident_announce, incident_create

    by = User.objects.get(username="bench-supervisor")
    with transaction.atomic():
        incident = incident_create(
            title=f"Storm delays deliveries in region North ({rep})",
            cohort=Cohort(location="bench-hub", attributes={"region": "North"}),
            messages={"en": "Your delivery is delayed\nDear {customer_name}, a storm delays deliveries."},
            by=by,
        )
        return incident_announce(incident=incident, by=by).recipients


def timed(action, reps: int) -> tuple[float, int]:
    seconds, result = [], 0
    for rep in range(reps):
        started = time.perf_counter()
        result = action(rep) if action is announce else action()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), result


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    ensure_database(args.database_url, recreate=True)
    setup_django(args.database_url)
    migrate()
    from amends.core.enums import Role
    from amends.core.services import roles_ensure, user_create

    roles_ensure()
    user_create(username="bench-supervisor", password="bench-pass-123", role=Role.SUPERVISOR, teams=[])
    load(args.customers)
    base_s, cohort = timed(baseline, args.reps)
    announce_s, recipients = timed(announce, args.reps)
    if recipients != cohort:
        raise BenchError(f"announced to {recipients} customers, but the cohort query counts {cohort}")
    print(f"cohort: {cohort} customers ({args.customers} loaded, 2 deliveries each)")
    print(f"baseline (cohort count query) median: {base_s * 1000:.0f} ms")
    print(f"announce (members + notices queued) median: {announce_s * 1000:.0f} ms")
    verdict = "meets" if announce_s < TARGET_S else "MISSES"
    print(f"announce/baseline = {announce_s / base_s:.1f}; {verdict} the {TARGET_S:.0f} s target")


if __name__ == "__main__":
    main()
