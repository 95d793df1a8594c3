"""`make bench-analytics`: the Learn dashboards at 1,000,000 cases on PostgreSQL (issue 6: every one under 500 ms).

It uses its own database `amends_analytics_bench` (created when missing, migrated with Django's migrate) and loads
it once with PostgreSQL COPY, in one transaction: the inbox bench's people (~20 teams with three locations each,
~300 agents) and ~200,000 customers, an admin who sees every team, and over the last 52 weeks
  - interactions (6 per case by default, ~6,000,000): seasonal volumes per location and week;
  - --cases recovery cases: per location and week in proportion to its interactions, with a failure rate that
    differs by location; one location (SPIKE_LOCATION) fails far more often in three recent weeks. Realistic
    categories, severities, response and resolution times (business minutes), SLA, contacts, transfers, reopens;
    a recorded outcome for some (the others are derived from what was given);
  - the feedback that opened each case (its channel: the facts' first channel), a reply on some;
  - gestures on the ledger for about a third of the resolved cases;
  - follow-ups for most resolved cases, answered (verdict and scores) for about 30% of them;
  - survey answers (CSAT, NPS, some with the likelihood to buy again; no case) for 0.3 interactions per case
    (~300,000) of all customers, 40% of whom never had a case;
  - SERVQUAL answers (22 expectations and perceptions, importance points) for 0.02 per case (~20,000), one survey
    per location, each location weakest in one dimension;
  - each case's timeline: opened, owner assigned, SLA breached and the alert about it, resolved (~3,000,000 events).
A second run finds the data there and skips loading; --reload recreates the database.

Then it times `facts_refresh()` once (the worker's rebuild of the pre-aggregated facts) and, logged in as the admin
(settings.DEBUG is switched off after set-up), measures p50/p95 over --reps repetitions, all rows interleaved so
they share the machine's state, of every row of ENDPOINTS (each API endpoint with its default 182-day period,
some with a location filter, and the /analytics/ page through django.test.Client) against the baseline: a plain
aggregate over the same cases on a raw cursor (BASELINE_SQL). Every row prints its p95 as a ratio to the baseline's
p95, whether it meets the 500 ms target, and what one call sent to PostgreSQL; --explain adds EXPLAIN (ANALYZE,
BUFFERS) of the slowest query of each row over the target. A row whose endpoint answers 404 (not built yet) is
skipped with a message.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from .harness import (
    COPY_NULL,
    BenchError,
    copied_ids,
    copy_ints,
    copy_rows,
    copy_stamps,
    copy_text,
    empty_static_root,
    log,
    run_bench,
)
from .inbox import (
    CASE_COLUMNS,
    MIN_SAMPLES,
    SEVERITIES,
    SUMMARIES,
    Row,
    World,
    copy_customers,
    create_people,
    ensure_database,
    explain,
    loaded_cases,
    measure,
    migrate,
    plain_url,
    setup_django,
)
from .inbox import DEFAULT_DATABASE_URL as INBOX_DATABASE_URL

if TYPE_CHECKING:
    from django.test import Client

    from amends.core.models import User

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/amends_analytics_bench"
TARGET_MS = 500.0  # issue 6: every dashboard under 500 ms at 1,000,000 cases
SPIKE_LOCATION = "bench-02-1"  # fails far more often in the SPIKE_WEEKS weeks before the current one
BASELINE_SQL = (
    "SELECT category, count(*) FROM cases_case WHERE created_at >= now() - interval '182 days' GROUP BY category"
)

# The dashboards, one line each: (label, path, query string). /api/ paths are called with the admin's API token,
# the others with the admin's session. A row whose path answers 404 is skipped with a message (not built yet).
ENDPOINTS = (
    ("api kpis", "/api/v1/analytics/kpis", ""),
    ("api kpis, one location", "/api/v1/analytics/kpis", f"location={SPIKE_LOCATION}"),
    ("api pareto", "/api/v1/analytics/pareto", ""),
    ("api pareto by cost", "/api/v1/analytics/pareto", "measure=cost"),
    ("api control-chart p", "/api/v1/analytics/control-chart", ""),
    ("api control-chart u", "/api/v1/analytics/control-chart", "chart=u"),
    ("api control-chart, one location", "/api/v1/analytics/control-chart", f"location={SPIKE_LOCATION}"),
    ("api fishbone", "/api/v1/analytics/fishbone", ""),
    ("api outcomes", "/api/v1/analytics/outcomes", ""),
    ("api recovery-paradox", "/api/v1/analytics/recovery-paradox", ""),
    ("api servqual", "/api/v1/analytics/servqual", ""),
    ("api people", "/api/v1/analytics/people", ""),
    ("api people, one team", "/api/v1/analytics/people", "team=inbox-bench-01"),
    ("page /analytics/", "/analytics/", ""),
    ("page /analytics/, one location", "/analytics/", f"location={SPIKE_LOCATION}"),
    ("page /analytics/recovery-paradox/", "/analytics/recovery-paradox/", ""),
    ("page /analytics/servqual/", "/analytics/servqual/", ""),
    ("page /analytics/people/", "/analytics/people/", ""),
)

WEEKS = 52
DAY_S = 86400
WEEK_S = 7 * DAY_S
INTERACTIONS_PER_CASE = 6
SURVEYS_PER_CASE = 0.3
SERVQUAL_PER_CASE = 0.02
REPURCHASE_SHARE = 0.5  # survey answers that include the likelihood to buy again
SPIKE_WEEKS = 3
SPIKE_FACTOR = 2.5
LOCATION_SHARES = (0.5, 0.3, 0.2)  # of a team's interactions, by its first, second and third location
INTERACTION_KINDS = ("order", "stay", "flight", "delivery")  # by team
COMPLAINING_SHARE = 0.6  # the customers a case may come from: the others never had a failure
REOPEN_WINDOW_S = 14 * DAY_S
REPLY_SHARE = 0.1  # cases on which the customer wrote again
FOLLOW_UP_SHARE = 0.6  # resolved cases asked how it went (the others: no address, or opted out)
ANSWER_SHARE = 0.5  # of those asked: about 30% of the resolved cases answer
EXPLICIT_OUTCOME_SHARE = 0.3  # resolved cases whose outcome was recorded (the others are derived from the gestures)

# Pareto-like: a few categories make most of the failures. (category, weight)
CATEGORIES = (
    ("delivery", 24), ("delay", 15), ("billing", 13), ("product_quality", 10), ("staff_behaviour", 8),
    ("wrong_item", 7), ("booking", 6), ("refund_not_received", 5), ("cleanliness", 4),
    ("incorrect_information", 3), ("noise", 2), ("damaged_parcel", 2), ("other", 1),
)  # fmt: skip
CHANNELS = (
    ("email", 28), ("web", 20), ("phone", 16), ("survey", 14), ("chat", 10), ("social", 6), ("in_person", 4),
    ("api", 2),
)  # fmt: skip
NO_FEEDBACK_SHARE = 0.03  # proactive cases (an incident, a late delivery nobody complained about): no channel
OPEN_AFTER_ANSWER = (("acknowledged", 30), ("in_progress", 55), ("waiting_on_customer", 15))
# (type, weight, lowest amount, highest amount, fulfilment)
GESTURES = (
    ("refund", 14, 20, 250, "to_pay"), ("partial_refund", 20, 5, 80, "to_pay"), ("voucher", 24, 10, 50, "issued"),
    ("replacement", 10, 15, 150, "to_arrange"), ("discount", 5, 5, 25, "issued"),
    ("upgrade", 5, 20, 120, "to_arrange"), ("gift", 6, 10, 40, "to_arrange"), ("waived_fee", 6, 5, 45, "to_pay"),
    ("loyalty_points", 4, 5, 20, "issued"), ("apology_only", 6, 0, 0, "issued"),
)  # fmt: skip
GESTURE_CHANCE = {"low": 0.2, "medium": 0.3, "high": 0.5, "critical": 0.7}  # of a resolved case, by severity
# Recorded outcomes without a gesture, and how often the customer disputed each recorded outcome.
BARE_OUTCOMES = (("explanation", 70), ("closed", 20), ("untimely", 10))
DISPUTED = {"monetary_relief": 0.1, "non_monetary_relief": 0.15, "explanation": 0.3, "closed": 0.45, "untimely": 0.5}

CASE_TABLE_COLUMNS = (*CASE_COLUMNS, "outcome_disputed")
INTERACTION_COLUMNS = ("external_id", "customer_id", "location_id", "kind", "occurred_at", "attributes", "created_at")
FEEDBACK_COLUMNS = (
    "customer_id", "location_id", "interaction_id", "case_id", "channel", "kind", "csat", "nps", "repurchase", "text",
    "language",
    "is_negative", "source", "external_ref", "attributes", "occurred_at", "received_at",
)  # fmt: skip
LEDGER_COLUMNS = (
    "case_id", "customer_id", "type", "amount", "currency", "category", "location_id", "team_id", "offered_by_id",
    "fulfilment", "voucher_code", "note", "created_at",
)  # fmt: skip
FOLLOW_UP_COLUMNS = (
    "case_id", "customer_id", "team_id", "category", "status", "language", "nonce", "resolved_at", "due_at",
    "remind_at", "closes_at", "sent_at", "reminded_at", "answered_at", "verdict", "handling", "overall", "nps",
    "repurchase", "fair_outcome", "fair_process", "fair_treatment", "comment",
)  # fmt: skip
INVITATION_COLUMNS = ("survey_id", "customer_id", "nonce", "language", "created_at", "expires_at", "sent_at",
                      "answered_at")  # fmt: skip
SERVQUAL_COLUMNS = ("invitation_id", "customer_id", "location_id", "expectations", "perceptions", "importance",
                    "language", "answered_at")  # fmt: skip
EVENT_COLUMNS = ("case_id", "kind", "actor_id", "data", "created_at")
COPY_CHUNK = 100_000


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.analytics", description=__doc__.splitlines()[0])
    env = os.environ.get
    parser.add_argument("--cases", type=int, default=int(env("BENCH_CASES", "1000000")))
    parser.add_argument("--interactions", type=int, help=f"default: {INTERACTIONS_PER_CASE} per case")
    parser.add_argument("--reload", action="store_true", help="recreate the database and load it again")
    parser.add_argument("--reps", type=int, default=int(env("BENCH_REPS", "20")), help="measured repetitions")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured repetitions first")
    parser.add_argument(
        "--row-seconds", type=float, default=60, help=f"time budget per row once it has {MIN_SAMPLES} samples"
    )
    parser.add_argument("--seed", type=int, default=20260106)
    parser.add_argument("--database-url", default=env("BENCH_ANALYTICS_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--statement-timeout", type=int, default=60, help="seconds per query while measuring")
    parser.add_argument("--refresh-timeout", type=int, default=1800, help="seconds for facts_refresh()")
    parser.add_argument("--skip-refresh", action="store_true", help="measure the facts of the last refresh")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN the slowest query of rows over the target")
    args = parser.parse_args(argv)
    if args.interactions is None:
        args.interactions = args.cases * INTERACTIONS_PER_CASE
    if args.cases < 1000 or args.interactions < args.cases or args.reps < 1:
        parser.error("--cases must be at least 1000, --interactions at least --cases, --reps at least 1")
    name = urlparse(args.database_url).path.lstrip("/")
    if name in {"", "test", "postgres", urlparse(INBOX_DATABASE_URL).path.lstrip("/")}:
        parser.error("the bench needs a database of its own (not test, postgres or the inbox bench's)")
    if urlparse(args.database_url).hostname != "127.0.0.1":
        parser.error("the bench runs on 127.0.0.1 only")
    return args


# --- The data: volumes per location and week, then every row -------------------------------------------------------


@dataclass
class Places:
    """The locations in one order (team by team), with their teams and agents, and the customers."""

    ids: Any  # location ids
    team_ids: Any  # the team of each location
    team_index: Any  # ... as an index into World.team_ids
    weights: Any  # share of all interactions
    spike: int  # the index of SPIKE_LOCATION
    agents: Any  # [team index, n]: agent ids, padded with 0
    agent_counts: Any
    customers: Any  # customer ids
    languages: Any  # their languages


def places_of(world: World, customer_languages: list[str]) -> Places:
    import numpy as np

    from amends.core.models import Location

    ids, team_index, weights = [], [], []
    for index, team_id in enumerate(world.team_ids):
        for location_id, share in zip(world.locations[team_id], LOCATION_SHARES, strict=True):
            ids.append(location_id)
            team_index.append(index)
            weights.append(world.team_weights[index] * share)
    spike_id = Location.objects.get(code=SPIKE_LOCATION).pk
    widest = max(len(agents) for agents in world.agents.values())
    agents = [world.agents[team] + [0] * (widest - len(world.agents[team])) for team in world.team_ids]
    return Places(
        ids=np.array(ids),
        team_ids=np.array(world.team_ids)[team_index],
        team_index=np.array(team_index),
        weights=np.array(weights) / sum(weights),
        spike=ids.index(spike_id),
        agents=np.array(agents),
        agent_counts=np.array([len(world.agents[team]) for team in world.team_ids]),
        customers=np.array(world.customer_ids),
        languages=np.array(customer_languages),
    )


def weekly_volumes(rng: Any, places: Places, cases: int, interactions: int) -> tuple[Any, Any]:
    """Interactions and cases per location (rows) and week (columns, oldest first).

    Volumes follow the location's weight and a season, with some noise; the failure rate differs by location and a
    little by week, and is SPIKE_FACTOR times as high at SPIKE_LOCATION in the SPIKE_WEEKS before the current week.
    """
    import numpy as np

    shape = (len(places.ids), WEEKS)
    season = 1 + 0.15 * np.sin(2 * np.pi * (np.arange(WEEKS) - 10) / WEEKS)
    volume = places.weights[:, None] * season[None, :] * rng.lognormal(0, 0.08, shape)
    seen = rng.multinomial(interactions, (volume / volume.sum()).ravel()).reshape(shape)
    rate = rng.lognormal(0, 0.25, shape[0])[:, None] * rng.lognormal(0, 0.02, shape)
    rate[places.spike, WEEKS - 1 - SPIKE_WEEKS : WEEKS - 1] *= SPIKE_FACTOR
    expected = seen * rate
    failed = rng.multinomial(cases, (expected / expected.sum()).ravel()).reshape(shape)
    return seen, failed


def spread(rng: Any, counts: Any, start_s: int) -> tuple[Any, Any]:
    """Moments (sorted) and location indexes of counts[location, week] events, spread over each week."""
    import numpy as np

    cell = np.repeat(np.arange(counts.size), counts.ravel())
    location, week = np.divmod(cell, WEEKS)
    moments = start_s + week * WEEK_S + rng.integers(0, WEEK_S, cell.size)
    order = np.argsort(moments, kind="stable")
    return moments[order], location[order]


def pick(rng: Any, table: Sequence[tuple[Any, ...]], size: int) -> Any:
    """`size` draws of the first column of (value, weight, ...) rows, by weight."""
    import numpy as np

    values = np.array([row[0] for row in table])
    weights = np.array([row[1] for row in table], dtype=float)
    return values[rng.choice(len(values), size=size, p=weights / weights.sum())]


def scores_near(rng: Any, centre: Any, low: int, high: int) -> Any:
    """Integer scores around `centre` (one step either way now and then), within low..high."""
    import numpy as np

    return np.clip(centre + rng.choice([-1, 0, 0, 0, 1], size=len(centre)), low, high)


@dataclass
class Interactions:
    moments: Any
    location: Any  # index into Places
    customers: Any  # customer ids
    first_id: int = 0


def plan_interactions(rng: Any, places: Places, seen: Any, start_s: int) -> Interactions:
    moments, location = spread(rng, seen, start_s)
    customers = places.customers[rng.integers(0, len(places.customers), moments.size)]
    return Interactions(moments, location, customers)


def interaction_chunks(places: Places, seen: Interactions) -> Iterator[tuple[int, str]]:
    import numpy as np

    kinds = np.array(INTERACTION_KINDS)[places.team_index % len(INTERACTION_KINDS)]
    total = seen.moments.size
    for first in range(0, total, COPY_CHUNK):
        part = slice(first, min(first + COPY_CHUNK, total))
        number = np.arange(part.start + 1, part.stop + 1).astype(str)
        stamps = copy_stamps(seen.moments[part])
        yield part.stop, copy_text([
            np.char.add("bench-i", np.char.zfill(number, 8)).tolist(), copy_ints(seen.customers[part]),
            copy_ints(places.ids[seen.location[part]]), kinds[seen.location[part]].tolist(), stamps,
            ["{}"] * len(stamps), stamps,
        ])  # fmt: skip


@dataclass
class Cases:
    """Every case as columns (numpy arrays), in the order of creation (and of their ids)."""

    columns: dict[str, Any] = field(default_factory=dict)
    first_id: int = 0

    def __getattr__(self, name: str) -> Any:
        try:
            return self.columns[name]
        except KeyError:
            raise AttributeError(name) from None


def plan_cases(rng: Any, places: Places, failed: Any, start_s: int, now_s: int) -> Cases:
    """The cases of `failed` with their whole life: response, resolution, gesture, outcome and follow-up."""
    import numpy as np

    created, location = spread(rng, failed, start_s)
    size = created.size
    team = places.team_index[location]
    responded = created + np.minimum(rng.lognormal(np.log(35 * 60), 0.9, size), 5 * DAY_S).astype(np.int64)
    resolved = np.maximum(created + rng.lognormal(np.log(16 * 3600), 1.1, size).astype(np.int64), responded + 60)
    is_open = resolved > now_s
    is_new = responded > now_s
    status = np.where(
        is_open,
        np.where(is_new, "new", pick(rng, OPEN_AFTER_ANSWER, size)),
        np.where(resolved < now_s - REOPEN_WINDOW_S, "closed", "resolved"),
    )
    severity = pick(rng, SEVERITIES, size)
    category = np.where(is_open & (rng.random(size) < 0.5), "", pick(rng, CATEGORIES, size))
    channel = np.where(rng.random(size) < NO_FEEDBACK_SHARE, "", pick(rng, CHANNELS, size))
    first_minutes = ((responded - created) / 60 * rng.uniform(0.4, 1.0, size)).astype(np.int64)
    resolution_minutes = ((resolved - created) / 60 * rng.uniform(0.25, 0.45, size)).astype(np.int64)
    gesture_chance = np.vectorize(GESTURE_CHANCE.__getitem__)(severity)
    gesture = np.where(~is_open & (rng.random(size) < gesture_chance), pick(rng, GESTURES, size), "")
    low, high = (np.array([0, *[row[k] for row in GESTURES]])[_index_in(gesture, GESTURES)] for k in (2, 3))
    paid = np.isin(gesture, ["refund", "partial_refund", "waived_fee"])
    outcome = np.where(
        paid,
        "monetary_relief",
        np.where((gesture != "") & (gesture != "apology_only"), "non_monetary_relief", pick(rng, BARE_OUTCOMES, size)),
    )
    outcome = np.where(~is_open & (rng.random(size) < EXPLICIT_OUTCOME_SHARE), outcome, "")
    disputed_chance = np.vectorize(lambda o: DISPUTED.get(o, 0.0))(outcome)
    disputed = np.where((outcome != "") & (rng.random(size) < 0.6), rng.random(size) < disputed_chance, -1)
    # Follow-ups: a week after resolution, a reminder three days later, closed a fortnight after it was due.
    asked = ~is_open & (rng.random(size) < FOLLOW_UP_SHARE)
    due = resolved + 7 * DAY_S
    reply = due + rng.lognormal(np.log(DAY_S), 1.0, size).astype(np.int64)
    answers = (
        asked & (due <= now_s) & (rng.random(size) < ANSWER_SHARE) & (reply <= np.minimum(now_s, due + 14 * DAY_S))
    )
    satisfied = np.where(paid, 0.7, np.where(gesture != "", 0.62, 0.48))
    unhappy = np.where(paid, 0.1, np.where(gesture != "", 0.13, 0.22))
    draw = rng.random(size)
    verdict = np.where(draw < satisfied, "satisfied", np.where(draw < 1 - unhappy, "neutral", "unhappy"))
    verdict = np.where(answers, verdict, "")
    unhappy_answer = verdict == "unhappy"
    return Cases({
        "created": created, "location": location, "status": status, "severity": severity,
        "category": category, "channel": channel, "responded": responded, "resolved": resolved, "is_open": is_open,
        "is_new": is_new, "first_minutes": first_minutes, "resolution_minutes": resolution_minutes,
        "sla_met": (first_minutes <= 60) & (resolution_minutes <= 2 * 8 * 60),
        "customer": places.customers[(len(places.customers) * COMPLAINING_SHARE * rng.random(size) ** 1.5).astype(int)],
        "owner": places.agents[team, (rng.random(size) * places.agent_counts[team]).astype(np.int64)],
        "contacts": rng.choice([1, 2, 3, 4], size=size, p=[0.72, 0.18, 0.07, 0.03]),
        "transfers": rng.choice([0, 1, 2], size=size, p=[0.85, 0.12, 0.03]),
        "reopens": ((rng.random(size) < 0.02) | unhappy_answer).astype(np.int64),
        "gesture": gesture, "amount": np.round(rng.uniform(low, high), 0),
        "outcome": outcome, "disputed": disputed, "asked": asked, "due": due, "reply": reply, "verdict": verdict,
        "summary": np.array(SUMMARIES)[rng.integers(0, len(SUMMARIES), size)],
    })  # fmt: skip


def _index_in(values: Any, table: Sequence[tuple[Any, ...]]) -> Any:
    """1-based index of each value in the table's first column; 0 for a value not in it (e.g. "")."""
    import numpy as np

    keys = np.array(["", *[row[0] for row in table]])
    order = np.argsort(keys)
    return order[np.searchsorted(keys, values, sorter=order)]


def case_chunks(cases: Cases, places: Places, now_s: int) -> Iterator[tuple[int, str]]:
    import numpy as np

    total = len(cases.created)
    for first in range(0, total, COPY_CHUNK):
        c = Cases({name: values[first : first + COPY_CHUNK] for name, values in cases.columns.items()})
        closed = ~c.is_open
        first_due, resolution_due = c.created + 3600, c.created + 2 * DAY_S
        has_due = c.is_open & (c.status != "waiting_on_customer")
        due = np.where(c.is_new, first_due, resolution_due)
        size = len(c.created)
        columns = [
            c.status.tolist(), c.severity.tolist(), c.category.tolist(), c.summary.tolist(),
            np.where(closed, "Apologised, fixed the problem and followed up.", "").tolist(), c.outcome.tolist(),
            np.where(closed, np.where(c.sla_met, "t", "f"), COPY_NULL).tolist(), copy_stamps(c.created),
            copy_stamps(first_due), copy_stamps(c.responded, ~c.is_new), copy_stamps(resolution_due),
            copy_stamps(c.resolved, closed), copy_stamps(due, has_due),
            copy_stamps(np.where(closed, c.resolved, np.where(c.is_new, c.created, c.responded))),
            copy_ints(c.customer), copy_ints(places.ids[c.location]), copy_ints(c.owner, ~c.is_new),
            copy_ints(places.team_ids[c.location]), copy_ints(c.contacts),
            copy_ints(np.where(has_due & (due < now_s), 2, 0)),
            copy_stamps(due, has_due), copy_ints(c.first_minutes, ~c.is_new),
            copy_ints(c.resolution_minutes, closed), copy_stamps(c.resolved + REOPEN_WINDOW_S, closed),
            copy_ints(c.reopens), copy_ints(c.transfers), ["[]"] * size,
            np.where(has_due, np.where(c.is_new, "first_response", "resolution"), "").tolist(), ["{}"] * size,
            np.where(c.disputed == 1, "t", np.where(c.disputed == 0, "f", COPY_NULL)).tolist(),
        ]  # fmt: skip
        yield first + size, copy_text(columns)


def chunked(indexes: Any) -> Iterator[Any]:
    for first in range(0, len(indexes), COPY_CHUNK):
        yield indexes[first : first + COPY_CHUNK]


def feedback_chunks(
    rng: Any, cases: Cases, seen: Interactions, places: Places, surveys: int, now_s: int
) -> tuple[int, Iterator[tuple[int, str]]]:
    """(rows, chunks) of the feedback that opened each case (its channel is the case's), the customer's reply on
    some cases, and survey answers (CSAT and NPS, no case) to interactions of all customers."""
    import numpy as np

    opened = np.flatnonzero(cases.channel != "")
    replied = np.flatnonzero(~cases.is_new & (cases.channel != "") & (rng.random(len(cases.created)) < REPLY_SHARE))
    surveyed = np.sort(rng.choice(seen.moments.size, size=surveys, replace=False))

    def parts() -> Iterator[dict[str, Any]]:
        for rows in chunked(opened):
            by_survey = cases.channel[rows] == "survey"  # a bad score opened the case
            yield {
                "customers": cases.customer[rows], "location": cases.location[rows], "case": cases.first_id + rows,
                "channel": cases.channel[rows], "kind": np.where(by_survey, "survey", "complaint"),
                "scored": by_survey, "csat": rng.integers(1, 3, rows.size), "nps": rng.integers(0, 7, rows.size),
                "text": np.where(by_survey, "", cases.summary[rows]), "negative": True,
                "occurred": cases.created[rows] - rng.integers(60, 2 * 3600, rows.size),
                "received": cases.created[rows],
            }  # fmt: skip
        for rows in chunked(replied):
            at = np.minimum(cases.responded[rows] + rng.integers(3600, 2 * DAY_S, rows.size), now_s - 60)
            yield {
                "customers": cases.customer[rows], "location": cases.location[rows], "case": cases.first_id + rows,
                "channel": np.where(cases.channel[rows] == "survey", "email", cases.channel[rows]),
                "kind": np.full(rows.size, "complaint"), "text": np.full(rows.size, "Any news on this?"),
                "negative": False, "occurred": at, "received": at,
            }  # fmt: skip
        for rows in chunked(surveyed):
            csat = rng.choice([1, 2, 3, 4, 5], size=rows.size, p=[0.04, 0.05, 0.13, 0.38, 0.40])
            at = np.minimum(seen.moments[rows] + rng.integers(3600, 2 * DAY_S, rows.size), now_s - 60)
            yield {
                "customers": seen.customers[rows], "location": seen.location[rows], "interaction": seen.first_id + rows,
                "channel": np.full(rows.size, "survey"), "kind": np.full(rows.size, "survey"), "csat": csat,
                "nps": np.clip(np.round(csat * 2 + rng.normal(-0.5, 1.3, rows.size)), 0, 10),
                "repurchase": scores_near(rng, csat, 1, 5),
                "asked_repurchase": rng.random(rows.size) < REPURCHASE_SHARE,
                "text": np.full(rows.size, ""), "negative": csat <= 2, "occurred": at, "received": at,
            }  # fmt: skip

    def chunks() -> Iterator[tuple[int, str]]:
        done = 0
        for part in parts():
            done += len(part["customers"])
            yield done, feedback_text(places, **part)

    return opened.size + replied.size + surveys, chunks()


def feedback_text(
    places: Places,
    *,
    customers: Any,
    location: Any,
    channel: Any,
    kind: Any,
    text: Any,
    negative: Any,
    occurred: Any,
    received: Any,
    case: Any = None,
    interaction: Any = None,
    scored: Any = None,
    csat: Any = None,
    nps: Any = None,
    repurchase: Any = None,
    asked_repurchase: Any = None,
) -> str:
    """COPY text of feedback rows; CSAT and NPS where `scored` (all rows when it is None and they are given), the
    likelihood to buy again where `asked_repurchase`."""
    import numpy as np

    size = len(customers)
    nothing = [COPY_NULL] * size

    def maybe(values: Any, present: Any = None) -> list[str]:
        return nothing if values is None else copy_ints(values, present)

    return copy_text([
        copy_ints(customers), copy_ints(places.ids[location]), maybe(interaction), maybe(case), channel.tolist(),
        kind.tolist(), maybe(csat, scored), maybe(nps, scored), maybe(repurchase, asked_repurchase), text.tolist(),
        places.languages[np.searchsorted(places.customers, customers)].tolist(),
        np.where(np.broadcast_to(negative, (size,)), "t", "f").tolist(), [""] * size, [""] * size, ["{}"] * size,
        copy_stamps(occurred), copy_stamps(received),
    ])  # fmt: skip


def ledger_chunks(rng: Any, cases: Cases, places: Places, currency: str) -> tuple[int, Iterator[tuple[int, str]]]:
    """(rows, chunks) of the gestures given: on the ledger a while before the case was resolved."""
    import numpy as np

    given = np.flatnonzero(cases.gesture != "")
    fulfilment = np.array(["", *[row[4] for row in GESTURES]])

    def chunks() -> Iterator[tuple[int, str]]:
        done = 0
        for rows in chunked(given):
            size = rows.size
            done += size
            took = cases.resolved[rows] - cases.responded[rows]
            yield done, copy_text([
                copy_ints(cases.first_id + rows), copy_ints(cases.customer[rows]), cases.gesture[rows].tolist(),
                [f"{amount:.2f}" for amount in cases.amount[rows].tolist()], [currency] * size,
                cases.category[rows].tolist(), copy_ints(places.ids[cases.location[rows]]),
                copy_ints(places.team_ids[cases.location[rows]]), copy_ints(cases.owner[rows]),
                fulfilment[_index_in(cases.gesture[rows], GESTURES)].tolist(), [""] * size, [""] * size,
                copy_stamps(cases.resolved[rows] - (took * rng.uniform(0, 0.5, size)).astype(np.int64)),
            ])  # fmt: skip

    return int(given.size), chunks()


def follow_up_chunks(rng: Any, cases: Cases, places: Places, now_s: int) -> tuple[int, Iterator[tuple[int, str]]]:
    """(rows, chunks) of the follow-ups: scheduled, sent, reminded, answered (with scores) or unanswered."""
    import numpy as np

    asked = np.flatnonzero(cases.asked)

    def chunks() -> Iterator[tuple[int, str]]:
        done = 0
        for rows in chunked(asked):
            size = rows.size
            done += size
            due, reply, verdict = cases.due[rows], cases.reply[rows], cases.verdict[rows]
            remind, closes = due + 3 * DAY_S, due + 14 * DAY_S
            answered = verdict != ""
            sent = due <= now_s
            reminded = sent & (remind <= np.where(answered, reply, now_s))
            status = np.where(
                answered,
                "answered",
                np.where(
                    ~sent, "scheduled", np.where(closes <= now_s, "unanswered", np.where(reminded, "reminded", "sent"))
                ),
            )
            happy, neutral = verdict == "satisfied", verdict == "neutral"
            overall = np.where(happy, rng.integers(4, 6, size), np.where(neutral, 3, rng.integers(1, 3, size)))
            nps = np.where(
                happy, rng.integers(8, 11, size), np.where(neutral, rng.integers(5, 9, size), rng.integers(0, 6, size))
            )
            customers = cases.customer[rows]
            hexes = rng.integers(0, 2**63, size=(size, 2)).tolist()
            yield done, copy_text([
                copy_ints(cases.first_id + rows), copy_ints(customers),
                copy_ints(places.team_ids[cases.location[rows]]), cases.category[rows].tolist(), status.tolist(),
                places.languages[np.searchsorted(places.customers, customers)].tolist(),
                [f"{a:016x}{b:016x}" for a, b in hexes], copy_stamps(cases.resolved[rows]), copy_stamps(due),
                copy_stamps(remind), copy_stamps(closes), copy_stamps(due, sent), copy_stamps(remind, reminded),
                copy_stamps(reply, answered), verdict.tolist(),
                copy_ints(scores_near(rng, overall, 1, 5), answered), copy_ints(overall, answered),
                copy_ints(nps, answered),
                *(copy_ints(scores_near(rng, overall, 1, 5), answered) for _ in range(4)), [""] * size,
            ])  # fmt: skip

    return int(asked.size), chunks()


def event_chunks(cases: Cases) -> tuple[int, Iterator[tuple[int, str]]]:
    """(rows, chunks) of the cases' timelines: opened (proactive without feedback), owner assigned at the first
    response, the SLA breach and the alert about it (an escalation), resolved."""
    import numpy as np

    breached = ~cases.is_open & ~cases.sla_met
    everyone = np.ones(len(cases.created), bool)
    # (kind, which cases, when, data, whether the owner did it)
    kinds = (
        ("opened", everyone, cases.created, np.where(cases.channel == "", '{"proactive": true}', "{}"), False),
        ("owner_assigned", ~cases.is_new, cases.responded, None, True),
        ("sla_breached", breached, np.minimum(cases.created + 2 * DAY_S, cases.resolved - 60), None, False),
        ("alert_sent", breached, np.minimum(cases.created + 2 * DAY_S, cases.resolved - 60), None, False),
        ("resolved", ~cases.is_open, cases.resolved, np.char.add(np.char.add('{"category": "', cases.category), '"}'),
         True),
    )  # fmt: skip

    def chunks() -> Iterator[tuple[int, str]]:
        done = 0
        for kind, present, at, data, by_owner in kinds:
            for rows in chunked(np.flatnonzero(present)):
                done += rows.size
                yield done, copy_text([
                    copy_ints(cases.first_id + rows), [kind] * rows.size,
                    copy_ints(cases.owner[rows]) if by_owner else [COPY_NULL] * rows.size,
                    ["{}"] * rows.size if data is None else data[rows].tolist(), copy_stamps(at[rows]),
                ])  # fmt: skip

    return sum(int(kind[1].sum()) for kind in kinds), chunks()


def servqual_surveys(places: Places) -> Any:
    """One SERVQUAL survey per location (not sent by itself: the bench copies its answers); their ids, by location."""
    import numpy as np

    from amends.core.models import Location
    from amends.surveys.models import Survey

    locations = Location.objects.in_bulk(places.ids.tolist())
    surveys = [
        Survey.objects.get_or_create(
            slug=f"servqual-{locations[location_id].code}",
            defaults={"name": "Service quality", "location": locations[location_id],
                      "instrument": Survey.Instrument.SERVQUAL, "is_active": False},
        )[0].pk
        for location_id in places.ids.tolist()
    ]  # fmt: skip
    return np.array(surveys)


def servqual_rows(conn: Any, rng: Any, places: Places, answers: int, start_s: int, now_s: int) -> None:
    """`answers` complete SERVQUAL answers (and their invitations) spread over the weeks and locations."""
    import json

    import numpy as np

    from amends.analytics.stats import SERVQUAL_DIMENSIONS, SERVQUAL_ITEM_DIMENSION

    surveys = servqual_surveys(places)
    location = rng.choice(len(places.ids), size=answers, p=places.weights)
    customers = places.customers[rng.integers(0, len(places.customers), answers)]
    languages = places.languages[np.searchsorted(places.customers, customers)].tolist()
    answered = np.sort(rng.integers(start_s, now_s - 3600, answers))
    hexes = rng.integers(0, 2**63, size=(answers, 2)).tolist()
    copy_rows(conn, "surveys_invitation", INVITATION_COLUMNS, iter([(answers, copy_text([
        copy_ints(surveys[location]), copy_ints(customers), [f"{a:016x}{b:016x}" for a, b in hexes], languages,
        copy_stamps(answered - DAY_S), copy_stamps(answered + 13 * DAY_S), copy_stamps(answered - DAY_S),
        copy_stamps(answered),
    ]))]), answers)  # fmt: skip
    first = copied_ids(conn, "surveys_invitation", answers)
    item_dimension = np.array([SERVQUAL_DIMENSIONS.index(d) for d in SERVQUAL_ITEM_DIMENSION])
    weakest = location % len(SERVQUAL_DIMENSIONS)
    expectations = rng.integers(5, 8, (answers, len(item_dimension)))
    shortfall = np.where(
        item_dimension[None, :] == weakest[:, None],
        rng.integers(1, 4, expectations.shape),
        rng.integers(0, 2, expectations.shape),
    )
    perceptions = np.maximum(1, expectations - shortfall)
    cuts = np.sort(rng.integers(0, 101, (answers, len(SERVQUAL_DIMENSIONS) - 1)), axis=1)
    points = np.diff(np.hstack([np.zeros((answers, 1), int), cuts, np.full((answers, 1), 100)]), axis=1)
    copy_rows(conn, "surveys_servqualanswer", SERVQUAL_COLUMNS, iter([(answers, copy_text([
        copy_ints(first + np.arange(answers)), copy_ints(customers), copy_ints(places.ids[location]),
        [json.dumps(row) for row in expectations.tolist()], [json.dumps(row) for row in perceptions.tolist()],
        [json.dumps(dict(zip(SERVQUAL_DIMENSIONS, row, strict=True))) for row in points.tolist()], languages,
        copy_stamps(answered),
    ]))]), answers)  # fmt: skip


def load(database_url: str, cases_count: int, interactions: int, seed: int) -> None:
    """Fill the (fresh, migrated) database in one transaction: a failed load leaves no half data behind."""
    import numpy as np
    import psycopg
    from django.conf import settings

    rng = np.random.default_rng(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    now_s = int(now.timestamp())
    start_s = now_s - WEEKS * WEEK_S
    world = create_people(random.Random(seed))
    with psycopg.connect(plain_url(database_url)) as conn:
        conn.execute("SET synchronous_commit = off")
        copy_customers(conn, world, now, random.Random(seed))
        languages = [row[0] for row in conn.execute("SELECT language FROM customers_customer ORDER BY id")]
        places = places_of(world, languages)
        seen_weekly, failed_weekly = weekly_volumes(rng, places, cases_count, interactions)
        log(f"planning {interactions:,} interactions and {cases_count:,} cases over {WEEKS} weeks")
        seen = plan_interactions(rng, places, seen_weekly, start_s)
        copy_rows(conn, "customers_interaction", INTERACTION_COLUMNS, interaction_chunks(places, seen), interactions)
        seen.first_id = copied_ids(conn, "customers_interaction", interactions)
        cases = plan_cases(rng, places, failed_weekly, start_s, now_s)
        copy_rows(conn, "cases_case", CASE_TABLE_COLUMNS, case_chunks(cases, places, now_s), cases_count)
        cases.first_id = copied_ids(conn, "cases_case", cases_count)
        total, chunks = feedback_chunks(rng, cases, seen, places, int(cases_count * SURVEYS_PER_CASE), now_s)
        copy_rows(conn, "intake_feedback", FEEDBACK_COLUMNS, chunks, total)
        total, chunks = ledger_chunks(rng, cases, places, settings.AMENDS_CURRENCY)
        copy_rows(conn, "compensation_ledgerentry", LEDGER_COLUMNS, chunks, total)
        total, chunks = follow_up_chunks(rng, cases, places, now_s)
        copy_rows(conn, "followups_followup", FOLLOW_UP_COLUMNS, chunks, total)
        total, chunks = event_chunks(cases)
        copy_rows(conn, "cases_caseevent", EVENT_COLUMNS, chunks, total)
        servqual_rows(conn, rng, places, int(cases_count * SERVQUAL_PER_CASE), start_s, now_s)
        conn.commit()
        conn.autocommit = True
        started = time.monotonic()
        conn.execute("VACUUM (ANALYZE)")
        log(f"vacuum + analyze in {time.monotonic() - started:.1f} s")


def loaded(database_url: str, interactions: int) -> int | None:
    """The bench cases in the database when its interactions are all there too, else None."""
    import psycopg

    cases = loaded_cases(database_url)
    if cases is None:
        return None
    with psycopg.connect(plain_url(database_url), connect_timeout=10) as conn:
        row = conn.execute("SELECT count(*) FROM customers_interaction").fetchone()
    return cases if row and row[0] == interactions else None


def prepare(args: argparse.Namespace) -> float | None:
    """A loaded database; returns the load time, or None when the data was there already."""
    os.environ.setdefault("STATIC_ROOT", empty_static_root())
    ensure_database(args.database_url, recreate=False)
    found = None if args.reload else loaded(args.database_url, args.interactions)
    if found == args.cases:
        log(f"the database holds {found:,} bench cases already: skipping the load (--reload loads again)")
        setup_django(args.database_url)
        migrate()
        return None
    log(f"loading ({'--reload' if args.reload else f'found {found or 0:,} complete bench cases'})")
    started = time.monotonic()
    ensure_database(args.database_url, recreate=True)
    setup_django(args.database_url)
    migrate()
    load(args.database_url, args.cases, args.interactions, args.seed)
    return time.monotonic() - started


def describe_data() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM cases_case), (SELECT count(*) FROM customers_interaction), "
            "(SELECT count(*) FROM customers_customer), "
            "(SELECT count(*) FROM intake_feedback WHERE case_id IS NOT NULL), "
            "(SELECT count(*) FROM intake_feedback WHERE case_id IS NULL), "
            "(SELECT count(*) FROM cases_case WHERE resolved_at IS NOT NULL), "
            "(SELECT count(*) FROM compensation_ledgerentry), "
            "(SELECT count(*) FROM followups_followup), "
            "(SELECT count(*) FROM followups_followup WHERE status = 'answered'), "
            "(SELECT count(*) FROM cases_caseevent), (SELECT count(*) FROM surveys_servqualanswer)"
        )
        cases, interactions, customers, case_feedback, surveys, resolved, gestures, follow_ups, answered, events, sq = (
            cursor.fetchone()
        )
    return (
        f"{cases:,} cases ({resolved:,} resolved), {interactions:,} interactions ({cases / interactions:.1%} "
        f"became a case), {customers:,} customers; feedback: {case_feedback:,} on cases, {surveys:,} survey answers "
        f"without a case; {gestures:,} gestures; {follow_ups:,} follow-ups, {answered:,} answered "
        f"({answered / resolved:.0%} of the resolved cases); {events:,} case events; {sq:,} SERVQUAL answers"
    )


# --- Measuring ----------------------------------------------------------------------------------------------------


def set_statement_timeout(seconds: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SET statement_timeout = {int(seconds) * 1000}")


def refresh_facts() -> str:
    """facts_refresh() once, as the worker runs it; what it took and built (the rows of every fact table: the
    analytics models with a day)."""
    from django.apps import apps

    from amends.analytics.services import facts_refresh

    log("facts_refresh() ...")
    started = time.perf_counter()
    stages = facts_refresh().stages
    seconds = time.perf_counter() - started
    facts = [model for model in apps.get_app_config("analytics").get_models() if hasattr(model, "day")]
    counts = {model.__name__: model._default_manager.count() for model in facts}
    rows = ", ".join(f"{name} {n:,}" for name, n in counts.items())
    took = ", ".join(f"{name} {spent:.1f} s" for name, spent in stages.items())
    return f"facts_refresh(): {seconds:.1f} s ({took}), {sum(counts.values()):,} fact rows ({rows})"


def analyst() -> tuple[User, str]:
    """An admin who sees every team (created on first use), and a fresh API token of theirs."""
    from django.contrib.auth.models import Group

    from amends.core.enums import Role
    from amends.core.models import User
    from amends.core.services import api_token_create

    user, created = User.objects.get_or_create(
        username="analyst", defaults={"email": "analyst@bench.example", "is_staff": True, "language": "en"}
    )
    if created:
        user.groups.add(Group.objects.get_or_create(name=Role.ADMIN.value)[0])
    return user, api_token_create(user=user, name="bench-analytics")


@dataclass
class Sql:
    """What one call of an endpoint sent to PostgreSQL."""

    queries: int
    total_ms: float
    slowest_ms: float
    slowest: str

    def note(self) -> str:
        return f"{self.queries} queries, SQL {self.total_ms:.0f} ms (slowest {self.slowest_ms:.0f})"


def sql_of(call: Callable[[], object]) -> Sql:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    times = [(float(query["time"]) * 1000, str(query["sql"])) for query in captured.captured_queries]
    slowest = max(times, default=(0.0, ""))
    return Sql(len(times), sum(ms for ms, _sql in times), slowest[0], slowest[1])


def getter(client: Client, label: str, path: str, query: str) -> Callable[[], object] | None:
    """A call of the endpoint, checked once; None (with a message) when it does not exist yet."""
    url = f"{path}?{query}" if query else path
    response = client.get(url)
    if response.status_code == 404:
        log(f"skipping {label}: GET {url} answered 404 (not built yet?)")
        return None
    if response.status_code != 200:
        raise BenchError(f"GET {url} answered {response.status_code}: {response.content[:300]!r}")

    def get() -> object:
        return client.get(url)

    return get


def baseline() -> object:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(BASELINE_SQL)
        return cursor.fetchall()


def what_it_shows(client: Client) -> str:
    """The headline numbers, to see that the data is realistic: KPIs and the control chart's signals."""
    kpis = client.get("/api/v1/analytics/kpis").json()
    charts = client.get("/api/v1/analytics/control-chart").json()["charts"]
    flagged = [chart for chart in charts if chart["signal_weeks"]]
    spike = next(chart for chart in charts if chart["location"] == SPIKE_LOCATION)
    beyond = [point["week"] for point in spike["points"] if point["value"] and point["value"] > point["ucl"]]

    def share(value: float | None) -> str:
        return "-" if value is None else f"{value:.0%}"

    return (
        f"last 182 days: {kpis['cases']:,} cases, {kpis['interactions']:,} interactions, "
        f"{kpis['failures_per_1000']:.0f} failures per 1,000, SLA {share(kpis['sla_compliance'])}, "
        f"first-contact resolution {share(kpis['first_contact_resolution'])}, "
        f"recovery rate {share(kpis['recovery_rate'])} of {kpis['follow_ups_answered']:,} answers, "
        f"cost per case {kpis['cost_per_case']} {kpis['currency']}; control chart: {len(flagged)}/{len(charts)} "
        f"locations with signals; {SPIKE_LOCATION}: signals in {len(spike['signal_weeks'])}/{len(spike['points'])} "
        f"weeks, above the upper limit in {', '.join(beyond)}"
    )


def format_rows(rows: Sequence[Row], base: Row) -> str:
    header = f"{'row':<34} {'p50 ms':>8} {'p95 ms':>8} {'p95/base':>9} {'<500 ms':>8}  note"
    lines = [header, "-" * len(header)]
    for row in rows:
        meets = "yes" if row.p(95) < TARGET_MS else "NO"
        lines.append(
            f"{row.label:<34} {row.p(50):>8.1f} {row.p(95):>8.1f} {row.p(95) / base.p(95):>8.1f}x {meets:>8}  "
            f"{row.note}"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> None:
    load_seconds = prepare(args)
    from django.conf import settings
    from django.test import Client

    settings.DEBUG = False  # production-like from here: no query log, no template debugging
    logging.getLogger("django.request").setLevel(logging.ERROR)  # a 404 is reported as a skipped row
    print(describe_data())
    if load_seconds is not None:
        print(f"load time: {load_seconds:.1f} s (database created, migrated, every table copied, vacuum + analyze)")
    if args.skip_refresh:
        log("--skip-refresh: measuring the facts of the last refresh")
    else:
        set_statement_timeout(args.refresh_timeout)
        print(refresh_facts())
    set_statement_timeout(args.statement_timeout)
    user, token = analyst()
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    client.force_login(user)
    print(what_it_shows(client))
    base = Row("baseline: SELECT category, count(*)", baseline, note="182 days of cases_case, raw cursor")
    rows, queries = [base], {}
    for label, path, query in ENDPOINTS:
        call = getter(client, label, path, query)
        if call is not None:
            queries[label] = sql_of(call)
            rows.append(Row(label, call, note=queries[label].note()))
    log(f"measuring {len(rows)} rows, {args.reps} repetitions after {args.warmup} warm-up ones")
    measure(rows, args.reps, args.warmup, args.row_seconds)
    print()
    print(
        f"Dashboards at {args.cases:,} cases, PostgreSQL, {args.reps} repetitions, logged in as an admin "
        f"(every team), default period 182 days; baseline: {BASELINE_SQL}"
    )
    print(format_rows(rows, base))
    slow = [row.label for row in rows[1:] if row.p(95) >= TARGET_MS]
    if args.explain:
        for label in slow:
            print()
            print(f"EXPLAIN (ANALYZE, BUFFERS) of the slowest query of {label} ({queries[label].slowest_ms:.0f} ms):")
            print(queries[label].slowest)
            print(explain(queries[label].slowest))
    print()
    print(
        f"p95 under {TARGET_MS:.0f} ms: {len(rows) - 1 - len(slow)}/{len(rows) - 1} dashboards"
        + (f"; over: {slow}" if slow else "")
    )


def main(argv: Sequence[str] | None = None) -> int:
    return run_bench(run, parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
