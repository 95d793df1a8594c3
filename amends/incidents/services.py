"""Declaring an incident, announcing it to its cohort, updates, and attaching the complaints that follow."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import islice

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from amends.cases.enums import EventKind
from amends.cases.models import Case
from amends.cases.services import log_case_event
from amends.compensation import limits
from amends.compensation.models import CatalogueItem, LedgerEntry
from amends.compensation.selectors import authority_of, spent_by
from amends.compensation.services import fulfilment_of, spending_lock
from amends.compensation.wording import money_text
from amends.core.enums import Language
from amends.core.errors import DomainError, ErrorCode, Forbidden
from amends.core.models import Location, User
from amends.core.tasks import enqueue_with_transaction
from amends.customers.models import Customer

from .enums import IncidentStatus, NoticeStatus, UpdateKind
from .models import Incident, IncidentCase, IncidentMember, IncidentNotice, IncidentUpdate
from .selectors import GestureCost, cohort_customer_ids, gesture_cost

MAX_TITLE, MAX_MESSAGE, MAX_ATTRIBUTES = 200, 5000, 20
GRANT_BATCH = 2000
ATTACH_DAYS = 30  # a complaint this long after the announcement is still about the incident


@dataclass(frozen=True)
class Cohort:
    location: str | None = None
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None
    attributes: dict[str, str | int | float | bool] = field(default_factory=dict)


def _require_supervisor(by: User) -> None:
    if not by.supervises:
        raise Forbidden(_("Only supervisors and admins announce incidents."))


def _checked_messages(messages: dict[str, str], field_name: str) -> dict[str, str]:
    if not messages:
        raise DomainError(ErrorCode.MISSING_FIELD, _("Write the message in at least one language."), field=field_name)
    checked = {}
    for language, text in messages.items():
        if language not in Language.values:
            raise DomainError(
                ErrorCode.INVALID_VALUE, _("Choose one of the supported languages."), field=f"{field_name}.{language}"
            )
        text = text.strip()
        if not text:
            raise DomainError(ErrorCode.MISSING_FIELD, _("The message is empty."), field=f"{field_name}.{language}")
        if len(text) > MAX_MESSAGE:
            raise DomainError(ErrorCode.TOO_LONG, _("The message is too long."), field=f"{field_name}.{language}")
        checked[language] = text
    return checked


def _check_gesture(gesture: CatalogueItem, location: Location | None, *, recipients: int, by: User) -> None:
    """A gesture for every affected customer comes from the catalogue and stays within the announcer's authority:
    per case for each customer, per day and month for all of them together."""
    if gesture.location_id is not None and gesture.location_id != (location.pk if location else None):
        raise DomainError(ErrorCode.INVALID_VALUE, _("This gesture is not offered at the incident's location."),
                          field="gesture")  # fmt: skip
    spent = spent_by(by, case=None, currency=gesture.currency)
    check = limits.check_cohort(gesture.default_amount, recipients, gesture.currency, authority_of(by), spent)
    if not check.within:
        message = _("%(amount)s %(currency)s for %(count)s customers is beyond your spending authority (%(limits)s).")
        raise DomainError(ErrorCode.OVER_LIMIT, message % {
            "amount": gesture.default_amount, "currency": gesture.currency, "count": recipients,
            "limits": ", ".join(check.exceeded),
        }, field="gesture", status=422)  # fmt: skip


def incident_create(
    *, title: str, cohort: Cohort, messages: dict[str, str], by: User, gesture: CatalogueItem | None = None
) -> Incident:
    """A draft incident: nothing is sent until it is announced, after a preview."""
    _require_supervisor(by)
    title = title.strip()
    if not title:
        raise DomainError(ErrorCode.MISSING_FIELD, _("Give the incident a title."), field="title")
    if len(title) > MAX_TITLE:
        raise DomainError(ErrorCode.TOO_LONG, _("The title is too long."), field="title")
    location = None
    if cohort.location:
        location = Location.objects.filter(code=cohort.location).first()
        if location is None:
            raise DomainError(ErrorCode.UNKNOWN_LOCATION, _("There is no location with this code."),
                              field="cohort.location")  # fmt: skip
    if cohort.occurred_from and cohort.occurred_to and cohort.occurred_from >= cohort.occurred_to:
        raise DomainError(ErrorCode.INVALID_VALUE, _("The start must be before the end."), field="cohort.to")
    if len(cohort.attributes) > MAX_ATTRIBUTES or not all(
        key.isidentifier() for key in cohort.attributes
    ):  # keys become JSON paths: letters, digits and _
        raise DomainError(ErrorCode.INVALID_VALUE, _("Attribute names are letters, digits and _."),
                          field="cohort.attributes")  # fmt: skip
    if not (location or cohort.occurred_from or cohort.occurred_to or cohort.attributes):
        raise DomainError(ErrorCode.MISSING_FIELD, _("Narrow the cohort: a location, dates or attributes."),
                          field="cohort")  # fmt: skip
    if gesture is not None:
        _check_gesture(gesture, location, recipients=1, by=by)
    return Incident.objects.create(
        title=title,
        location=location,
        occurred_from=cohort.occurred_from,
        occurred_to=cohort.occurred_to,
        attributes=dict(cohort.attributes),
        messages=_checked_messages(messages, "message"),
        gesture=gesture,
        created_by=by,
    )


@transaction.atomic
def incident_announce(
    *, incident: Incident, by: User, confirm_total: Decimal | None = None, include_without_email: bool = False
) -> IncidentUpdate:
    """Fix the cohort and queue the first notice to every affected customer, in a few statements whatever the
    cohort's size; the worker sends it in batches. Announcing again returns the first notice.

    A gesture goes to the customers who can be told (an email address), or with `include_without_email` to every
    member; it stays within the announcer's authority, and when it costs anything, `confirm_total` must name what
    it costs (count x amount, as the preview showed), so nobody gives away a sum they did not see."""
    _require_supervisor(by)
    incident = (
        Incident.objects.select_for_update(of=("self",)).select_related("gesture", "location").get(pk=incident.pk)
    )
    if incident.status != IncidentStatus.DRAFT:
        return incident.updates.get(kind=UpdateKind.NOTICE)
    ids_sql, ids_params = cohort_customer_ids(incident).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {IncidentMember._meta.db_table} (incident_id, customer_id) "
            f"SELECT %s, cohort.customer_id FROM ({ids_sql}) cohort",
            [incident.pk, *ids_params],
        )
    if incident.gesture is not None:  # a refusal rolls the members back: the incident stays a draft
        receivers = _gesture_receivers(incident, include_without_email)
        count = receivers.count()
        spending_lock(by)
        _check_gesture(incident.gesture, incident.location, recipients=count, by=by)
        _check_confirmed(gesture_cost(incident.gesture, count), confirm_total)
        _grant_gesture(incident, incident.gesture, receivers, by)
    incident.status, incident.announced_at = IncidentStatus.ANNOUNCED, timezone.now()
    incident.save(update_fields=["status", "announced_at"])
    return _queue(incident, UpdateKind.NOTICE, incident.messages, by)


def _gesture_receivers(incident: Incident, include_without_email: bool) -> QuerySet[IncidentMember]:
    """Who gets the gesture: the members we can tell (a voucher nobody hears of helps nobody), or all of them."""
    members = IncidentMember.objects.filter(incident=incident)
    return members if include_without_email else members.exclude(customer__email="")


def _check_confirmed(cost: GestureCost, confirm_total: Decimal | None) -> None:
    if cost.total <= 0 or confirm_total == cost.total:
        return
    values = {"count": cost.recipients, "amount": money_text(cost.amount, cost.currency),
              "total": money_text(cost.total, cost.currency), "confirm": f"{cost.total:.2f}"}  # fmt: skip
    if confirm_total is None:
        message = _("This gives %(count)s × %(amount)s = %(total)s. Confirm the total (%(confirm)s) to send.")  # noqa: RUF001
    else:
        message = _("The gesture now costs %(count)s × %(amount)s = %(total)s, not what you confirmed. "  # noqa: RUF001
                    "Check the preview, then confirm %(confirm)s.")  # fmt: skip
    raise DomainError(ErrorCode.CONFIRMATION_REQUIRED, message % values, field="confirm_total", status=422)


def _grant_gesture(incident: Incident, gesture: CatalogueItem, receivers: QuerySet[IncidentMember], by: User) -> None:
    """Every receiver gets the gesture on the ledger (a voucher with its own code), before any notice is sent:
    the notice can then tell them the code."""
    now = timezone.now()
    members = receivers.values_list("customer_id", flat=True)
    entries = (
        LedgerEntry(
            incident=incident, customer_id=customer_id, type=gesture.type, amount=gesture.default_amount,
            currency=gesture.currency, location=incident.location, offered_by=by, approved_by=None,
            note=incident.title[:300], **fulfilment_of(gesture.type, now, gesture.validity_days),
        )
        for customer_id in members.order_by("customer_id").iterator(chunk_size=GRANT_BATCH)
    )  # fmt: skip
    while batch := list(islice(entries, GRANT_BATCH)):
        LedgerEntry.objects.bulk_create(batch)


@transaction.atomic
def incident_post_update(*, incident: Incident, messages: dict[str, str], resolved: bool, by: User) -> IncidentUpdate:
    """A status update, or the resolution notice, to the same customers as the first notice."""
    _require_supervisor(by)
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if incident.status != IncidentStatus.ANNOUNCED:
        message = (
            _("Announce the incident first.")
            if incident.status == IncidentStatus.DRAFT
            else _("This incident is resolved.")
        )
        raise DomainError(ErrorCode.INVALID_TRANSITION, message, field="status", status=409)
    checked = _checked_messages(messages, "message")
    if resolved:
        incident.status, incident.resolved_at = IncidentStatus.RESOLVED, timezone.now()
        incident.save(update_fields=["status", "resolved_at"])
    return _queue(incident, UpdateKind.RESOLUTION if resolved else UpdateKind.UPDATE, checked, by)


def _queue(incident: Incident, kind: UpdateKind, messages: dict[str, str], by: User) -> IncidentUpdate:
    update = IncidentUpdate.objects.create(incident=incident, kind=kind, messages=messages, created_by=by)
    customers = Customer._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {IncidentNotice._meta.db_table} (update_id, customer_id, status, claim, error) "
            f"SELECT %s, m.customer_id, CASE WHEN c.email = '' THEN %s ELSE %s END, '', '' "
            f"FROM {IncidentMember._meta.db_table} m JOIN {customers} c ON c.id = m.customer_id "
            f"WHERE m.incident_id = %s",
            [update.pk, NoticeStatus.NO_ADDRESS.value, NoticeStatus.QUEUED.value, incident.pk],
        )
        update.recipients = cursor.rowcount
    update.save(update_fields=["recipients"])
    from .tasks import incident_send_task

    enqueue_with_transaction(incident_send_task, update.pk)
    return update


def notices_claim(update_id: int, *, size: int) -> list[IncidentNotice]:
    """Take a batch of queued notices for this worker, committed before anything is sent: a worker that dies
    mid-batch leaves its rows claimed, and they are never sent again (nobody gets a message twice)."""
    claim = uuid.uuid4().hex
    with transaction.atomic():
        queued = IncidentNotice.objects.filter(update_id=update_id, status=NoticeStatus.QUEUED).order_by("pk")
        ids = list(queued.values_list("pk", flat=True)[:size])
        IncidentNotice.objects.filter(pk__in=ids, status=NoticeStatus.QUEUED).update(
            status=NoticeStatus.SENDING, claim=claim
        )
    return list(IncidentNotice.objects.filter(claim=claim).select_related("customer").order_by("pk"))


def incident_cases_attach(case: Case) -> list[IncidentCase]:
    """A customer of an announced incident who opens a case anyway: the case is attached to the incident."""
    since = timezone.now() - timedelta(days=ATTACH_DAYS)
    incidents = Incident.objects.filter(
        members__customer_id=case.customer_id, announced_at__isnull=False, announced_at__lte=case.created_at,
        announced_at__gte=since,
    )  # fmt: skip
    attached = []
    for incident in incidents:
        link, created = IncidentCase.objects.get_or_create(incident=incident, case=case)
        if created:
            log_case_event(case=case, kind=EventKind.INCIDENT_LINKED,
                           data={"incident_id": incident.pk, "title": incident.title})  # fmt: skip
            attached.append(link)
    return attached
