"""Store a chunk of import records with a handful of queries: the batched twin of `feedback_submit`.

The rows written are the ones `feedback_submit` and `case_open_or_attach` write (feedback, customers, cases and a
typed timeline event per case change), with the same rules: a negative answer opens a case, or joins the
customer's open case (one open case per customer at most); a (source, external_ref) already stored is skipped.
A chunk costs about ten statements whatever its size, instead of ~16 per row, and its rows are inserted by
`bulk.insert_rows` (COPY on PostgreSQL) with ids allocated first.

Differences, on purpose:
- Records with a case history (the CFPB export) always get a case of their own, timed by the history: opened when
  the complaint was received, first response when it was sent to the company, resolved when the company closed it.
  The admin's detection rules do not apply to them (their handling is already known); they do to the feedback CSV.
- A detection rule with `repeat_within_days` counts the customer's feedback stored before the chunk: earlier rows
  of the same chunk are not counted (import with --batch-size 1 where that matters).
- The texts of a chunk are read by the worker in one task (one pass of the text model), not one task per row.
- No new-case alert is queued. An import is a backfill: the cases are in the teams' inboxes, sorted by due time,
  and a mail per row would help nobody. Historical cases (CFPB) are marked as alerted, so that no later sweep
  sends them either; cases opened from the feedback CSV are left unmarked.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from amends.cases import sla
from amends.cases.enums import OPEN_STATUSES, CaseStatus, EventKind
from amends.cases.models import Case, CaseEvent
from amends.cases.services import summarise
from amends.core.errors import DomainError, ErrorCode
from amends.core.models import Location, Team
from amends.core.services import location_create
from amends.core.tasks import enqueue_with_transaction
from amends.customers.models import Customer, Interaction
from amends.customers.services import CONTACT_FIELDS, contact_split, location_by_code
from amends.intake.detection import Scores, is_negative, more_severe, severity_for
from amends.intake.models import Feedback
from amends.intake.rules import needs_text_model
from amends.intake.verdict import Verdict, active_rules, judge
from amends.textsense.tasks import analyse_feedback_many_task

from .bulk import allocate_ids, insert_rows
from .records import CaseHistory, ImportRecord, RowError

CUSTOMER_FIELDS = CONTACT_FIELDS
# An import is run by an operator on the server: the system, which counts as an integration (`contact_split`).
IMPORT_MAY_CHANGE_CONTACT = True
NO_SCORES = Scores()


@dataclass
class ChunkResult:
    created: int = 0  # feedback stored
    cases_opened: int = 0
    skipped: int = 0  # already imported (or repeated in the file)
    rejected: list[RowError] = field(default_factory=list)


def write_chunk(records: list[ImportRecord], *, team: Team | None = None) -> ChunkResult:
    """Store the records (inside the caller's transaction); `team` owns locations the import creates."""
    result = ChunkResult()
    fresh = _drop_known(records, result)
    locations = _resolve_locations(fresh, team, result)
    interactions = _resolve_interactions(fresh, result)
    refused = {error.row for error in result.rejected}
    accepted = _drop_repeats([record for record in fresh if record.row not in refused], result)
    if not accepted:
        return result
    customers = _upsert_customers(accepted)
    _Writer(customers, locations, interactions).write(accepted, result)
    return result


def _drop_known(records: list[ImportRecord], result: ChunkResult) -> list[ImportRecord]:
    """Leave out what was stored before (one query for the chunk)."""
    if not records:
        return []
    wanted = Q()
    for source in {record.source for record in records}:
        refs = [record.external_ref for record in records if record.source == source]
        wanted |= Q(source=source, external_ref__in=refs)
    known = set(Feedback.objects.filter(wanted).values_list("source", "external_ref"))
    fresh = [record for record in records if (record.source, record.external_ref) not in known]
    result.skipped += len(records) - len(fresh)
    return fresh


def _drop_repeats(records: list[ImportRecord], result: ChunkResult) -> list[ImportRecord]:
    """A row repeating the reference of an earlier accepted row is skipped, as if it came again later."""
    seen: set[tuple[str, str]] = set()
    unique = []
    for record in records:
        key = (record.source, record.external_ref)
        if key not in seen:
            seen.add(key)
            unique.append(record)
    result.skipped += len(records) - len(unique)
    return unique


def _resolve_locations(records: list[ImportRecord], team: Team | None, result: ChunkResult) -> dict[str, Location]:
    codes = {record.location_code for record in records}
    locations: dict[str, Location] = Location.objects.select_related("team").in_bulk(codes, field_name="code")
    unknown: dict[str, DomainError] = {}
    for record in records:
        code = record.location_code
        if code in locations:
            continue
        if record.new_location is not None:
            locations[code] = _location_create_or_get(record, team)
            continue
        if code not in unknown:
            try:
                locations[code] = location_by_code(code)
                continue
            except DomainError as error:  # the API's own unknown_location error
                unknown[code] = error
        result.rejected.append(RowError.from_domain(record.row, unknown[code]))
    return locations


def _location_create_or_get(record: ImportRecord, team: Team | None) -> Location:
    spec = record.new_location
    assert spec is not None
    try:
        return location_create(
            code=spec.code, name=spec.name, country=spec.country, timezone_name=spec.timezone_name, team=team
        )
    except DomainError:  # created a moment ago by another import or an admin: use theirs
        return Location.objects.select_related("team").get(code=spec.code)


def _resolve_interactions(records: list[ImportRecord], result: ChunkResult) -> dict[str, Interaction]:
    wanted = {record.interaction_external_id for record in records if record.interaction_external_id}
    if not wanted:
        return {}
    interactions: dict[str, Interaction] = Interaction.objects.in_bulk(wanted, field_name="external_id")
    for record in records:
        external_id = record.interaction_external_id
        if external_id and external_id not in interactions:
            error = DomainError(
                ErrorCode.UNKNOWN_INTERACTION,
                _("There is no interaction with the external id %(id)s.") % {"id": external_id},
                field="interaction",
            )
            result.rejected.append(RowError.from_domain(record.row, error))
    return interactions


@dataclass(frozen=True)
class _Customer:
    pk: int
    language: str
    segment: str


def _upsert_customers(records: list[ImportRecord]) -> dict[str, _Customer]:
    """Create new customers and update the fields given for known ones, like `customer_upsert`.

    Known customers are locked (on PostgreSQL) so that an API request cannot open a second case for them meanwhile.
    """
    given: dict[str, dict[str, str]] = {}
    for record in records:
        fields = {name: value for name in CUSTOMER_FIELDS if (value := getattr(record.customer, name)) is not None}
        given.setdefault(record.customer.external_id, {}).update(fields)  # a later row wins, as it would one by one
    known = _locked_customers(given)
    _update_known(known, given)
    customers = {key: _Customer(c.pk, c.language, c.segment) for key, c in known.items()}
    missing = [external_id for external_id in given if external_id not in known]
    if missing:
        customers.update(_create_customers(missing, given))
    return customers


def _locked_customers(external_ids: Iterable[str]) -> dict[str, Customer]:
    rows = Customer.objects.select_for_update().filter(external_id__in=list(external_ids)).order_by("pk")
    return {customer.external_id: customer for customer in rows}


def _update_known(known: dict[str, Customer], given: dict[str, dict[str, str]]) -> None:
    changed_customers, changed_fields = [], set()
    for external_id, customer in known.items():
        stored = {name: getattr(customer, name) for name in CUSTOMER_FIELDS}
        changed = contact_split(stored, given[external_id], may_change=IMPORT_MAY_CHANGE_CONTACT).write
        for name, value in changed.items():
            setattr(customer, name, value)
        if changed:
            changed_customers.append(customer)
            changed_fields |= set(changed)
    if changed_customers:
        Customer.objects.bulk_update(changed_customers, [*sorted(changed_fields), "updated_at"])


def _create_customers(missing: list[str], given: dict[str, dict[str, str]]) -> dict[str, _Customer]:
    defaults = {
        field.name: field.get_default() for field in Customer._meta.concrete_fields if field.name in CUSTOMER_FIELDS
    }
    rows = [{**defaults, **given[external_id], "external_id": external_id} for external_id in missing]
    try:
        with transaction.atomic():
            for row, pk in zip(rows, allocate_ids(Customer, len(rows)), strict=True):
                row["id"] = pk
            insert_rows(Customer, rows)
    except IntegrityError:
        # Someone (an API request) created one of them a moment ago: take the slow road that tolerates it.
        Customer.objects.bulk_create(
            [Customer(external_id=key, **given[key]) for key in missing], ignore_conflicts=True
        )
        stored = _locked_customers(missing)
        _update_known(stored, given)
        return {key: _Customer(c.pk, c.language, c.segment) for key, c in stored.items()}
    return {row["external_id"]: _Customer(row["id"], row["language"], row["segment"]) for row in rows}


@dataclass(eq=False)
class _CaseState:
    """A case the chunk opens (`row` holds its columns) or joins (stored already: `pk` known, `row` None)."""

    pk: int | None
    severity: str
    summary: str
    has_text: bool  # the customer wrote words on it already
    row: dict[str, Any] | None = None
    changed: set[str] = field(default_factory=set)


class _Writer:
    """Builds the chunk's feedback, cases and events as rows, then inserts each table with one statement."""

    def __init__(
        self, customers: dict[str, _Customer], locations: dict[str, Location], interactions: dict[str, Interaction]
    ):
        self.customers, self.locations, self.interactions = customers, locations, interactions
        self.now = timezone.now()
        self.feedback: list[dict[str, Any]] = []
        self.case_of_feedback: list[_CaseState | None] = []
        self.new_cases: list[_CaseState] = []
        self.events: list[tuple[_CaseState, str, datetime, dict]] = []
        self.open_cases: dict[int, _CaseState] = {}  # by customer id
        # Rules that need the text model are judged later, by the worker (see amends.intake.verdict).
        self.rules = [rule for rule in active_rules() if not needs_text_model(rule.conditions)]

    def write(self, records: list[ImportRecord], result: ChunkResult) -> None:
        verdicts = [self._verdict(record) for record in records]
        self._load_open_cases([record for record, verdict in zip(records, verdicts, strict=True) if verdict.negative])
        feedback_ids = allocate_ids(Feedback, len(records))
        for record, verdict, feedback_id in zip(records, verdicts, feedback_ids, strict=True):
            self._add(record, verdict, feedback_id)
        for new, pk in zip(self.new_cases, allocate_ids(Case, len(self.new_cases)), strict=True):
            assert new.row is not None
            new.pk = new.row["id"] = pk
            new.row.update(severity=new.severity, summary=new.summary)
        insert_rows(Case, [new.row for new in self.new_cases if new.row is not None])
        for row, case in zip(self.feedback, self.case_of_feedback, strict=True):
            row["case_id"] = case.pk if case is not None else None
        insert_rows(Feedback, self.feedback)
        texts = [row["id"] for row in self.feedback if row["text"].strip()]
        if texts:
            # Read by the worker in one pass of the text model per chunk, as intake reads each text.
            enqueue_with_transaction(analyse_feedback_many_task, texts)
        self._update_joined_cases()
        insert_rows(
            CaseEvent,
            [
                {"case_id": state.pk, "kind": kind, "created_at": at, "data": data}
                for state, kind, at, data in self.events
            ],
        )
        result.created += len(self.feedback)
        result.cases_opened += len(self.new_cases)

    def _update_joined_cases(self) -> None:
        for state in self.open_cases.values():
            if state.row is None and state.changed and state.pk is not None:
                values = {name: getattr(state, name) for name in state.changed}
                Case.objects.filter(pk=state.pk).update(**values, updated_at=self.now)

    def _verdict(self, record: ImportRecord) -> Verdict:
        """Negative or not, how severe, and where to: the admin's detection rules decide, as in `feedback_submit`.

        A history record (CFPB) is a complaint whose handling is known: the built-in rule, never the admin's.
        """
        customer = self.customers[record.customer.external_id]
        if record.history is not None or not self.rules:
            negative = is_negative(record.kind, record.scores)
            return Verdict(negative=negative, severity=severity_for(record.kind, record.scores, customer.segment))
        return judge(
            kind=record.kind,
            channel=record.channel,
            scores=record.scores,
            text=record.text,
            customer=Customer(pk=customer.pk, language=customer.language, segment=customer.segment),
            interaction=self.interactions.get(record.interaction_external_id or ""),
            occurred_at=record.occurred_at,
        )

    def _load_open_cases(self, failures: list[ImportRecord]) -> None:
        """The open case of each customer that may join one (history records never do), and whether it has text."""
        joining = {self.customers[record.customer.external_id].pk for record in failures if record.history is None}
        if not joining:
            return
        cases = Case.objects.filter(customer_id__in=joining, status__in=OPEN_STATUSES).order_by("-id")
        for customer_id, pk, severity, summary in cases.values_list("customer_id", "id", "severity", "summary"):
            # Ordered newest first, so the oldest open case of a customer is the one kept.
            self.open_cases[customer_id] = _CaseState(pk=pk, severity=severity, summary=summary, has_text=False)
        case_ids = [state.pk for state in self.open_cases.values() if state.pk is not None]
        with_text = set(
            Feedback.objects.filter(case_id__in=case_ids).exclude(text="").values_list("case_id", flat=True)
        )
        for state in self.open_cases.values():
            state.has_text = state.pk in with_text

    def _add(self, record: ImportRecord, verdict: Verdict, feedback_id: int) -> None:
        customer = self.customers[record.customer.external_id]
        interaction = self.interactions.get(record.interaction_external_id or "")
        self.feedback.append(
            {
                "id": feedback_id,
                "customer_id": customer.pk,
                "location_id": self.locations[record.location_code].pk,
                "interaction_id": interaction.pk if interaction else None,
                "channel": record.channel,
                "kind": record.kind,
                "csat": record.scores.csat,
                "nps": record.scores.nps,
                "ces": record.scores.ces,
                "repurchase": record.scores.repurchase,
                "text": record.text,
                "language": record.language or customer.language,
                "is_negative": verdict.negative,
                "occurred_at": record.occurred_at,
                "source": record.source,
                "external_ref": record.external_ref,
                "attributes": _with_verdict(record.attributes, verdict),
            }
        )
        state: _CaseState | None = None
        if verdict.negative:
            if record.history is not None:
                state = self._open_historical(record, customer, feedback_id, verdict.severity, record.history)
            elif customer.pk in self.open_cases:
                state = self._join(self.open_cases[customer.pk], record, feedback_id, verdict.severity)
            else:
                state = self._open(record, customer, feedback_id, verdict)
        self.case_of_feedback.append(state)

    def _case_row(self, record: ImportRecord, customer: _Customer, opened: datetime) -> dict[str, Any]:
        location = self.locations[record.location_code]
        return {
            "customer_id": customer.pk,
            "location_id": location.pk,
            "team_id": location.team_id,
            "status": CaseStatus.NEW,
            "category": "",
            "resolution": "",
            "outcome": "",
            "outcome_disputed": None,
            "sla_met": None,
            "created_at": opened,
            "first_response_due_at": sla.first_response_due(opened, settings.AMENDS_FIRST_RESPONSE_MINUTES),
            "first_response_at": None,
            "resolution_due_at": sla.resolution_due(opened, settings.AMENDS_RESOLUTION_MINUTES),
            "resolved_at": None,
            "alert_sent_at": None,
        }

    def _open(self, record: ImportRecord, customer: _Customer, feedback_id: int, verdict: Verdict) -> _CaseState:
        """A new case as `case_open_or_attach` opens it: its SLA clock starts now; a rule may set team and category."""
        row = self._case_row(record, customer, self.now)
        row["due_at"] = _next_deadline(row)
        row["category"] = verdict.category
        if verdict.team is not None:
            row["team_id"] = verdict.team.pk
        state = _CaseState(
            pk=None, severity=verdict.severity, summary=_summary(record), has_text=bool(record.text.strip()), row=row
        )
        self.new_cases.append(state)
        self.open_cases[customer.pk] = state
        self.events.append((state, EventKind.OPENED, self.now, {"feedback_id": feedback_id}))
        return state

    def _join(self, state: _CaseState, record: ImportRecord, feedback_id: int, severity: str) -> _CaseState:
        self.events.append((state, EventKind.FEEDBACK_ADDED, self.now, {"feedback_id": feedback_id}))
        if record.text.strip() and not state.has_text:
            # The first words the customer wrote say more than the scores the case opened with.
            state.summary, state.has_text = _summary(record), True
            state.changed.add("summary")
        raised = more_severe(state.severity, severity)
        if raised != state.severity:
            self.events.append((state, EventKind.SEVERITY_RAISED, self.now, {"from": state.severity, "to": raised}))
            state.severity = raised
            state.changed.add("severity")
        return state

    def _open_historical(
        self, record: ImportRecord, customer: _Customer, feedback_id: int, severity: str, history: CaseHistory
    ) -> _CaseState:
        """A case whose story is known: opened when received, answered when sent, resolved when closed."""
        opened = record.occurred_at
        row = self._case_row(record, customer, opened)
        row.update(
            category=history.category,
            outcome=history.outcome,
            sla_met=history.sla_met,
            outcome_disputed=history.outcome_disputed,
            first_response_at=history.sent_at,
            alert_sent_at=self.now,  # history is no news: no alert now, and none from a later sweep
        )
        state = _CaseState(
            pk=None, severity=severity, summary=_summary(record) or history.summary, has_text=True, row=row
        )
        self.new_cases.append(state)
        self.events.append((state, EventKind.OPENED, opened, {"feedback_id": feedback_id}))
        status = CaseStatus.NEW
        if history.sent_at is not None:
            self.events.append(
                (state, EventKind.STATUS_CHANGED, history.sent_at, {"from": status, "to": "in_progress"})
            )
            status = CaseStatus.IN_PROGRESS
        if history.resolved_at is not None:
            at = history.resolved_at
            self.events.append((state, EventKind.STATUS_CHANGED, at, {"from": status, "to": "resolved"}))
            resolved = {"category": history.category, "resolution": history.resolution}
            self.events.append((state, EventKind.RESOLVED, at, resolved))
            status = CaseStatus.RESOLVED
            row.update(resolved_at=at, resolution=history.resolution)
            if row["first_response_at"] is None:
                row["first_response_at"] = at  # the resolution was the answer, as when an agent resolves at once
        row["status"] = status
        row["due_at"] = _next_deadline(row)
        return state


def _with_verdict(attributes: dict, verdict: Verdict) -> dict:
    """The tags and the deciding rule are kept with the feedback, as `feedback_submit` keeps them."""
    if not verdict.tags and not verdict.rule:
        return attributes
    attributes = dict(attributes)
    if verdict.tags:
        attributes["tags"] = list(verdict.tags)
    if verdict.rule:
        attributes["rule"] = verdict.rule
    return attributes


def _summary(record: ImportRecord) -> str:
    if not record.text.strip() and record.scores == NO_SCORES:
        return ""  # what summarise says, without building a model instance for it
    return summarise(Feedback(text=record.text, csat=record.scores.csat, nps=record.scores.nps, ces=record.scores.ces))


def _next_deadline(row: dict[str, Any]) -> datetime | None:
    return sla.next_deadline(
        status=row["status"],
        first_response_at=row["first_response_at"],
        first_response_due_at=row["first_response_due_at"],
        resolution_due_at=row["resolution_due_at"],
    )
