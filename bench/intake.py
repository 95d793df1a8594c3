"""`make bench-intake`: REST intake throughput as a share of the ceiling, measured in one run (DESIGN.md).

On PostgreSQL, with gunicorn (2 sync workers) and wrk on 127.0.0.1, it measures alternately
  - the ceiling: a bare Django view inserting one row per POST (bench.ceiling), and
  - intake: POST /api/v1/feedback (feedback stored, rules evaluated, case opened or joined, alert queued),
takes the median of each, and prints the ratio as its last line, e.g. `intake/ceiling = 0.64 (412 / 641 req/s)`.

Both endpoints receive the same bodies (bench/lua/feedback.lua): NPS cycles through 0..10, so 7 in 11 answers are
detractors; half the answers come from new customers, half from customers who answered ~1,000 requests earlier, so
some negatives join the customer's open case (never two answers of one customer at once: no lock waits).

The exit status is 0 on a clean run, 2 when a measured run had non-2xx responses or socket errors, 1 when the bench
could not run. Knobs: --rounds, --duration, --connections, --threads, --warmup, --database-url (see --help).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence

from .harness import (
    BenchError,
    WrkResult,
    bench_env,
    format_table,
    gunicorn,
    log,
    median_rps,
    post_json,
    postgres_recreate,
    require_wrk,
    run_manage,
    run_python,
    run_wrk,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/amends_bench"
CEILING_PATH = "/bench/ceiling"
INTAKE_PATH = "/api/v1/feedback"
USERNAME = "bench"
LOCATION = "ams"

SETUP_DATA = f"""
from amends.core.enums import Role
from amends.core.services import location_create, user_create
user_create(username={USERNAME!r}, password=None, role=Role.ADMIN)
location_create(code={LOCATION!r}, name="Amsterdam Centraal", country="NL", timezone_name="Europe/Amsterdam")
"""


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.intake", description=__doc__.splitlines()[0])
    env = os.environ.get
    parser.add_argument("--rounds", type=int, default=int(env("BENCH_ROUNDS", "3")), help="ceiling+intake pairs")
    parser.add_argument("--duration", type=int, default=int(env("BENCH_DURATION", "10")), help="seconds per run")
    parser.add_argument("--warmup", type=int, default=int(env("BENCH_WARMUP", "3")), help="seconds per endpoint")
    parser.add_argument("--connections", type=int, default=int(env("BENCH_CONNECTIONS", "8")))
    parser.add_argument("--threads", type=int, default=int(env("BENCH_THREADS", "1")), help="wrk threads")
    parser.add_argument("--workers", type=int, default=int(env("BENCH_WORKERS", "2")), help="gunicorn workers")
    parser.add_argument("--database-url", default=env("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--skip-queries", action="store_true", help="do not count SQL queries per request")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.duration < 1 or args.connections < 1 or args.threads < 1 or args.workers < 1:
        parser.error("rounds, duration, connections, threads and workers must be at least 1")
    return args


def prepare_database(database_url: str, env: dict[str, str]) -> str:
    """A fresh database with the schema, an admin user, a location and an API token; returns the token."""
    log(f"recreating database {database_url.rsplit('/', 1)[-1]}")
    postgres_recreate(database_url)
    log("migrating")
    run_manage(["migrate", "--noinput"], env, timeout=180)
    run_manage(["shell", "-c", SETUP_DATA], env)
    token = run_manage(["api_token", "create", USERNAME, "--name", "bench"], env).strip().splitlines()[-1].strip()
    if not token:
        raise BenchError("`amends api_token create` printed no token")
    return token


def probe_queries(env: dict[str, str], token: str) -> dict[str, int]:
    """SQL queries per request for each path through intake (and the ceiling), from bench.probe."""
    output = run_python("bench.probe", ["queries", token], env)
    data = json.loads(output.strip().splitlines()[-1])
    return {name: int(item["queries"]) for name, item in data.items()}


def row_counts(env: dict[str, str]) -> dict[str, int]:
    output = run_python("bench.probe", ["counts"], env)
    return {name: int(value) for name, value in json.loads(output.strip().splitlines()[-1]).items()}


def preflight(base_url: str, token: str) -> None:
    """One request to each endpoint before loading it: a misconfiguration shows its error body, not 10,000 errors."""
    body = {
        "customer": {"external_id": "preflight", "name": "Anna", "email": "anna@example.com", "language": "nl"},
        "location": LOCATION,
        "channel": "survey",
        "kind": "survey",
        "scores": {"nps": 3},
        "text": "Het pakket kwam drie dagen te laat.",
    }
    for path in (CEILING_PATH, INTAKE_PATH):
        status, text = post_json(base_url + path, body, {"Authorization": f"Bearer {token}"})
        if status != 201:
            raise BenchError(f"POST {path} answered {status} instead of 201:\n{text[:1000]}")


def measure(args: argparse.Namespace, base_url: str, token: str) -> tuple[list[WrkResult], list[WrkResult]]:
    """Warm both endpoints up, then alternate ceiling and intake runs so that machine noise hits both alike."""

    def run(path: str, label: str, prefix: str, seconds: int) -> WrkResult:
        result = run_wrk(
            base_url + path,
            label=label,
            script="feedback.lua",
            script_args=[prefix, token],
            duration_s=seconds,
            threads=args.threads,
            connections=args.connections,
        )
        errors = "" if result.clean else f", {result.non_2xx} non-2xx, {result.socket_errors} socket errors"
        log(f"{label:<10} {result.rps:7.0f} req/s  p50 {result.p50_ms:.1f} ms  p99 {result.p99_ms:.1f} ms{errors}")
        return result

    if args.warmup > 0:
        log(f"warming up ({args.warmup} s per endpoint)")
        run(CEILING_PATH, "warm-up c", "wc", args.warmup)
        run(INTAKE_PATH, "warm-up i", "wi", args.warmup)
    log(
        f"measuring: {args.rounds} x (ceiling, intake), {args.duration} s each, "
        f"wrk {args.threads} thread(s) x {args.connections} connections"
    )
    ceilings: list[WrkResult] = []
    intakes: list[WrkResult] = []
    for round_number in range(1, args.rounds + 1):
        ceilings.append(run(CEILING_PATH, f"ceiling #{round_number}", f"c{round_number}", args.duration))
        intakes.append(run(INTAKE_PATH, f"intake #{round_number}", f"i{round_number}", args.duration))
    return ceilings, intakes


def ratio_line(intake_rps: float, ceiling_rps: float) -> str:
    ratio = intake_rps / ceiling_rps if ceiling_rps > 0 else 0.0
    return f"intake/ceiling = {ratio:.2f} ({intake_rps:.0f} / {ceiling_rps:.0f} req/s)"


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    try:
        require_wrk()
        env = bench_env(args.database_url)
        token = prepare_database(args.database_url, env)
        queries = {} if args.skip_queries else probe_queries(env, token)
        with gunicorn(env, workers=args.workers) as server:
            preflight(server.base_url, token)
            ceilings, intakes = measure(args, server.base_url, token)
        rows = row_counts(env)
    except BenchError as exc:
        print(f"[bench] FAILED: {exc}", file=sys.stderr, flush=True)
        return 1

    measured = [result for pair in zip(ceilings, intakes, strict=True) for result in pair]
    ceiling_rps, intake_rps = median_rps(ceilings), median_rps(intakes)
    print()
    print(format_table(measured))
    print()
    print(f"ceiling: median {ceiling_rps:.0f} req/s, best {max(r.rps for r in ceilings):.0f} req/s")
    print(f"intake:  median {intake_rps:.0f} req/s, best {max(r.rps for r in intakes):.0f} req/s")
    if queries:
        print("SQL statements per request (BEGIN/SAVEPOINT/COMMIT included):")
        for name, count in queries.items():
            print(f"  {name:<28} {count:>3}")
    print("rows written: " + ", ".join(f"{name}: {count}" for name, count in rows.items()))
    print(f"total time: {time.monotonic() - started:.0f} s")
    errors = [result for result in measured if not result.clean]
    if errors:
        print(
            "WARNING: runs with errors (the ratio is not trustworthy): "
            + ", ".join(f"{r.label} ({r.non_2xx} non-2xx, {r.socket_errors} socket errors)" for r in errors)
        )
    print(ratio_line(intake_rps, ceiling_rps), flush=True)
    return 2 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
