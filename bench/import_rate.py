"""`python -m bench.import_rate`: rows per second of `amends import cfpb` on PostgreSQL (DESIGN.md: CSV import at
least 10x the single-request API rate).

Each round recreates the database `amends_bench_import` (dropped again at the end), migrates it and imports the
shared CFPB export (3,999 complaints, each a customer, a complaint, a case and its timeline) with production
settings in a child process. The rate is the command's own: rows over the seconds spent reading, mapping and
writing them (not Python start-up or migrations). The last line is the median, e.g.
`cfpb import: 4300 rows/s (median of 3 rounds, 3999 rows, PostgreSQL)`.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from .harness import REPO_ROOT, BenchError, bench_env, log, postgres_recreate, run_manage

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/amends_bench_import"
DEFAULT_FILE = REPO_ROOT.parent / "shared" / "data" / "cfpb" / "cfpb_export_with_narratives.csv"
PROGRESS_LINE = re.compile(r"(\d+)/(\d+) rows, (\d+) created, (\d+) rejected, .* (\d+) rows/s")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.import_rate", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE, help="a CFPB export (CSV or Parquet)")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if not args.file.exists():
        parser.error(f"{args.file} does not exist (the shared data lives in ../shared/data)")
    return args


def one_round(args: argparse.Namespace, env: dict[str, str]) -> tuple[float, int, float]:
    """(rows/s as the command measured it, rows created, wall seconds of the whole command)."""
    postgres_recreate(args.database_url)
    run_manage(["migrate", "--noinput"], env, timeout=300)
    started = time.monotonic()
    output = run_manage(
        ["import", "--skip-checks", "cfpb", str(args.file), "--batch-size", str(args.batch_size)], env, timeout=600
    )
    wall = time.monotonic() - started
    match = next((m for line in output.splitlines() if (m := PROGRESS_LINE.search(line))), None)
    if match is None:
        raise BenchError(f"`amends import cfpb` printed no progress line:\n{output[-2000:]}")
    processed, total, created, rejected, rate = (int(group) for group in match.groups())
    if processed != total or rejected:
        raise BenchError(f"the import did not read the whole file cleanly: {match.group(0)}")
    return float(rate), created, wall


def postgres_drop(database_url: str) -> None:
    import psycopg
    from psycopg import sql

    parsed = urlparse(database_url)
    admin_url = urlunparse(parsed._replace(scheme="postgresql", path="/postgres"))
    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
            name = sql.Identifier(parsed.path.lstrip("/"))
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
    except psycopg.OperationalError as exc:
        log(f"could not drop the bench database: {exc}")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    env = bench_env(args.database_url)
    rates: list[float] = []
    created = 0
    try:
        for number in range(1, args.rounds + 1):
            rate, created, wall = one_round(args, env)
            rates.append(rate)
            log(f"round {number}: {rate:.0f} rows/s ({created} complaints created; {wall:.1f} s with start-up)")
    except BenchError as error:
        print(f"bench failed: {error}")
        return 1
    finally:
        postgres_drop(args.database_url)
    median = statistics.median(rates)
    print(f"cfpb import: {median:.0f} rows/s (median of {len(rates)} rounds, {created} rows, PostgreSQL)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
