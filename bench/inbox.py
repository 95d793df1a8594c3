"""`make bench-inbox`: agent inbox latency at 1,000,000 cases on PostgreSQL (DESIGN.md: p95 under 50 ms).

It uses its own database `amends_bench` (created when missing, migrated with Django's migrate) and loads it once
with PostgreSQL COPY: ~20 teams with locations, ~300 agents, ~200,000 customers and --cases recovery cases (about
10% open, half of those with an owner, due times spread over the past and the future; the rest resolved or closed
without a due time). A second run finds the cases there and skips loading; --reload recreates the database.

Then, for one agent of the busiest team and a supervisor of the three busiest teams, it measures p50/p95 over
--reps repetitions (all rows interleaved, so they share the machine's state) of
  - query: `paginate_by_due(inbox_cases(user, view=..., filters=CaseFilters()), cursor=..., limit=PAGE_SIZE)`,
    exactly as the inbox view runs it, for the views mine / team / unassigned, on the first page and on a deep page
    (the cursor after walking --deep-pages pages, or the last page when there are fewer);
  - page: GET /?view=...[&cursor=...] through django.test.Client, logged in as that user (middleware, view and
    template rendering; settings.DEBUG is switched off after set-up, so no query log and no template debugging);
  - baseline: a plain indexed SELECT * of the agent's team's open cases ORDER BY due_at, id LIMIT 50 on a raw cursor.
Every row prints its p95 as a ratio to the baseline's p95 and whether it meets the 50 ms target, then EXPLAIN
(ANALYZE, BUFFERS) of the team first-page query as the product sends it. --try-index "CREATE INDEX ..." (repeatable)
measures the queries again with candidate indexes created for the experiment and dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlparse, urlunparse

from .harness import BenchError, log

if TYPE_CHECKING:
    from django.test import Client

    from amends.core.models import User

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/amends_bench"
TARGET_MS = 50.0  # DESIGN.md: agent inbox p95 under 50 ms at 1,000,000 cases
TEAMS = 20
LOCATIONS_PER_TEAM = 3
AGENTS = 300
CUSTOMERS = 200_000
OPEN_SHARE = 0.10
MARKER_SLUG = "inbox-bench-01"  # the first team the loader creates: the database holds this bench's data
VIEWS = ("mine", "team", "unassigned")
COPY_CHUNK = 50_000
MIN_SAMPLES = 40

# (status, weight) of open cases; owner-less while new, owned once acknowledged: about half the open cases.
OPEN_STATUS_MIX = (("new", 45), ("acknowledged", 20), ("in_progress", 25), ("waiting_on_customer", 10))
SEVERITIES = (("low", 30), ("medium", 50), ("high", 15), ("critical", 5))
CATEGORIES = ("delivery", "billing", "product_quality", "staff_behaviour", "cleanliness", "waiting_time", "other")
SUMMARIES = (
    "Parcel arrived two days late",
    "Charged twice for one order",
    "Room was not cleaned on arrival",
    "Flight cancelled without notice",
    "Rude answer at the front desk",
    "Wrong size delivered",
    "Refund promised but never received",
    "Waited 40 minutes for a table",
    "Item missing from the box",
    "App logged me out and lost my basket",
)
OUTCOMES = ("monetary_relief", "non_monetary_relief", "explanation", "closed")
CITIES = (
    ("NL", "Europe/Amsterdam", ("Amsterdam", "Utrecht", "Rotterdam", "Eindhoven")),
    ("DE", "Europe/Berlin", ("Berlin", "Hamburg", "Munich", "Cologne")),
    ("FR", "Europe/Paris", ("Paris", "Lyon", "Lille", "Nantes")),
    ("IT", "Europe/Rome", ("Rome", "Milan", "Turin", "Naples")),
    ("ES", "Europe/Madrid", ("Madrid", "Barcelona", "Seville", "Bilbao")),
)
FIRST_NAMES = ("Anna", "Bram", "Chiara", "Daan", "Elena", "Finn", "Greta", "Hugo", "Ines", "Jonas", "Lea", "Marco")
LAST_NAMES = ("de Vries", "Müller", "Rossi", "Dubois", "García", "Jansen", "Schmidt", "Bianchi", "Martin", "López")

# The columns of cases_case that the loader writes (every NOT NULL one; the others stay NULL).
CASE_COLUMNS = (
    "status",
    "severity",
    "category",
    "summary",
    "resolution",
    "outcome",
    "sla_met",
    "created_at",
    "first_response_due_at",
    "first_response_at",
    "resolution_due_at",
    "resolved_at",
    "due_at",
    "updated_at",
    "customer_id",
    "location_id",
    "owner_id",
    "team_id",
    "contacts",
    "escalation_level",
    "escalation_at",
    "first_response_business_minutes",
    "resolution_business_minutes",
    "reopen_until",
    "reopens",
    "transfers",
    "sla_pauses",
    "sla_target",
    "checklist",
)
CUSTOMER_COLUMNS = ("external_id", "name", "email", "phone", "language", "segment", "created_at", "updated_at")
NULL = "\\N"
INDEX_NAME = re.compile(r"\s*CREATE\s+INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)\s+ON\s", re.IGNORECASE)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.inbox", description=__doc__.splitlines()[0])
    env = os.environ.get
    parser.add_argument("--cases", type=int, default=int(env("BENCH_CASES", "1000000")))
    parser.add_argument("--reload", action="store_true", help="recreate the database and load it again")
    parser.add_argument("--reps", type=int, default=int(env("BENCH_REPS", "200")), help="measured repetitions")
    parser.add_argument("--warmup", type=int, default=5, help="unmeasured repetitions first")
    parser.add_argument("--row-seconds", type=float, default=20, help="time budget per measured row")
    parser.add_argument("--deep-pages", type=int, default=20, help="pages walked to take the deep cursor")
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--database-url", default=env("BENCH_INBOX_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--skip-pages", action="store_true", help="measure the queries only, not the pages")
    parser.add_argument(
        "--try-index",
        action="append",
        default=[],
        metavar="SQL",
        help="a CREATE INDEX statement to measure the queries with (created, measured, dropped); repeatable",
    )
    args = parser.parse_args(argv)
    if args.cases < 1000 or args.reps < 1 or args.deep_pages < 1:
        parser.error("--cases must be at least 1000, --reps and --deep-pages at least 1")
    if urlparse(args.database_url).path.lstrip("/") in {"", "test", "postgres"}:
        parser.error("the bench needs a database of its own (not test or postgres)")
    return args


# --- Database ------------------------------------------------------------------------------------------------------


def admin_url(database_url: str) -> str:
    parsed = urlparse(database_url)
    return urlunparse(parsed._replace(scheme="postgresql", path="/postgres"))


def plain_url(database_url: str) -> str:
    return urlunparse(urlparse(database_url)._replace(scheme="postgresql"))


def ensure_database(database_url: str, *, recreate: bool) -> None:
    """Create the bench database if it is missing; drop and create it again with `recreate`."""
    import psycopg
    from psycopg import sql

    name = urlparse(database_url).path.lstrip("/")
    try:
        with psycopg.connect(admin_url(database_url), autocommit=True, connect_timeout=10) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None
            if exists and recreate:
                log(f"dropping database {name}")
                conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            if recreate or not exists:
                log(f"creating database {name}")
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.OperationalError as exc:
        raise BenchError(f"Cannot reach PostgreSQL for {database_url}: {exc}") from exc


def loaded_cases(database_url: str) -> int | None:
    """How many cases this bench loaded into the database, or None when it holds no (or foreign) data."""
    import psycopg

    with psycopg.connect(plain_url(database_url), connect_timeout=10) as conn:
        if conn.execute("SELECT to_regclass('cases_case') IS NOT NULL").fetchone() != (True,):
            return None
        marker = conn.execute("SELECT count(*) FROM core_team WHERE slug = %s", [MARKER_SLUG]).fetchone()
        if not marker or marker[0] != 1:
            return None
        row = conn.execute("SELECT count(*) FROM cases_case").fetchone()
        return int(row[0]) if row else None


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amends.config.settings")
    os.environ.setdefault("DEBUG", "1")  # a development secret key and plain static files; DEBUG goes off below
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    log(f"migrated in {time.monotonic() - started:.1f} s")


# --- Loading -------------------------------------------------------------------------------------------------------


@dataclass
class World:
    """The people and places the cases refer to, by id."""

    team_ids: list[int] = field(default_factory=list)
    team_weights: list[float] = field(default_factory=list)
    locations: dict[int, list[int]] = field(default_factory=dict)  # team id -> location ids
    agents: dict[int, list[int]] = field(default_factory=dict)  # team id -> agent ids
    customer_ids: list[int] = field(default_factory=list)


def create_people(rng: random.Random) -> World:
    """Teams (the first ones busiest), their locations, agents spread over them, and supervisors; with the ORM."""
    from django.contrib.auth.models import Group
    from django.db import transaction

    from amends.core.enums import Role
    from amends.core.models import Location, Team, User

    world = World()
    raw_weights = [1 / (number + 4) for number in range(TEAMS)]
    world.team_weights = [weight / sum(raw_weights) for weight in raw_weights]
    with transaction.atomic():
        groups = {role: Group.objects.get_or_create(name=role.value)[0] for role in Role}
        teams = Team.objects.bulk_create(
            Team(slug=f"inbox-bench-{number + 1:02d}", name=f"Recovery team {number + 1:02d}")
            for number in range(TEAMS)
        )
        world.team_ids = [team.pk for team in teams]
        locations = []
        for number, team in enumerate(teams):
            country, timezone, cities = CITIES[number % len(CITIES)]
            for index in range(LOCATIONS_PER_TEAM):
                city = cities[(number + index) % len(cities)]
                code = f"bench-{number + 1:02d}-{index + 1}"
                locations.append(Location(code=code, name=f"{city} {index + 1}", country=country, timezone=timezone))
                locations[-1].team = team
        for location in Location.objects.bulk_create(locations):
            assert location.team_id is not None
            world.locations.setdefault(location.team_id, []).append(location.pk)
        people: list[tuple[User, str, list[int]]] = []
        remaining = AGENTS
        for number, (team, weight) in enumerate(zip(teams, world.team_weights, strict=True)):
            size = remaining if number == TEAMS - 1 else max(3, round(AGENTS * weight))
            remaining -= size
            for _ in range(size):
                username = f"agent{len(people) + 1:03d}"
                people.append((_bench_user(rng, username), Role.AGENT.value, [team.pk]))
        for number in range(4):  # supervisors of three neighbouring teams; the first one oversees the busiest
            teams_of = [world.team_ids[(number * 3 + offset) % TEAMS] for offset in range(3)]
            people.append((_bench_user(rng, f"supervisor{number + 1}"), Role.SUPERVISOR.value, teams_of))
        users = User.objects.bulk_create(user for user, _role, _teams in people)
        memberships = []
        user_groups = []
        for user, (_same, role, team_ids) in zip(users, people, strict=True):
            user_groups.append(User.groups.through(user_id=user.pk, group_id=groups[Role(role)].pk))
            for team_id in team_ids:
                memberships.append(Team.members.through(team_id=team_id, user_id=user.pk))
                if role == Role.AGENT.value:
                    world.agents.setdefault(team_id, []).append(user.pk)
        User.groups.through.objects.bulk_create(user_groups)
        Team.members.through.objects.bulk_create(memberships)
    log(f"created {TEAMS} teams, {len(locations)} locations, {AGENTS} agents and 4 supervisors")
    return world


def _bench_user(rng: random.Random, username: str) -> User:
    from amends.core.models import User

    user = User(
        username=username,
        first_name=rng.choice(FIRST_NAMES),
        last_name=rng.choice(LAST_NAMES),
        email=f"{username}@bench.example",
        is_staff=username.startswith("supervisor"),
    )
    user.set_unusable_password()
    return user


def copy_customers(conn: Any, world: World, now: datetime, rng: random.Random) -> None:
    started = time.monotonic()
    languages = ("en", "en", "en", "nl", "de", "fr", "it", "es")
    columns = ", ".join(CUSTOMER_COLUMNS)
    with conn.cursor() as cursor, cursor.copy(f"COPY customers_customer ({columns}) FROM STDIN") as copy:
        lines = []
        for number in range(1, CUSTOMERS + 1):
            joined = (now - timedelta(days=rng.uniform(30, 2000))).isoformat()
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            segment = "VIP" if rng.random() < 0.05 else ""
            lines.append(
                f"bench-c{number:07d}\t{name}\tc{number}@customer.example\t\t{rng.choice(languages)}\t{segment}"
                f"\t{joined}\t{joined}\n"
            )
            if len(lines) == COPY_CHUNK:
                copy.write("".join(lines))
                lines.clear()
        copy.write("".join(lines))
    world.customer_ids = [row[0] for row in conn.execute("SELECT id FROM customers_customer ORDER BY id")]
    log(f"copied {CUSTOMERS:,} customers in {time.monotonic() - started:.1f} s")


def check_case_columns(conn: Any) -> None:
    """Fail clearly when cases_case gained a NOT NULL column without a default that the loader does not write."""
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'cases_case' "
        "AND is_nullable = 'NO' AND column_default IS NULL AND is_identity = 'NO'"
    ).fetchall()
    missing = sorted({row[0] for row in rows} - set(CASE_COLUMNS))
    if missing:
        raise BenchError(f"cases_case has NOT NULL columns the loader does not fill: {missing} (see CASE_COLUMNS)")


def case_chunks(count: int, world: World, now: datetime, seed: int) -> Iterator[tuple[int, str]]:
    """(cases so far, COPY text of the next chunk) in creation order (ids follow it); vectorised with numpy.

    Cases are spread over three years; the newest tenth are mostly open (so open cases sit near the end of the
    table, as in production), older ones rarely. Open: due from 3 days ago to 7 days ahead (no due time while
    waiting on the customer: the clock is stopped), owned unless new.
    Resolved or closed: no due time, an owner, response and resolution times, a reopen window.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    now_s = int(now.timestamp())
    start_s = now_s - 3 * 365 * 86400
    span = now_s - 3600 - start_s
    recent = int(count * 0.9)
    # P(open) so that about OPEN_SHARE of all cases are open, most of them among the newest tenth.
    p_open_recent, p_open_old = 0.6, (OPEN_SHARE - 0.1 * 0.6) / 0.9
    open_statuses = np.array([status for status, _weight in OPEN_STATUS_MIX])
    open_p = np.array([weight for _status, weight in OPEN_STATUS_MIX], dtype=float)
    severities = np.array([severity for severity, _weight in SEVERITIES])
    severity_p = np.array([weight for _severity, weight in SEVERITIES], dtype=float)
    categories, summaries, outcomes = np.array(CATEGORIES), np.array(SUMMARIES), np.array(OUTCOMES)
    team_ids = np.array(world.team_ids)
    team_p = np.array(world.team_weights)
    widest = max(len(ids) for ids in world.agents.values())
    agents = np.array([world.agents[team] + [0] * (widest - len(world.agents[team])) for team in world.team_ids])
    agent_counts = np.array([len(world.agents[team]) for team in world.team_ids])
    locations = np.array([world.locations[team] for team in world.team_ids])
    customers = np.array(world.customer_ids)

    def stamps(seconds: Any, present: Any = None) -> list[str]:
        text = np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s", timezone="UTC")
        return (text if present is None else np.where(present, text, NULL)).tolist()

    def ints(values: Any, present: Any = None) -> list[str]:
        text = values.astype(np.int64).astype(str)
        return (text if present is None else np.where(present, text, NULL)).tolist()

    for first in range(0, count, COPY_CHUNK):
        number = np.arange(first, min(first + COPY_CHUNK, count))
        size = len(number)
        team = rng.choice(len(team_ids), size=size, p=team_p / team_p.sum())
        created = start_s + (span * number) // count + rng.integers(0, 60, size)
        is_open = rng.random(size) < np.where(number >= recent, p_open_recent, p_open_old)
        status = np.where(
            is_open,
            open_statuses[rng.choice(len(open_statuses), size=size, p=open_p / open_p.sum())],
            np.where((number >= recent) & (rng.random(size) < 0.5), "resolved", "closed"),
        )
        is_new = status == "new"
        # The clock stops while waiting on the customer: no due time (such cases sort after the others).
        paused = status == "waiting_on_customer"
        has_due = is_open & ~paused
        due = now_s + rng.integers(-3 * 86400, 7 * 86400, size)
        pause_start = stamps(now_s - rng.integers(600, 3 * 86400, size))
        responded = created + rng.integers(5 * 60, 180 * 60, size)
        resolved = responded + rng.integers(3600, 96 * 3600, size)
        first_due = np.where(is_open & is_new, due, created + 3600)
        resolution_due = np.where(is_open & ~is_new, due, created + 2 * 86400)
        owned = ~(is_open & is_new)
        owner = agents[team, (rng.random(size) * agent_counts[team]).astype(np.int64)]
        level = np.where(due < now_s, 2, np.where(due < now_s + 6 * 3600, 1, 0))
        level = np.where(has_due, level, 0)
        order = rng.integers(100000, 999999, size).astype(str)
        summary = np.char.add(np.char.add(summaries[rng.integers(0, len(summaries), size)], " (order "), order)
        columns: list[list[str]] = [
            status.tolist(),
            severities[rng.choice(len(severities), size=size, p=severity_p / severity_p.sum())].tolist(),
            categories[rng.integers(0, len(categories), size)].tolist(),
            np.char.add(summary, ")").tolist(),
            np.where(is_open, "", "Apologised, fixed the problem and followed up.").tolist(),
            np.where(is_open, "", outcomes[rng.integers(0, len(outcomes), size)]).tolist(),
            np.where(is_open, NULL, np.where(resolved <= resolution_due, "t", "f")).tolist(),
            stamps(created),
            stamps(first_due),
            stamps(responded, ~(is_open & is_new)),
            stamps(resolution_due),
            stamps(resolved, ~is_open),
            stamps(due, has_due),
            stamps(np.where(is_open, created, resolved)),
            ints(customers[rng.integers(0, len(customers), size)]),
            ints(locations[team, rng.integers(0, locations.shape[1], size)]),
            ints(owner, owned),
            ints(team_ids[team]),
            ints(rng.integers(1, 5, size)),
            ints(level),
            stamps(np.where(level == 2, due + 3600, due), has_due),
            ints((responded - created) // 60, ~is_open),
            ints((resolved - created) // 60, ~is_open),
            stamps(resolved + 14 * 86400, ~is_open),
            ints(rng.random(size) < 0.03),
            ints(rng.random(size) < 0.1),
            [
                f'[["{start}", null]]' if stop else "[]"
                for start, stop in zip(pause_start, paused.tolist(), strict=True)
            ],
            np.where(has_due, np.where(is_new, "first_response", "resolution"), "").tolist(),
            ["{}"] * size,
        ]
        assert len(columns) == len(CASE_COLUMNS)
        yield first + size, "".join("\t".join(row) + "\n" for row in zip(*columns, strict=True))


def copy_cases(conn: Any, count: int, world: World, now: datetime, seed: int) -> None:
    """COPY the cases in one transaction with the secondary indexes dropped and rebuilt (same definitions)."""
    check_case_columns(conn)
    started = time.monotonic()
    indexes = conn.execute(
        "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = 'cases_case'::regclass AND NOT x.indisprimary AND NOT x.indisunique "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"
    ).fetchall()
    conn.execute("SET LOCAL session_replication_role = replica")  # skip FK triggers: the loader's ids are valid
    conn.execute("SET LOCAL maintenance_work_mem = '256MB'")
    for name, _definition in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    columns = ", ".join(CASE_COLUMNS)
    with conn.cursor() as cursor, cursor.copy(f"COPY cases_case ({columns}) FROM STDIN") as copy:
        for done, text in case_chunks(count, world, now, seed):
            copy.write(text)
            if done % 100_000 == 0 or done == count:
                elapsed = time.monotonic() - started
                log(f"  {done:>9,}/{count:,} cases copied ({done / elapsed:,.0f}/s)")
    index_started = time.monotonic()
    for _name, definition in indexes:
        conn.execute(definition)
    log(f"rebuilt {len(indexes)} secondary indexes in {time.monotonic() - index_started:.1f} s")
    log(f"copied {count:,} cases in {time.monotonic() - started:.1f} s")


def load(database_url: str, count: int, seed: int) -> float:
    """Fill the (fresh, migrated) database; returns the seconds it took."""
    import psycopg

    started = time.monotonic()
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    world = create_people(rng)
    with psycopg.connect(plain_url(database_url)) as conn:
        conn.execute("SET synchronous_commit = off")
        copy_customers(conn, world, now, rng)
        conn.commit()
        copy_cases(conn, count, world, now, seed)
        conn.commit()
        conn.autocommit = True
        analyze_started = time.monotonic()
        conn.execute("VACUUM (ANALYZE) cases_case")
        conn.execute("ANALYZE customers_customer")
        log(f"vacuum + analyze in {time.monotonic() - analyze_started:.1f} s")
    return time.monotonic() - started


def describe_data() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE status IN ('new', 'acknowledged', 'in_progress', "
            "'waiting_on_customer')), count(*) FILTER (WHERE status IN ('new', 'acknowledged', 'in_progress', "
            "'waiting_on_customer') AND owner_id IS NOT NULL), count(*) FILTER (WHERE due_at < now()), "
            "count(*) FILTER (WHERE due_at >= now()) FROM cases_case"
        )
        total, open_, owned, overdue, upcoming = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM customers_customer")
        (customers,) = cursor.fetchone()
    return (
        f"{total:,} cases ({open_:,} open = {open_ / total:.1%}, {owned:,} of them owned; due: {overdue:,} past, "
        f"{upcoming:,} future), {customers:,} customers"
    )


# --- Measuring -----------------------------------------------------------------------------------------------------


@dataclass
class Row:
    label: str
    run: Callable[[], object]
    samples: list[float] = field(default_factory=list)  # milliseconds
    note: str = ""

    def p(self, percent: int) -> float:
        if len(self.samples) < 2:
            return self.samples[0] if self.samples else float("nan")
        return statistics.quantiles(self.samples, n=100, method="inclusive")[percent - 1]


def measure(rows: Sequence[Row], reps: int, warmup: int, row_seconds: float) -> None:
    """Run every row once per repetition, interleaved, so that drift of the machine touches all rows alike.

    A row that has spent `row_seconds` and has at least MIN_SAMPLES samples stops early (its note says so).
    """
    for rep in range(warmup + reps):
        for row in rows:
            if rep >= warmup and len(row.samples) >= MIN_SAMPLES and sum(row.samples) / 1000 >= row_seconds:
                continue
            started = time.perf_counter()
            row.run()
            elapsed = (time.perf_counter() - started) * 1000
            if rep >= warmup:
                row.samples.append(elapsed)
        if rep >= warmup and (rep - warmup + 1) % 50 == 0:
            log(f"  {rep - warmup + 1}/{reps} repetitions")
    for row in rows:
        if len(row.samples) < reps:
            row.note = f"{row.note}; {len(row.samples)} samples (time budget)".lstrip("; ")


def format_rows(rows: Sequence[Row], baseline: Row) -> str:
    base = baseline.p(95)
    header = f"{'row':<38} {'p50 ms':>8} {'p95 ms':>8} {'p95/base':>9} {'<50 ms':>7}  note"
    lines = [header, "-" * len(header)]
    for row in rows:
        p95 = row.p(95)
        meets = "yes" if p95 < TARGET_MS else "NO"
        lines.append(f"{row.label:<38} {row.p(50):>8.2f} {p95:>8.2f} {p95 / base:>8.1f}x {meets:>7}  {row.note}")
    return "\n".join(lines)


def fresh_request_state(user: User) -> None:
    """A request loads the user again: forget the roles cached on the instance."""
    user.__dict__.pop("_role_names", None)


def inbox_query(user: User, view: str, cursor: str | None) -> Any:
    from django.conf import settings

    from amends.cases.selectors import CaseFilters, inbox_cases, paginate_by_due

    fresh_request_state(user)
    return paginate_by_due(
        inbox_cases(user, view=view, filters=CaseFilters()), cursor=cursor, limit=settings.AMENDS_PAGE_SIZE
    )


def deep_cursor(user: User, view: str, pages: int) -> tuple[str | None, int]:
    """The cursor after walking up to `pages` pages, and the number of the page it opens (1: no next page)."""
    cursor: str | None = None
    page_number = 1
    for _ in range(pages):
        page = inbox_query(user, view, cursor)
        if page.next_cursor is None:
            break
        cursor, page_number = page.next_cursor, page_number + 1
    return cursor, page_number


def page_getter(client: Client, view: str, cursor: str | None, expected: int) -> Callable[[], object]:
    from django.urls import reverse

    url = reverse("web:inbox") + "?" + urlencode({"view": view, **({"cursor": cursor} if cursor else {})})
    response = client.get(url)
    if response.status_code != 200:
        raise BenchError(f"GET {url} answered {response.status_code}")
    shown = response.content.count(b"data-case=")
    if shown != expected:
        raise BenchError(f"GET {url} showed {shown} cases where the query returns {expected}")

    def get() -> object:
        return client.get(url)

    return get


def baseline_query(team_id: int) -> Callable[[], object]:
    from django.db import connection

    from amends.cases.enums import OPEN_STATUSES

    statuses = [status.value for status in OPEN_STATUSES]
    sql = "SELECT * FROM cases_case WHERE team_id = %s AND status = ANY(%s) ORDER BY due_at, id LIMIT 50"

    def run() -> object:
        with connection.cursor() as cursor:
            cursor.execute(sql, [team_id, statuses])
            return cursor.fetchall()

    return run


def build_rows(users: Sequence[tuple[str, User]], deep_pages: int, with_pages: bool) -> list[Row]:
    from django.test import Client

    rows: list[Row] = []
    for who, user in users:
        client = Client()
        client.force_login(user)
        for view in VIEWS:
            cursor, page_number = deep_cursor(user, view, deep_pages)
            for depth, depth_cursor in (("first", None), (f"p{page_number}", cursor)):
                if depth != "first" and cursor is None:
                    continue
                items = len(inbox_query(user, view, depth_cursor).items)
                note = f"{items} cases on the page"

                def run_query(user: User = user, view: str = view, cursor: str | None = depth_cursor) -> object:
                    return inbox_query(user, view, cursor)

                rows.append(Row(f"query {who} {view} {depth}", run_query, note=note))
                if with_pages:
                    rows.append(Row(f"page  {who} {view} {depth}", page_getter(client, view, depth_cursor, items)))
    return rows


def product_sql(user: User, view: str, cursor: str | None) -> str:
    """The SQL of the page query exactly as the product sends it (the one with LIMIT page size + 1; not prefetches)."""
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        inbox_query(user, view, cursor)
    limit = f"LIMIT {settings.AMENDS_PAGE_SIZE + 1}"
    found = [
        query["sql"]
        for query in captured.captured_queries
        if 'FROM "cases_case"' in query["sql"] and limit in query["sql"]
    ]
    if not found:
        raise BenchError(f"no query with {limit} on cases_case among the {len(captured.captured_queries)} captured")
    return str(found[-1])


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(str(row[0]) for row in cursor.fetchall())


def try_indexes(statements: Sequence[str], users: Sequence[tuple[str, User]], args: argparse.Namespace) -> None:
    """Measure the queries again with candidate indexes in place; drop them afterwards (the bench database only)."""
    from django.db import connection

    created: list[str] = []
    try:
        with connection.cursor() as cursor:
            for statement in statements:
                started = time.monotonic()
                match = INDEX_NAME.match(statement)
                if match is None:
                    raise BenchError(f"--try-index wants `CREATE INDEX <name> ON cases_case ...`, not {statement!r}")
                cursor.execute(statement)
                created.append(match.group(1))
                log(f"created {created[-1]} in {time.monotonic() - started:.1f} s: {statement}")
            cursor.execute("ANALYZE cases_case")
        agent_team = team_of(users[0][1])
        baseline = Row("baseline SELECT team open LIMIT 50", baseline_query(agent_team))
        rows = [baseline, *build_rows(users, args.deep_pages, with_pages=False)]
        log(f"measuring {len(rows)} rows with the candidate indexes, {args.reps} repetitions")
        measure(rows, args.reps, args.warmup, args.row_seconds)
        print()
        print("With the candidate indexes:")
        print(format_rows(rows, baseline))
        for who, user in users:
            print()
            print(f"EXPLAIN (ANALYZE, BUFFERS) of the team first-page query ({who}) with the candidate indexes:")
            print(explain(product_sql(user, "team", None)))
    finally:
        with connection.cursor() as cursor:
            for name in created:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
            if created:
                log(f"dropped {', '.join(created)}")


def team_of(user: User) -> int:
    team_ids = list(user.teams.values_list("id", flat=True))
    return int(team_ids[0])


# --- Main ----------------------------------------------------------------------------------------------------------


def prepare(args: argparse.Namespace) -> float | None:
    """A loaded database; returns the load time, or None when the data was there already."""
    ensure_database(args.database_url, recreate=False)
    found = None if args.reload else loaded_cases(args.database_url)
    if found == args.cases:
        log(f"the database holds {found:,} bench cases already: skipping the load (--reload loads again)")
        setup_django(args.database_url)
        migrate()
        return None
    reason = "--reload" if args.reload else f"found {found or 0:,} bench cases, want {args.cases:,}"
    log(f"loading ({reason})")
    started = time.monotonic()
    ensure_database(args.database_url, recreate=True)
    setup_django(args.database_url)
    migrate()
    load(args.database_url, args.cases, args.seed)
    return time.monotonic() - started


def bench_users() -> list[tuple[str, User]]:
    from amends.core.models import User

    agent = User.objects.get(username="agent001")  # the busiest team's first agent
    supervisor = User.objects.get(username="supervisor1")  # the three busiest teams
    return [("agent", agent), ("supervisor", supervisor)]


def run(args: argparse.Namespace) -> None:
    load_seconds = prepare(args)
    from django.conf import settings

    settings.DEBUG = False  # production-like from here: no query log, no template debugging

    print(describe_data())
    if load_seconds is not None:
        print(f"load time: {load_seconds:.1f} s (database created, migrated, people, customers, cases, analyze)")
    users = bench_users()
    for who, user in users:
        teams = list(user.teams.order_by("id").values_list("slug", flat=True))
        owned = user.owned_cases.filter(due_at__isnull=False).count()
        print(f"{who}: {user.username}, teams {', '.join(teams)}, owns {owned} open cases")
    agent_team = team_of(users[0][1])
    baseline = Row("baseline SELECT team open LIMIT 50", baseline_query(agent_team))
    rows = [baseline, *build_rows(users, args.deep_pages, with_pages=not args.skip_pages)]
    log(f"measuring {len(rows)} rows, {args.reps} repetitions after {args.warmup} warm-up ones")
    measure(rows, args.reps, args.warmup, args.row_seconds)
    print()
    print(f"Inbox at {args.cases:,} cases, PostgreSQL, {args.reps} repetitions, page size {settings.AMENDS_PAGE_SIZE}")
    print(format_rows(rows, baseline))
    for who, user in users:
        print()
        print(f"EXPLAIN (ANALYZE, BUFFERS) of the team first-page query ({who}), as the product sends it:")
        print(explain(product_sql(user, "team", None)))
    if args.try_index:
        try_indexes(args.try_index, users, args)
    slow = [row.label for row in rows if row.p(95) >= TARGET_MS]
    print()
    print(
        f"p95 under {TARGET_MS:.0f} ms: {len(rows) - len(slow)}/{len(rows)} rows" + (f"; over: {slow}" if slow else "")
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        run(args)
    except BenchError as error:
        print(f"bench failed: {error}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
