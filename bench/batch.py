"""`make bench-batch`: items per second through POST /api/v1/feedback/batch against the single-request rate, in one run.

DESIGN.md asks for "a batch endpoint and CSV import at least 10x the single-request rate". On PostgreSQL, with
gunicorn (2 sync workers) on 127.0.0.1, it measures alternately
  - single: POST /api/v1/feedback, one item per request, loaded by wrk exactly as `make bench-intake` does
    (bench/lua/feedback.lua), and
  - batch: POST /api/v1/feedback/batch with --batch-size items (100) per request,
takes the median items/s of each, and prints the ratio as its last line, e.g. `batch/single = 3.1 (1050 / 340 items/s)`.

Batch load generator: a small Python client (one thread per connection, as many as wrk's connections), not wrk.
A batch request takes hundreds of milliseconds on the server while building its body and reading the answer takes
well under a millisecond here, so the client is not what limits the rate; in exchange it reads every answer (an item
whose status is not 201 is an error, counted) and lets the requests in flight at the end finish and count, where wrk
would drop up to one batch per connection that the server still stores. The clock stops at the last answer.

Both loads carry the same items (feedback_item mirrors feedback.lua): NPS cycles through 0..10, so 7 in 11 answers
are detractors; half the items come from new customers, half from a customer who answered 1,001 items earlier on the
same connection, so some negatives join the customer's open case. No two items of one request share a customer and
a repeat is always in an earlier, finished request: the run measures no lock waits.

The exit status is 0 on a clean run, 2 when a measured run had errors or the stored rows do not match the items
sent, 1 when the bench could not run. Knobs: --rounds, --duration, --batch-size, --connections, --idempotency-keys
(see --help).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from .harness import (
    HOST,
    BenchError,
    WrkResult,
    bench_env,
    gunicorn,
    log,
    post_json,
    require_wrk,
    run_python,
    run_wrk,
)
from .intake import DEFAULT_DATABASE_URL, INTAKE_PATH, LOCATION, prepare_database, probe_queries, row_counts

BATCH_PATH = "/api/v1/feedback/batch"
REPEAT_AFTER = 1001  # as in feedback.lua: odd, so an odd item points back at an even (new-customer) one
REQUEST_TIMEOUT_S = 60


# --- The items ------------------------------------------------------------------------------------------------------


def customer_for(n: int) -> str:
    """The customer of the n-th item of a connection (feedback.lua's customer_for)."""
    if n % 2 == 0:
        return str(n // 2)
    if n > REPEAT_AFTER:
        return str((n - REPEAT_AFTER) // 2)
    return f"x{n}"  # the first odd items: new customers too


def feedback_item(prefix: str, thread_id: int, n: int, *, idempotency_key: bool = False) -> dict[str, Any]:
    """The n-th item of a connection: the body feedback.lua sends for its n-th request."""
    item: dict[str, Any] = {
        "customer": {
            "external_id": f"{prefix}-{thread_id}-{customer_for(n)}",
            "name": "Anna",
            "email": "anna@example.com",
            "language": "nl",
        },
        "location": LOCATION,
        "channel": "survey",
        "kind": "survey",
        "scores": {"nps": (n * 7) % 11},
        "text": f"Het pakket kwam drie dagen te laat ({n}).",
    }
    if idempotency_key:
        item["idempotency_key"] = f"{prefix}-{thread_id}-{n}"
    return item


# --- The batch client -----------------------------------------------------------------------------------------------


@dataclass
class BatchRun:
    label: str
    batch_size: int
    requests: int = 0
    items_sent: int = 0  # items in requests that got an answer
    items_created: int = 0  # items answered 201
    item_errors: int = 0  # items in a 200 answer whose status is not 201
    non_2xx: int = 0
    socket_errors: int = 0
    duration_s: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    first_error: str = ""

    @property
    def items_per_s(self) -> float:
        return self.items_created / self.duration_s if self.duration_s > 0 else 0.0

    @property
    def errors(self) -> int:
        return self.item_errors + self.non_2xx + self.socket_errors

    @property
    def clean(self) -> bool:
        return self.errors == 0

    def percentile_ms(self, share: float) -> float:
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run_batches(
    base_url: str,
    token: str,
    *,
    label: str,
    prefix: str,
    duration_s: float,
    connections: int,
    batch_size: int,
    idempotency_keys: bool,
) -> BatchRun:
    """`connections` threads post batches back to back for `duration_s`; requests in flight at the end finish."""
    port = urlparse(base_url).port
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    runs = [BatchRun(label=label, batch_size=batch_size) for _ in range(connections)]
    finished_at = [0.0] * connections
    started = time.monotonic()
    deadline = started + duration_s

    def client(thread_id: int) -> None:
        run = runs[thread_id]
        counter = 0
        while time.monotonic() < deadline:
            items = []
            for _ in range(batch_size):
                counter += 1
                items.append(feedback_item(prefix, thread_id, counter, idempotency_key=idempotency_keys))
            body = json.dumps({"items": items}).encode()
            sent = time.monotonic()
            connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
            try:
                connection.request("POST", BATCH_PATH, body=body, headers=headers)
                response = connection.getresponse()
                status, answer = response.status, response.read()
            except OSError as exc:
                run.socket_errors += 1
                run.first_error = run.first_error or f"{type(exc).__name__}: {exc}"
                continue
            finally:
                connection.close()
            finished_at[thread_id] = time.monotonic()
            run.latencies_ms.append((finished_at[thread_id] - sent) * 1000)
            run.requests += 1
            run.items_sent += batch_size
            if not 200 <= status < 300:
                run.non_2xx += 1
                run.first_error = run.first_error or f"HTTP {status}: {answer[:300].decode(errors='replace')}"
                continue
            results = json.loads(answer)["items"]
            created = sum(1 for item in results if item["status"] == 201)
            run.items_created += created
            run.item_errors += batch_size - created
            if created < batch_size and not run.first_error:
                bad = next((item for item in results if item["status"] != 201), {"error": "items missing"})
                run.first_error = f"item {json.dumps(bad)[:300]}"

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(duration_s + REQUEST_TIMEOUT_S + 10)
    if any(thread.is_alive() for thread in threads):
        raise BenchError(f"{label}: a batch client did not finish")
    total = BatchRun(label=label, batch_size=batch_size)
    for run in runs:
        total.requests += run.requests
        total.items_sent += run.items_sent
        total.items_created += run.items_created
        total.item_errors += run.item_errors
        total.non_2xx += run.non_2xx
        total.socket_errors += run.socket_errors
        total.latencies_ms.extend(run.latencies_ms)
        total.first_error = total.first_error or run.first_error
    total.duration_s = max([*finished_at, deadline]) - started
    return total


# --- The bench -----------------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.batch", description=__doc__.splitlines()[0])
    env = os.environ.get
    parser.add_argument("--rounds", type=int, default=int(env("BENCH_ROUNDS", "3")), help="single+batch pairs")
    parser.add_argument("--duration", type=int, default=int(env("BENCH_DURATION", "10")), help="seconds per run")
    parser.add_argument("--warmup", type=int, default=int(env("BENCH_WARMUP", "3")), help="seconds per endpoint")
    parser.add_argument("--batch-size", type=int, default=int(env("BENCH_BATCH_SIZE", "100")), help="items/request")
    parser.add_argument("--connections", type=int, default=int(env("BENCH_CONNECTIONS", "8")))
    parser.add_argument("--threads", type=int, default=int(env("BENCH_THREADS", "1")), help="wrk threads")
    parser.add_argument("--workers", type=int, default=int(env("BENCH_WORKERS", "2")), help="gunicorn workers")
    parser.add_argument("--idempotency-keys", action="store_true", help="give every batch item an idempotency_key")
    parser.add_argument("--database-url", default=env("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--skip-queries", action="store_true", help="do not count SQL statements per item")
    args = parser.parse_args(argv)
    if min(args.rounds, args.duration, args.connections, args.threads, args.workers) < 1:
        parser.error("rounds, duration, connections, threads and workers must be at least 1")
    if not 1 <= args.batch_size <= 1000:
        parser.error("--batch-size must be between 1 and 1000 (the endpoint's limit)")
    return args


def preflight(base_url: str, token: str, idempotency_keys: bool) -> None:
    """One request to each endpoint before loading it: a misconfiguration shows its error body, not 10,000 errors."""
    auth = {"Authorization": f"Bearer {token}"}
    status, text = post_json(base_url + INTAKE_PATH, feedback_item("pre", 0, 1), auth)
    if status != 201:
        raise BenchError(f"POST {INTAKE_PATH} answered {status} instead of 201:\n{text[:1000]}")
    items = [feedback_item("pre", 1, n, idempotency_key=idempotency_keys) for n in (1, 2)]
    status, text = post_json(base_url + BATCH_PATH, {"items": items}, auth)
    if status != 200 or json.loads(text).get("created") != len(items):
        raise BenchError(f"POST {BATCH_PATH} answered {status} without creating both items:\n{text[:1000]}")


def probe_batch(env: dict[str, str], token: str, args: argparse.Namespace) -> dict[str, Any]:
    extra = ["--idempotency-keys"] if args.idempotency_keys else []
    output = run_python("bench.probe", ["batch", token, str(args.batch_size), *extra], env)
    data: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return data


def measure(args: argparse.Namespace, base_url: str, token: str) -> tuple[list[WrkResult], list[BatchRun]]:
    """Warm both endpoints up, then alternate single and batch runs so that machine noise hits both alike."""

    def single(label: str, prefix: str, seconds: int) -> WrkResult:
        result = run_wrk(
            base_url + INTAKE_PATH,
            label=label,
            script="feedback.lua",
            script_args=[prefix, token],
            duration_s=seconds,
            threads=args.threads,
            connections=args.connections,
        )
        errors = "" if result.clean else f", {result.non_2xx} non-2xx, {result.socket_errors} socket errors"
        log(f"{label:<10} {result.rps:7.0f} items/s  p50 {result.p50_ms:.1f} ms  p99 {result.p99_ms:.1f} ms{errors}")
        return result

    def batch(label: str, prefix: str, seconds: int) -> BatchRun:
        result = run_batches(
            base_url,
            token,
            label=label,
            prefix=prefix,
            duration_s=seconds,
            connections=args.connections,
            batch_size=args.batch_size,
            idempotency_keys=args.idempotency_keys,
        )
        errors = "" if result.clean else f", {result.errors} errors (first: {result.first_error})"
        log(
            f"{label:<10} {result.items_per_s:7.0f} items/s  p50 {result.percentile_ms(0.5):.0f} ms  "
            f"p99 {result.percentile_ms(0.99):.0f} ms per request of {args.batch_size}{errors}"
        )
        return result

    singles: list[WrkResult] = []
    batches: list[BatchRun] = []
    if args.warmup > 0:
        log(f"warming up ({args.warmup} s per endpoint)")
        singles.append(single("warm-up s", "ws", args.warmup))
        batches.append(batch("warm-up b", "wb", args.warmup))
    log(
        f"measuring: {args.rounds} x (single, batch of {args.batch_size}), {args.duration} s each, "
        f"{args.connections} connections"
    )
    for number in range(1, args.rounds + 1):
        singles.append(single(f"single #{number}", f"s{number}", args.duration))
        batches.append(batch(f"batch #{number}", f"b{number}", args.duration))
    return singles, batches


def format_table(singles: Sequence[WrkResult], batches: Sequence[BatchRun]) -> str:
    header = (
        f"{'run':<12} {'items/s':>8} {'requests':>9} {'items':>8} {'non-2xx':>8} {'item err':>8} {'sock err':>8} "
        f"{'p50 ms':>8} {'p99 ms':>8}"
    )
    rows = [header, "-" * len(header)]
    for s, b in zip(singles, batches, strict=True):
        flag = "" if s.clean else "  <- ERRORS"
        rows.append(
            f"{s.label:<12} {s.rps:>8.0f} {s.requests:>9} {s.ok_requests:>8} {s.non_2xx:>8} {'-':>8} "
            f"{s.socket_errors:>8} {s.p50_ms:>8.1f} {s.p99_ms:>8.1f}{flag}"
        )
        flag = "" if b.clean else "  <- ERRORS"
        rows.append(
            f"{b.label:<12} {b.items_per_s:>8.0f} {b.requests:>9} {b.items_created:>8} {b.non_2xx:>8} "
            f"{b.item_errors:>8} {b.socket_errors:>8} {b.percentile_ms(0.5):>8.1f} {b.percentile_ms(0.99):>8.1f}{flag}"
        )
    return "\n".join(rows)


def check_rows(written: int, singles: Sequence[WrkResult], batches: Sequence[BatchRun], slack: int) -> tuple[str, bool]:
    """Feedback rows written against items answered 201; wrk drops answers in flight at its end (up to `slack`)."""
    counted = 1 + 2  # the preflight items
    counted += sum(result.ok_requests for result in singles) + sum(result.items_created for result in batches)
    line = f"feedback rows written: {written}, items answered 201: {counted}"
    if not 0 <= written - counted <= slack:
        return f"{line}: MISMATCH, the difference is outside 0..{slack} (wrk's requests in flight at its end)", False
    return f"{line} (+{written - counted}: requests wrk left unanswered at the end of its runs, at most {slack})", True


def ratio_line(batch_rate: float, single_rate: float) -> str:
    ratio = batch_rate / single_rate if single_rate > 0 else 0.0
    return f"batch/single = {ratio:.1f} ({batch_rate:.0f} / {single_rate:.0f} items/s)"


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    try:
        require_wrk()
        env = bench_env(args.database_url)
        token = prepare_database(args.database_url, env)
        queries = {} if args.skip_queries else probe_queries(env, token)
        batch_probe = {} if args.skip_queries else probe_batch(env, token, args)
        before = row_counts(env)["feedback"]
        with gunicorn(env, workers=args.workers) as server:
            preflight(server.base_url, token, args.idempotency_keys)
            singles, batches = measure(args, server.base_url, token)
        written = row_counts(env)["feedback"] - before
        rows_line, rows_ok = check_rows(written, singles, batches, slack=args.connections * len(singles))
    except BenchError as exc:
        print(f"[bench] FAILED: {exc}", file=sys.stderr, flush=True)
        return 1

    measured_singles, measured_batches = singles[-args.rounds :], batches[-args.rounds :]
    single_rate = statistics.median(result.rps for result in measured_singles)
    batch_rate = statistics.median(result.items_per_s for result in measured_batches)
    print()
    print(format_table(measured_singles, measured_batches))
    print()
    print(f"single: median {single_rate:.0f} items/s, best {max(r.rps for r in measured_singles):.0f} items/s")
    print(
        f"batch:  median {batch_rate:.0f} items/s, best {max(r.items_per_s for r in measured_batches):.0f} items/s "
        f"({args.batch_size} items per request{', each with an idempotency_key' if args.idempotency_keys else ''})"
    )
    if queries:
        print("SQL statements per single request (BEGIN/SAVEPOINT/COMMIT included):")
        for name, count in queries.items():
            print(f"  {name:<28} {count:>5}")
    if batch_probe:
        print(
            f"SQL statements per batch item: {batch_probe['per_item']:.2f} "
            f"({batch_probe['queries']} for {batch_probe['items']} items, in-process: "
            f"{batch_probe['ms_per_item']:.2f} ms per item, of which {batch_probe['sql_ms_per_item']:.2f} ms in SQL)"
        )
        print(f"  {'statement':<44} {'per item':>8} {'ms/item':>8}")
        for kind, (count, milliseconds) in batch_probe["by_kind"].items():
            print(f"  {kind:<44} {count / batch_probe['items']:>8.2f} {milliseconds / batch_probe['items']:>8.3f}")
    print(rows_line)
    print(f"total time: {time.monotonic() - started:.0f} s")
    errors = [r.label for r in measured_singles if not r.clean] + [r.label for r in measured_batches if not r.clean]
    if not rows_ok:
        errors.append("stored rows")
    if errors:
        print("WARNING: errors (the ratio is not trustworthy): " + ", ".join(errors))
    print(ratio_line(batch_rate, single_rate), flush=True)
    return 2 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
