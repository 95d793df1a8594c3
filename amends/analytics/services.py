"""Rebuilding the analytics facts from the cases, gestures, follow-ups and interactions, in a few GROUP BY queries.

A rebuild replaces everything in one transaction, so a dashboard never reads half a refresh. Our own cases get the
same frame as imported ones (e.g. CFPB): the outcome comes from the gesture given (money, something else, or an
explanation only), and a follow-up answered unhappy counts as a disputed outcome.
"""

import time
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case as When_
from django.db.models import CharField, Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, Left, Trim, TruncDate
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from amends.cases.enums import EventKind, RecoveryOutcome
from amends.cases.models import Case, CaseEvent
from amends.compensation.enums import PAID_OUT, GestureType
from amends.compensation.models import LedgerEntry
from amends.core.enums import Role
from amends.core.models import Location, User
from amends.customers.models import Interaction
from amends.followups.enums import FollowUpStatus, Verdict
from amends.followups.models import FollowUp
from amends.intake.at_risk import FAILURE_KEYS, CaseSpan, Signal, feedback_reason, interaction_failed, silent_episodes
from amends.intake.enums import Channel, FeedbackKind
from amends.intake.models import Feedback
from amends.notifications.transports.email import send_email
from amends.surveys.models import ServqualAnswer

from .filters import monday
from .models import (
    PARADOX_SUMS,
    RETURN_WINDOWS,
    AgentDay,
    CaseDay,
    CategoryDay,
    FollowUpDay,
    InteractionDay,
    LocationDay,
    LocationOutcomeDay,
    OutcomeDay,
    ParadoxDay,
    Refresh,
    ServqualItemDay,
    SilentDay,
    WeeklySummary,
)
from .stats import SERVQUAL_ITEM_DIMENSION
from .summary import week_summary

BATCH = 5000
NO_CHANNEL, NO_CATEGORY = "", ""


def _first_channel(case: str) -> Coalesce:
    """The channel of the case's first feedback (none for a case we opened ourselves)."""
    first = Feedback.objects.filter(case=OuterRef(case)).order_by("occurred_at", "pk").values("channel")[:1]
    return Coalesce(Subquery(first), Value(NO_CHANNEL))


def _cases() -> Any:
    """Each case with the day it opened, its first channel, its cost, its outcome and whether it was disputed."""
    given = LedgerEntry.objects.filter(case=OuterRef("pk"))
    cost = (
        given.filter(currency=settings.AMENDS_CURRENCY).order_by().values("case")
        .annotate(total=Sum("amount")).values("total")
    )  # fmt: skip
    unhappy = FollowUp.objects.filter(case=OuterRef("pk"), verdict=Verdict.UNHAPPY)
    answered = FollowUp.objects.filter(case=OuterRef("pk"), verdict__in=[Verdict.SATISFIED, Verdict.NEUTRAL])
    outcome = When_(
        When(~Q(outcome=""), then=F("outcome")),
        When(Exists(given.filter(type__in=PAID_OUT)), then=Value(RecoveryOutcome.MONETARY_RELIEF.value)),
        When(
            Exists(given.exclude(type=GestureType.APOLOGY_ONLY)), then=Value(RecoveryOutcome.NON_MONETARY_RELIEF.value)
        ),
        When(resolved_at__isnull=False, then=Value(RecoveryOutcome.EXPLANATION.value)),
        default=Value(RecoveryOutcome.IN_PROGRESS.value),
        output_field=CharField(),
    )
    disputed = When_(
        When(outcome_disputed__isnull=False, then=F("outcome_disputed")),
        When(Exists(unhappy), then=Value(True)),
        When(Exists(answered), then=Value(False)),
        default=Value(None),
    )
    return Case.objects.order_by().annotate(
        day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()),
        first_channel=_first_channel("pk"),
        cost_each=Coalesce(Subquery(cost), Value(0), output_field=LedgerEntry._meta.get_field("amount")),
        outcome_now=outcome,
        disputed_now=disputed,
    )


# What CaseDay sums, each from one aggregate of the grouped cases (annotations cannot reuse Case's field names).
CASE_SUMS = {
    "cases": Count("pk"),
    "complaints": Count("pk", filter=~Q(first_channel=Channel.SURVEY)),
    "resolved": Count("pk", filter=Q(resolved_at__isnull=False)),
    "first_contact_resolved": Count("pk", filter=Q(resolved_at__isnull=False, contacts__lte=1, transfers=0, reopens=0)),
    "reopened": Count("pk", filter=Q(reopens__gt=0)),
    "transfers": Coalesce(Sum("transfers"), 0),
    "sla_known": Count("pk", filter=Q(sla_met__isnull=False)),
    "sla_met": Count("pk", filter=Q(sla_met=True)),
    "first_response_count": Count("first_response_business_minutes"),
    "first_response_minutes": Coalesce(Sum("first_response_business_minutes"), 0),
    "resolution_count": Count("resolution_business_minutes"),
    "resolution_minutes": Coalesce(Sum("resolution_business_minutes"), 0),
    "disputed_known": Count("pk", filter=Q(disputed_now__isnull=False)),
    "disputed": Count("pk", filter=Q(disputed_now=True)),
    "cost": Coalesce(Sum("cost_each"), Value(0), output_field=LedgerEntry._meta.get_field("amount")),
}
# Fact column: column of the grouped cases. Every case fact is the grouped cases summed by some of these.
PLACE = {"day": "day", "location_id": "location_id", "team_id": "team_id"}
SLICE = PLACE | {"channel": "first_channel", "category": "category"}
DIMENSIONS = tuple(SLICE.values())
EVERY_SUM = {name: f"n_{name}" for name in CASE_SUMS}
OUTCOME_SUMS = {"cases": "n_cases", "disputed_known": "n_disputed_known", "disputed": "n_disputed"}
CASE_FACTS = (
    (OutcomeDay, SLICE | {"outcome": "outcome_now"}, OUTCOME_SUMS),
    (CaseDay, SLICE, EVERY_SUM),
    (CategoryDay, PLACE | {"category": "category"}, {"cases": "n_cases", "cost": "n_cost"}),
    (LocationOutcomeDay, PLACE | {"outcome": "outcome_now"}, OUTCOME_SUMS),
    (LocationDay, PLACE, EVERY_SUM),
)
GROUPED = "analytics_case_groups"  # a temporary table: the cases grouped finely enough for every case fact


def _grouped() -> Any:
    """One pass over the cases, grouped by the dimensions and the outcome: CaseDay sums out the outcome."""
    sums = {f"n_{name}": aggregate for name, aggregate in CASE_SUMS.items()}
    return _cases().values(*DIMENSIONS, "outcome_now").annotate(**sums)


def _store_case_facts() -> None:
    """Every CASE_FACTS table, summed in the database from one grouped pass over the cases (building Python objects
    for a million cases took longer than the grouping)."""
    sql, params = _grouped().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {GROUPED}")
        cursor.execute(f"CREATE TEMPORARY TABLE {GROUPED} AS {sql}", params)
        for model, keys, sums in CASE_FACTS:
            grouping = ", ".join(keys.values())
            summed = ", ".join(f"SUM({column})" for column in sums.values())
            cursor.execute(
                f"INSERT INTO {model._meta.db_table} ({', '.join([*keys, *sums])}) "
                f"SELECT {grouping}, {summed} FROM {GROUPED} GROUP BY {grouping}"
            )
        cursor.execute(f"DROP TABLE {GROUPED}")


def _follow_up_days() -> Any:
    answered = FollowUp.objects.filter(status=FollowUpStatus.ANSWERED).order_by()
    return (
        answered.annotate(
            day=TruncDate("resolved_at", tzinfo=timezone.get_current_timezone()), first_channel=_first_channel("case")
        )
        .values("day", "case__location_id", "team_id", "first_channel", "category")
        .annotate(**{f"n_{verdict}": Count("pk", filter=Q(verdict=verdict)) for verdict in Verdict.values})
    )


def _follow_up_day(row: dict) -> FollowUpDay:
    return FollowUpDay(
        day=row["day"], location_id=row["case__location_id"], team_id=row["team_id"], channel=row["first_channel"],
        category=row["category"], **{verdict: row[f"n_{verdict}"] for verdict in Verdict.values},
    )  # fmt: skip


def _interaction_days() -> Any:
    day = TruncDate("occurred_at", tzinfo=timezone.get_current_timezone())
    return Interaction.objects.order_by().annotate(day=day).values("day", "location_id").annotate(n=Count("pk"))


def _interaction_day(row: dict) -> InteractionDay:
    return InteractionDay(day=row["day"], location_id=row["location_id"], interactions=row["n"])


def _store(model: Any, rows: Any, build: Any) -> None:
    """A grouped result small enough to read at once: without a server-side cursor PostgreSQL may run it in
    parallel (an .iterator() over the interactions took 8x longer at 6 million)."""
    model.objects.bulk_create((build(row) for row in rows), batch_size=BATCH)


RECOVERED_VERDICTS = {Verdict.SATISFIED.value}


def paradox_group(verdict: str | None) -> str:
    """Which group a customer's answer belongs to: without a case (None), or by their follow-up's verdict."""
    if verdict is None:
        return ParadoxDay.Group.NEVER_FAILED
    return ParadoxDay.Group.RECOVERED if verdict in RECOVERED_VERDICTS else ParadoxDay.Group.NOT_RECOVERED


def _next_visit(customer: str, after: str) -> Subquery:
    later = Interaction.objects.filter(customer_id=OuterRef(customer), occurred_at__gt=OuterRef(after))
    return Subquery(later.order_by("occurred_at").values("occurred_at")[:1])


def _paradox_answers() -> Any:
    """(group, since, dated, location, team, category, severity, satisfaction, recommend, repurchase, next visit)
    per answer: every survey answer of a customer who never had a case (dated and counted from the answer), and the
    latest answered follow-up of every case (dated by the case's opening, its return counted from the resolution)."""
    never_failed = (
        Feedback.objects.filter(kind=FeedbackKind.SURVEY, case__isnull=True)
        .filter(Q(csat__isnull=False) | Q(nps__isnull=False) | Q(repurchase__isnull=False))
        .filter(~Exists(Case.objects.filter(customer_id=OuterRef("customer_id"))))
        .order_by()
        .values_list("occurred_at", "location_id", "location__team_id", "csat", "nps", "repurchase")
        .annotate(next_visit=_next_visit("customer_id", "occurred_at"))
    )
    for answered, *place, csat, nps, repurchase, next_visit in never_failed.iterator(chunk_size=BATCH):
        yield (ParadoxDay.Group.NEVER_FAILED, answered, answered, *place, NO_CATEGORY, "", csat, nps, repurchase,
               next_visit)  # fmt: skip
    follow_ups = (
        FollowUp.objects.filter(answered_at__isnull=False).exclude(verdict="")
        .order_by("case_id", "-answered_at", "-id")
        .values_list("case_id", "verdict", "case__resolved_at", "case__created_at", "case__location_id",
                     "case__team_id", "case__category", "case__severity", "overall", "nps", "repurchase")
        .annotate(next_visit=_next_visit("case__customer_id", "case__resolved_at"))
    )  # fmt: skip
    previous_case = None
    for case_id, verdict, *answer in follow_ups.iterator(chunk_size=BATCH):
        if case_id != previous_case:  # the latest answer counts when a reopened case was followed up twice
            yield (paradox_group(verdict), *answer)
        previous_case = case_id


def _answer_sums(scores: list[int | None], when: Any, next_visit: Any, now: Any) -> list[int]:
    """One answer's contribution to PARADOX_SUMS."""
    sums: list[int] = []
    for score in scores:
        sums += [0, 0, 0] if score is None else [1, score, score * score]
    for days in RETURN_WINDOWS:
        end = when + timedelta(days=days)
        known = end <= now  # a window still open would count the early returners only
        sums += [int(known), int(known and next_visit is not None and next_visit <= end)]
    return sums


def _store_paradox_facts() -> None:
    now = timezone.now()
    nothing = [0] * len(PARADOX_SUMS)
    facts: dict[tuple, list[int]] = {}
    for group, when, opened, location_id, team_id, category, severity, *scores, next_visit in _paradox_answers():
        key = (timezone.localdate(opened), location_id, team_id, group, category, severity)
        answer = _answer_sums(scores, when, next_visit, now)
        facts[key] = [total + part for total, part in zip(facts.get(key, nothing), answer, strict=True)]
    dimensions = ("day", "location_id", "team_id", "group", "category", "severity")
    rows = (
        ParadoxDay(**dict(zip(dimensions, key, strict=True)), **dict(zip(PARADOX_SUMS, sums, strict=True)))
        for key, sums in facts.items()
    )
    ParadoxDay.objects.bulk_create(rows, batch_size=BATCH)


def _store_servqual_facts() -> None:
    facts: dict[tuple, ServqualItemDay] = {}
    answers = ServqualAnswer.objects.order_by().values_list(
        "answered_at", "location_id", "location__team_id", "expectations", "perceptions", "importance"
    )
    for answered_at, location_id, team_id, expectations, perceptions, importance in answers.iterator(BATCH):
        day = timezone.localdate(answered_at)
        for item, (expected, experienced, dimension) in enumerate(
            zip(expectations, perceptions, SERVQUAL_ITEM_DIMENSION, strict=True), start=1
        ):
            fact = facts.get((day, location_id, item))
            if fact is None:
                fact = facts[day, location_id, item] = ServqualItemDay(
                    day=day, location_id=location_id, team_id=team_id, item=item
                )
            gap, points = experienced - expected, importance[dimension]
            fact.n += 1
            fact.expectation_sum += expected
            fact.perception_sum += experienced
            fact.gap_sum += gap
            fact.weighted_gap_sum += points / 100 * gap
            fact.importance_sum += points
    ServqualItemDay.objects.bulk_create(facts.values(), batch_size=BATCH)


def _agent_days() -> Any:
    alerted = CaseEvent.objects.filter(case=OuterRef("pk"), kind=EventKind.ALERT_SENT)
    answered = FollowUp.objects.filter(case=OuterRef("pk"), answered_at__isnull=False).exclude(verdict="")
    return (
        Case.objects.filter(owner__isnull=False).order_by()
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .values("day", "team_id", "owner_id")
        .annotate(
            n_cases=Count("pk"), n_resolved=Count("pk", filter=Q(resolved_at__isnull=False)),
            n_breached=Count("pk", filter=Q(sla_met=False)), n_escalated=Count("pk", filter=Q(Exists(alerted))),
            n_reopened=Count("pk", filter=Q(reopens__gt=0)), n_answered=Count("pk", filter=Q(Exists(answered))),
            n_satisfied=Count("pk", filter=Q(Exists(answered.filter(verdict=Verdict.SATISFIED)))),
        )
    )  # fmt: skip


def _agent_day(row: dict) -> AgentDay:
    return AgentDay(
        day=row["day"], team_id=row["team_id"], owner_id=row["owner_id"], cases=row["n_cases"],
        resolved=row["n_resolved"], sla_breached=row["n_breached"], escalated=row["n_escalated"],
        reopened=row["n_reopened"], follow_ups_answered=row["n_answered"], follow_ups_satisfied=row["n_satisfied"],
    )  # fmt: skip


def _silent_signals() -> tuple[dict[int, list[Signal]], dict[int, list[datetime]]]:
    """Per customer: every moment the at-risk rules fired, and (for those with a failed interaction) when they
    gave feedback. Feedback is read in time order per customer, so the previous answer is the row before."""
    signals: dict[int, list[Signal]] = defaultdict(list)
    interactions = Interaction.objects.filter(attributes__has_any_keys=FAILURE_KEYS).order_by()
    for customer_id, at, location_id, attributes in interactions.values_list(
        "customer_id", "occurred_at", "location_id", "attributes"
    ).iterator(BATCH):
        if interaction_failed(attributes):
            signals[customer_id].append(Signal(at, location_id, from_interaction=True))
    spoke: dict[int, list[datetime]] = defaultdict(list)
    feedback = (
        Feedback.objects.order_by("customer_id", "occurred_at", "pk")
        .annotate(comment_start=Left(Trim("text"), 1))  # a comment or none: its first character tells
        .values_list("customer_id", "occurred_at", "location_id", "case_id", "comment_start", "nps", "csat", "ces",
                     "text_sense__alert")
    )  # fmt: skip
    previous_customer: int | None = None
    previous: tuple[int | None, int | None] = (None, None)
    for customer_id, at, location_id, case_id, comment, nps, csat, ces, alert in feedback.iterator(BATCH):
        if customer_id != previous_customer:
            previous_customer, previous = customer_id, (None, None)
        if case_id is None and feedback_reason(
            alert=bool(alert), text=comment, nps=nps, csat=csat, ces=ces, previous=previous
        ):
            signals[customer_id].append(Signal(at, location_id))
        if customer_id in signals:
            spoke[customer_id].append(at)
        previous = (nps, csat)
    return signals, spoke


def _store_silent_facts() -> None:
    signals, spoke = _silent_signals()
    proactive = CaseEvent.objects.filter(case=OuterRef("pk"), kind=EventKind.OPENED, data__has_key="proactive")
    cases: dict[int, list[CaseSpan]] = defaultdict(list)
    for customer_id, opened, closed, by_us in (
        Case.objects.order_by().annotate(proactive=Exists(proactive))
        .values_list("customer_id", "created_at", "resolved_at", "proactive").iterator(BATCH)
    ):  # fmt: skip
        if customer_id in signals:
            cases[customer_id].append(CaseSpan(opened, closed, by_us))
    facts: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for customer_id, customer_signals in signals.items():
        episodes = silent_episodes(customer_signals, spoke=spoke.get(customer_id, ()), cases=cases.get(customer_id, ()))
        for signal, reached in episodes:
            fact = facts[timezone.localdate(signal.at), signal.location_id]
            fact[0] += 1
            fact[1] += reached
    teams = dict(Location.objects.values_list("id", "team_id"))
    SilentDay.objects.bulk_create(
        (SilentDay(day=day, location_id=location_id, team_id=teams[location_id], silent=silent, reached=reached)
         for (day, location_id), (silent, reached) in facts.items()),
        batch_size=BATCH,
    )  # fmt: skip


FACTS = (
    CaseDay, CategoryDay, LocationDay, OutcomeDay, LocationOutcomeDay, FollowUpDay, InteractionDay, ParadoxDay,
    ServqualItemDay, AgentDay, SilentDay,
)  # fmt: skip


def _delete_facts() -> None:
    for model in FACTS:
        model.objects.all().delete()


def _analyze() -> None:
    """Fresh planner statistics for the rebuilt tables: stale ones guess a thousand rows where there are 300,000."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE " + ", ".join(model._meta.db_table for model in FACTS))


def facts_refresh() -> Refresh:
    """Rebuild every fact table from scratch; readers see the old facts until it commits. The refresh keeps how
    long each stage took, for whoever has to make it faster."""
    started = time.perf_counter()
    stages: dict[str, float] = {}

    def stage(name: str, build: Callable[[], object]) -> None:
        begun = time.perf_counter()
        build()
        stages[name] = round(time.perf_counter() - begun, 2)

    with transaction.atomic():
        stage("delete", _delete_facts)
        stage("cases", _store_case_facts)
        stage("follow_ups", lambda: _store(FollowUpDay, _follow_up_days(), _follow_up_day))
        stage("interactions", lambda: _store(InteractionDay, _interaction_days(), _interaction_day))
        stage("paradox", _store_paradox_facts)
        stage("servqual", _store_servqual_facts)
        stage("people", lambda: _store(AgentDay, _agent_days(), _agent_day))
        stage("silent", _store_silent_facts)
        refresh = Refresh.objects.create(
            finished_at=timezone.now(),
            seconds=time.perf_counter() - started,
            cases=Case.objects.count(),
            stages=stages,
        )
        Refresh.objects.exclude(pk=refresh.pk).delete()
    _analyze()
    return refresh


# --- The weekly summary email -----------------------------------------------------------------------------------------

SUMMARY_SEND_DAYS = 3  # a summary missed on Monday still goes out until Wednesday; after that it is old news
SUMMARY_RETRY = timedelta(minutes=15)  # a send that failed is queued again after this


def summary_week(now: datetime) -> date | None:
    """The week (its Monday) whose summary is due now: the last complete one, once the facts cover all of it and
    for SUMMARY_SEND_DAYS after it ended."""
    today = timezone.localdate(now)
    this_monday = monday(today)
    if (today - this_monday).days >= SUMMARY_SEND_DAYS:
        return None
    week_end = timezone.make_aware(datetime.combine(this_monday, datetime.min.time()))
    last = Refresh.objects.first()
    return this_monday - timedelta(weeks=1) if last is not None and last.finished_at >= week_end else None


def summary_recipients() -> QuerySet[User]:
    """The CX managers: active admins and supervisors with an email address who have not turned the summary off."""
    managers = Q(is_superuser=True) | Q(groups__name__in=[Role.ADMIN.value, Role.SUPERVISOR.value])
    return User.objects.filter(managers, is_active=True, weekly_summary=True).exclude(email="").distinct()


def weekly_summaries_queue(*, now: datetime | None = None) -> list[int]:
    """Queue the due week's summary once per recipient, and again where a send failed a while ago; returns the ids
    to send. Safe to run twice at once: the unique (recipient, week) and the conditional update decide."""
    now = now or timezone.now()
    week = summary_week(now)
    if week is None:
        return []
    queued = []
    waiting = summary_recipients().exclude(pk__in=WeeklySummary.objects.filter(week=week).values("recipient_id"))
    for user_id in waiting.values_list("pk", flat=True):
        summary, created = WeeklySummary.objects.get_or_create(
            recipient_id=user_id, week=week, defaults={"queued_at": now}
        )
        if created:
            queued.append(summary.pk)
    stale = WeeklySummary.objects.filter(week=week, sent_at__isnull=True, queued_at__lt=now - SUMMARY_RETRY)
    for summary_id in stale.values_list("pk", flat=True):
        if WeeklySummary.objects.filter(pk=summary_id, queued_at__lt=now - SUMMARY_RETRY).update(queued_at=now):
            queued.append(summary_id)
    return queued


def weekly_summary_send(summary_id: int) -> bool:
    """Email one summary, in the recipient's language and scope. Claimed with a conditional update, so a second
    worker sends nothing twice; a failed send rolls the claim back for the next try."""
    with transaction.atomic():
        claimed = WeeklySummary.objects.filter(pk=summary_id, sent_at__isnull=True).update(sent_at=timezone.now())
        if not claimed:
            return False
        summary = WeeklySummary.objects.select_related("recipient").get(pk=summary_id)
        user = summary.recipient
        if not (user.is_active and user.weekly_summary and user.email):
            return False  # turned off (or left) since it was queued: done, unsent
        with translation.override(user.language or settings.LANGUAGE_CODE):
            content = week_summary(user, summary.week)
            subject = _("Week %(week)s in recovery: %(cases)s cases, %(rate)s per 1,000 interactions") % {
                "week": content.number, "cases": content.cases, "rate": content.failures_per_1000
            }  # fmt: skip
            context = {"summary": content, "user": user, "subject": subject}
            text = render_to_string("analytics/email/weekly_summary.txt", context)
            html = render_to_string("analytics/email/weekly_summary.html", context)
        send_email(to=[user.email], subject=subject, body=text, html=html)
        return True
