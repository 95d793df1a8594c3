"""Reusable bench pieces: a throwaway PostgreSQL database, bulk loading with COPY, gunicorn on a free local port,
and wrk runs.

Everything runs on 127.0.0.1 and is bounded in time; the server is always stopped, even on errors.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlparse, urlunparse

REPO_ROOT = Path(__file__).resolve().parent.parent
LUA_DIR = Path(__file__).resolve().parent / "lua"
HOST = "127.0.0.1"
RESULT_MARKER = "BENCH_RESULT "
T = TypeVar("T")


class BenchError(RuntimeError):
    """A bench could not run; the message says why and what to do."""


def log(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def run_bench(run: Callable[[T], object], args: T) -> int:
    """A bench's exit status: 0, or 1 with the reason printed when it could not run."""
    try:
        run(args)
    except BenchError as error:
        print(f"bench failed: {error}")
        return 1
    return 0


# --- Environment -------------------------------------------------------------------------------------------------


def bench_env(database_url: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for every process of a bench: production-like settings, plain http, the bench app."""
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "amends.config.settings",
            "AMENDS_BENCH": "1",
            "DEBUG": "0",
            "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789abcdefghijklmnop",
            "ALLOWED_HOSTS": HOST,
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])),
        }
    )
    env["STATIC_ROOT"] = empty_static_root()
    env.pop("REDIS_URL", None)  # the bench measures the default database queue
    if extra:
        env.update(extra)
    return env


def empty_static_root() -> str:
    """An empty STATIC_ROOT for benches: keeps WhiteNoise from warning that there is none."""
    static_root = Path(tempfile.gettempdir()) / "amends-bench-static"
    static_root.mkdir(exist_ok=True)
    return str(static_root)


def run_python(module: str, args: Sequence[str], env: Mapping[str, str], timeout: float = 120) -> str:
    """Run `python -m <module> <args>` in a child process; return its stdout, fail loudly with its stderr."""
    shown = " ".join([module, *args[:2]])
    try:
        done = subprocess.run(
            [sys.executable, "-m", module, *args],
            env=dict(env),
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"`{shown}` took longer than {timeout:.0f} s") from exc
    if done.returncode != 0:
        raise BenchError(f"`{shown}` failed:\n{done.stderr.strip()}")
    return done.stdout


def run_manage(args: Sequence[str], env: Mapping[str, str], timeout: float = 120) -> str:
    """Run `amends <args>` (manage.py) in a child process."""
    return run_python("amends.manage", args, env, timeout)


# --- PostgreSQL ----------------------------------------------------------------------------------------------------


def postgres_recreate(database_url: str) -> None:
    """Drop and create the database named in the URL (connecting to the `postgres` maintenance database)."""
    import psycopg
    from psycopg import sql

    parsed = urlparse(database_url)
    name = parsed.path.lstrip("/")
    if not name or parsed.scheme not in {"postgres", "postgresql"}:
        raise BenchError(f"The bench needs a PostgreSQL URL with a database name, not {database_url!r}")
    admin_url = urlunparse(parsed._replace(scheme="postgresql", path="/postgres"))
    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.OperationalError as exc:
        raise BenchError(f"Cannot reach PostgreSQL at {parsed.hostname}:{parsed.port or 5432}: {exc}") from exc


# --- Bulk loading with COPY ---------------------------------------------------------------------------------------

COPY_NULL = "\\N"  # NULL in COPY's text format


def copy_stamps(seconds: Any, present: Any = None) -> list[str]:
    """Unix seconds (a numpy array) as COPY timestamps, NULL where `present` is false."""
    import numpy as np

    text = np.datetime_as_string(np.asarray(seconds).astype("datetime64[s]"), unit="s", timezone="UTC")
    return (text if present is None else np.where(present, text, COPY_NULL)).tolist()


def copy_ints(values: Any, present: Any = None) -> list[str]:
    """Integers (a numpy array) as COPY text, NULL where `present` is false."""
    import numpy as np

    text = np.asarray(values).astype(np.int64).astype(str)
    return (text if present is None else np.where(present, text, COPY_NULL)).tolist()


def copy_text(columns: Sequence[Sequence[str]]) -> str:
    """COPY text of rows given column by column (each a list of already formatted values)."""
    return "".join("\t".join(row) + "\n" for row in zip(*columns, strict=True))


def check_required_columns(conn: Any, table: str, columns: Sequence[str]) -> None:
    """Fail clearly when `table` has a NOT NULL column without a default that the loader does not write."""
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
        "AND is_nullable = 'NO' AND column_default IS NULL AND is_identity = 'NO'",
        [table],
    ).fetchall()
    missing = sorted({row[0] for row in rows} - set(columns))
    if missing:
        raise BenchError(f"{table} has NOT NULL columns the loader does not fill: {missing}")


def copy_rows(conn: Any, table: str, columns: Sequence[str], chunks: Iterable[tuple[int, str]], total: int) -> None:
    """COPY `chunks` ((rows so far, COPY text of the next rows)) into `table`, in the caller's transaction.

    The table's secondary indexes are dropped first and built again afterwards with the same definitions, and
    foreign-key triggers are off (the loader writes valid ids): far faster than keeping them up to date row by row.
    """
    check_required_columns(conn, table, columns)
    started = time.monotonic()
    indexes = conn.execute(
        "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary AND NOT x.indisunique "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
        [table],
    ).fetchall()
    conn.execute("SET LOCAL session_replication_role = replica")
    conn.execute("SET LOCAL maintenance_work_mem = '512MB'")
    for name, _definition in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    step = max(total // 10, 1)
    shown = 0
    with conn.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for done, text in chunks:
            copy.write(text)
            if done // step > shown or done == total:
                shown = done // step
                log(f"  {done:>10,}/{total:,} {table} ({done / (time.monotonic() - started):,.0f} rows/s)")
    index_started = time.monotonic()
    for _name, definition in indexes:
        conn.execute(definition)
    log(
        f"copied {total:,} rows into {table} in {time.monotonic() - started:.1f} s "
        f"({len(indexes)} secondary indexes rebuilt in {time.monotonic() - index_started:.1f} s)"
    )


def copied_ids(conn: Any, table: str, count: int) -> int:
    """The first id of the `count` rows just copied into an empty `table`: the ids must run on without gaps."""
    first, last, rows = conn.execute(f"SELECT min(id), max(id), count(*) FROM {table}").fetchone()
    if rows != count or last - first + 1 != count:
        raise BenchError(f"{table}: expected {count:,} rows with consecutive ids, found {rows:,} ({first}..{last})")
    return int(first)


# --- gunicorn ------------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Server:
    base_url: str
    pid: int


@contextmanager
def gunicorn(
    env: Mapping[str, str],
    *,
    app: str = "amends.config.wsgi:application",
    workers: int = 2,
    worker_class: str = "sync",
    threads: int = 1,
    ready_path: str = "/bench/ready",
    start_timeout: float = 30,
    extra_args: Sequence[str] = (),
) -> Iterator[Server]:
    """Run gunicorn on a free port of 127.0.0.1 for the duration of the block; always stop it afterwards."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        app,
        f"--bind={HOST}:{port}",
        f"--workers={workers}",
        f"--worker-class={worker_class}",
        f"--threads={threads}",
        "--log-level=warning",
        "--timeout=30",
        "--graceful-timeout=5",
        "--no-control-socket",
        *extra_args,
    ]
    log(f"starting gunicorn ({workers} {worker_class} workers) on {HOST}:{port}")
    process = subprocess.Popen(command, env=dict(env), cwd=REPO_ROOT, start_new_session=True)
    try:
        base_url = f"http://{HOST}:{port}"
        _wait_until_serving(process, base_url + ready_path, start_timeout)
        yield Server(base_url=base_url, pid=process.pid)
    finally:
        _stop(process)


def _wait_until_serving(process: subprocess.Popen[bytes], url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"gunicorn exited with status {process.returncode} while starting")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # any HTTP answer means a worker is serving
        except OSError:
            time.sleep(0.2)
    raise BenchError(f"gunicorn did not answer {url} within {timeout:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to gunicorn's master (it stops its workers), then SIGKILL to its process group if it lingers."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)  # the group we created with start_new_session: stray workers
    if process.poll() is None:
        process.wait(timeout=5)
    log(f"gunicorn stopped (pid {process.pid})")


def post_json(url: str, body: object, headers: Mapping[str, str] | None = None, timeout: float = 10) -> tuple[int, str]:
    """One POST outside the load generator, to check an endpoint answers before loading it."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


# --- wrk -----------------------------------------------------------------------------------------------------------


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise BenchError("wrk (the HTTP load generator) is not installed: run `apt-get install wrk`, then try again.")
    return path


@dataclass(frozen=True)
class WrkResult:
    label: str
    requests: int
    duration_s: float
    non_2xx: int  # wrk counts responses with a status above 399 here
    socket_errors: int  # connect, read, write and timeout errors
    p50_ms: float
    p99_ms: float
    max_ms: float

    @property
    def ok_requests(self) -> int:
        return max(self.requests - self.non_2xx, 0)

    @property
    def rps(self) -> float:
        """Successful requests per second."""
        return self.ok_requests / self.duration_s if self.duration_s > 0 else 0.0

    @property
    def clean(self) -> bool:
        return self.non_2xx == 0 and self.socket_errors == 0


def run_wrk(
    url: str,
    *,
    label: str,
    script: str,
    script_args: Sequence[str] = (),
    duration_s: int = 10,
    threads: int = 1,
    connections: int = 8,
    timeout_s: int = 5,
) -> WrkResult:
    """Load `url` with wrk and a Lua script from bench/lua/ (the summary reporter is appended to it)."""
    wrk = require_wrk()
    source = (LUA_DIR / script).read_text() + (LUA_DIR / "report.lua").read_text()
    with tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="bench-") as lua:
        lua.write(source)
        lua.flush()
        command = [
            wrk,
            f"--threads={threads}",
            f"--connections={connections}",
            f"--duration={duration_s}s",
            f"--timeout={timeout_s}s",
            f"--script={lua.name}",
            url,
            "--",
            *script_args,
        ]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=duration_s + 30, check=False)
        except subprocess.TimeoutExpired as exc:
            raise BenchError(f"wrk did not finish within {duration_s + 30} s") from exc
    if done.returncode != 0:
        raise BenchError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return parse_wrk(label, done.stdout)


def parse_wrk(label: str, output: str) -> WrkResult:
    line = next((line for line in output.splitlines() if line.startswith(RESULT_MARKER)), None)
    if line is None:
        raise BenchError(f"wrk printed no summary line:\n{output}")
    data = json.loads(line[len(RESULT_MARKER) :])
    return WrkResult(
        label=label,
        requests=int(data["requests"]),
        duration_s=data["duration_us"] / 1e6,
        non_2xx=int(data["status"]),
        socket_errors=sum(int(data[key]) for key in ("connect", "read", "write", "timeout")),
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
    )


def median_rps(results: Sequence[WrkResult]) -> float:
    return statistics.median(result.rps for result in results) if results else 0.0


def format_table(results: Sequence[WrkResult]) -> str:
    header = f"{'run':<12} {'req/s':>8} {'requests':>9} {'non-2xx':>8} {'sock err':>8} {'p50 ms':>8} {'p99 ms':>8}"
    rows = [header, "-" * len(header)]
    for r in results:
        flag = "" if r.clean else "  <- ERRORS"
        rows.append(
            f"{r.label:<12} {r.rps:>8.0f} {r.requests:>9} {r.non_2xx:>8} {r.socket_errors:>8} "
            f"{r.p50_ms:>8.1f} {r.p99_ms:>8.1f}{flag}"
        )
    return "\n".join(rows)
