"""Many feedback items at once (POST /feedback/batch): the batched twin of `feedback_submit`.

The rows written are the ones `feedback_submit` writes for the same items posted one after the other, in order:
- each item creates or updates its customer in turn, so an item sees what an earlier item of its customer changed
  (its language and segment decide the feedback's language and the severity); the customers are read, locked (on
  PostgreSQL, for the whole chunk, as `feedback_submit` locks its one customer) and written with a few statements;
- the admin's detection rules are judged as at intake, earlier items of the same customer counted by
  `repeat_within_days` (one query for the chunk);
- feedback that opens no case is inserted with one statement;
- the failures go to `cases_open_or_attach_many`, in item order, which opens or joins each customer's case exactly
  as `case_open_or_attach` does for a single request (one open case per customer, SLA policy, timeline events,
  new-case alert) with a few statements: the cases app alone decides what a case is;
- every feedback with text is queued for the text model, with one insert for the chunk.
Only for feedback without an external reference (the API's); channels with their own identity use the CSV writer.
"""

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from amends.cases.models import Case
from amends.cases.services import Failure, cases_open_or_attach_many
from amends.core.errors import DomainError
from amends.core.models import Location
from amends.customers.models import Customer, Interaction
from amends.customers.services import CONTACT_FIELDS, contact_split, location_for_intake, with_contact_given
from amends.textsense.tasks import analyse_feedback_task

from .channels.csv.bulk import allocate_ids, insert_rows
from .models import Feedback
from .queue import enqueue_many
from .services import FeedbackInput, unknown_interaction
from .verdict import Verdict, decide, intake_rules, repeat_windows


@dataclass(frozen=True)
class Checked:
    """An item `feedback_submit` would accept, with its location and interaction found."""

    data: FeedbackInput
    location: Location
    interaction: Interaction | None


@dataclass(frozen=True)
class CaseRef:
    pk: int
    status: str
    first_response_due_at: datetime


@dataclass(frozen=True)
class Stored:
    feedback_id: int
    case: CaseRef | None


def feedback_check_many(items: list[FeedbackInput]) -> list[Checked | DomainError]:
    """Each item checked as `feedback_submit` checks it (unknown location, a location the caller may not post at,
    unknown interaction); nothing written."""
    locations: dict[tuple[str, int | None], Location | DomainError] = {}
    for code, by in dict.fromkeys((item.location_code, item.posted_by) for item in items):
        try:
            # The location is remembered per process: usually one query per location, for the caller's teams.
            locations[code, by.pk if by else None] = location_for_intake(code, by=by)
        except DomainError as error:
            locations[code, by.pk if by else None] = error
    wanted = {item.interaction_external_id for item in items if item.interaction_external_id}
    interactions = Interaction.objects.in_bulk(wanted, field_name="external_id") if wanted else {}
    checked: list[Checked | DomainError] = []
    for item in items:
        if item.external_ref:
            raise ValueError("feedback_check_many is for feedback without an external_ref")
        location = locations[item.location_code, item.posted_by.pk if item.posted_by else None]
        interaction = interactions.get(item.interaction_external_id) if item.interaction_external_id else None
        if isinstance(location, DomainError):
            checked.append(location)
        elif item.interaction_external_id and interaction is None:
            checked.append(unknown_interaction(item.interaction_external_id))
        else:
            checked.append(Checked(data=item, location=location, interaction=interaction))
    return checked


def feedback_submit_many(items: list[Checked]) -> list[Stored]:
    """Store the items (inside the caller's transaction) as `feedback_submit` stores them one after the other."""
    if not items:
        return []
    customers = _Customers(items)
    verdicts = _verdicts(items, customers)
    writer = _Writer(items, customers, verdicts)
    return writer.write()


# --- Customers --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Seen:
    """The customer as one item left it (what `customer_upsert` returned for that item)."""

    pk: int
    language: str
    segment: str
    known: bool  # stored before this chunk
    kept_aside: dict[str, str]  # the item's contact values `contact_split` did not write on the customer


class _Customers:
    """Each item creates or updates its customer in turn; the rows are written once, as the last item left them."""

    def __init__(self, items: list[Checked]):
        external_ids = list(dict.fromkeys(item.data.customer.external_id for item in items))
        rows = Customer.objects.select_for_update().filter(external_id__in=external_ids).order_by("pk")
        known = {customer.external_id: customer for customer in rows}
        defaults = {f.name: f.get_default() for f in Customer._meta.concrete_fields if f.name in CONTACT_FIELDS}
        state = {
            key: {name: getattr(known[key], name) for name in CONTACT_FIELDS} if key in known else dict(defaults)
            for key in external_ids
        }
        changed: dict[str, set[str]] = defaultdict(set)
        after: list[dict[str, Any]] = []
        met = set(known)
        for item in items:
            key = item.data.customer.external_id
            current = state[key]
            # The first item of a new customer creates it; later items meet a known customer, as one by one.
            split = contact_split(
                current if key in met else None,
                {name: getattr(item.data.customer, name) for name in CONTACT_FIELDS},
                may_change=item.data.may_change_contact,
            )
            met.add(key)
            if split.write:
                current.update(split.write)
                changed[key].update(split.write)
            after.append(
                {"language": current["language"], "segment": current["segment"], "kept_aside": split.kept_aside}
            )
        self._update_known(known, state, changed)
        new = [key for key in external_ids if key not in known]
        pks = {key: customer.pk for key, customer in known.items()}
        pks.update(self._create(new, state))
        self.seen = [
            _Seen(pk=pks[key], known=key in known, **values)
            for key, values in zip((item.data.customer.external_id for item in items), after, strict=True)
        ]

    @staticmethod
    def _update_known(
        known: dict[str, Customer], state: dict[str, dict[str, Any]], changed: dict[str, set[str]]
    ) -> None:
        now = timezone.now()
        updated, names = [], set()
        for key, fields in changed.items():
            customer = known.get(key)
            if customer is None:
                continue
            for name in fields:
                setattr(customer, name, state[key][name])
            customer.updated_at = now  # bulk_update does not touch auto_now fields itself
            updated.append(customer)
            names |= fields
        if updated:
            Customer.objects.bulk_update(updated, [*sorted(names), "updated_at"])

    @staticmethod
    def _create(new: list[str], state: dict[str, dict[str, Any]]) -> dict[str, int]:
        """New customers in one insert; one created meanwhile by another request raises IntegrityError."""
        if not new:
            return {}
        pks = allocate_ids(Customer, len(new))
        insert_rows(Customer, [{"id": pk, "external_id": key, **state[key]} for key, pk in zip(new, pks, strict=True)])
        return dict(zip(new, pks, strict=True))


# --- Verdicts -----------------------------------------------------------------------------------------------------


def _verdicts(items: list[Checked], customers: _Customers) -> list[Verdict]:
    """`judge` for each item in turn; `repeat_within_days` counts earlier feedback, earlier items included."""
    rules = intake_rules()
    windows = repeat_windows(rules)
    earlier = _earlier_feedback(items, customers, windows) if windows else {}
    verdicts = []
    for item, seen in zip(items, customers.seen, strict=True):
        data = item.data
        contacts = {}
        if windows:
            times = earlier.setdefault(seen.pk, [])
            contacts = {days: _count_since(times, data.occurred_at - timedelta(days=days)) for days in windows}
            times.insert(bisect_left(times, data.occurred_at), data.occurred_at)
        verdicts.append(
            decide(
                rules,
                kind=data.kind,
                channel=data.channel,
                scores=data.scores,
                text=data.text,
                segment=seen.segment,
                attributes=item.interaction.attributes if item.interaction else {},
                contacts_within=contacts,
            )
        )
    return verdicts


def _earlier_feedback(items: list[Checked], customers: _Customers, windows: set[int]) -> dict[int, list[datetime]]:
    """When each known customer's stored feedback happened, as far back as the widest window reaches (sorted)."""
    known = {seen.pk for seen in customers.seen if seen.known}
    if not known:
        return {}
    since = min(item.data.occurred_at for item in items) - timedelta(days=max(windows))
    times: dict[int, list[datetime]] = defaultdict(list)
    stored = Feedback.objects.filter(customer_id__in=known, occurred_at__gte=since).order_by("occurred_at")
    for customer_id, occurred_at in stored.values_list("customer_id", "occurred_at"):
        times[customer_id].append(occurred_at)
    return dict(times)


def _count_since(times: list[datetime], since: datetime) -> int:
    return len(times) - bisect_left(times, since)


# --- Feedback, cases and tasks ------------------------------------------------------------------------------------


class _Writer:
    """Feedback that opens no case in one insert; the failures through `cases_open_or_attach_many`, in item order."""

    def __init__(self, items: list[Checked], customers: _Customers, verdicts: list[Verdict]):
        self.items, self.seen, self.verdicts = items, customers.seen, verdicts

    def write(self) -> list[Stored]:
        rows = [
            self._row(item, seen, verdict)
            for item, seen, verdict in zip(self.items, self.seen, self.verdicts, strict=True)
        ]
        plain = [row for row, verdict in zip(rows, self.verdicts, strict=True) if not verdict.negative]
        for row, pk in zip(plain, allocate_ids(Feedback, len(plain)), strict=True):
            row["id"] = pk
        insert_rows(Feedback, plain)  # first: on SQLite the ids allocated are the ones after the current maximum
        failures = [
            Failure(
                feedback=Feedback(
                    location=item.location,
                    interaction=item.interaction,
                    **{name: value for name, value in row.items() if name not in ("location_id", "interaction_id")},
                ),
                severity=verdict.severity,
                category=verdict.category,
                team=verdict.team,
            )
            for item, row, verdict in zip(self.items, rows, self.verdicts, strict=True)
            if verdict.negative
        ]
        # The cases app decides how failures open or join cases (the customers are locked already).
        cases = iter(cases_open_or_attach_many(failures))
        feedback = iter(failure.feedback for failure in failures)
        stored: list[Stored] = []
        for row, verdict in zip(rows, self.verdicts, strict=True):
            if verdict.negative:
                row["id"] = next(feedback).pk
                stored.append(Stored(feedback_id=row["id"], case=_ref(next(cases))))
            else:
                stored.append(Stored(feedback_id=row["id"], case=None))
        # What `feedback_submit` queues for every item with text: the text model's reading.
        enqueue_many((analyse_feedback_task, row["id"]) for row in rows if row["text"].strip())
        return stored

    @staticmethod
    def _row(item: Checked, seen: _Seen, verdict: Verdict) -> dict[str, Any]:
        data = item.data
        attributes = with_contact_given(data.attributes, seen.kept_aside)
        if verdict.tags:
            attributes["tags"] = list(verdict.tags)
        if verdict.rule:
            attributes["rule"] = verdict.rule
        return {
            "customer_id": seen.pk,
            "location_id": item.location.pk,
            "interaction_id": item.interaction.pk if item.interaction else None,
            "channel": data.channel,
            "kind": data.kind,
            "csat": data.scores.csat,
            "nps": data.scores.nps,
            "ces": data.scores.ces,
            "repurchase": data.scores.repurchase,
            "text": data.text,
            "language": data.language or seen.language,
            "is_negative": verdict.negative,
            "occurred_at": data.occurred_at,
            "source": data.source,
            "external_ref": data.external_ref,
            "attributes": attributes,
        }


def _ref(case: Case) -> CaseRef:
    return CaseRef(pk=case.pk, status=str(case.status), first_response_due_at=case.first_response_due_at)
