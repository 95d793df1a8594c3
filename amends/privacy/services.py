"""Erasing a customer (an admin's decision, or the retention setting), with its audit record."""

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from amends.cases.enums import OPEN_STATUSES, EventKind
from amends.cases.models import Case, CaseEvent
from amends.cases.services import log_case_event
from amends.compensation.models import LedgerEntry
from amends.core.errors import DomainError, ErrorCode, Forbidden
from amends.core.models import User
from amends.customers.models import Customer, Interaction
from amends.intake.models import Feedback

from .anonymise import Identity, months_before, pseudonym
from .enums import RETENTION_REASON, ErasureVia
from .erasure import Subject, erase_rows
from .models import ErasureRecord
from .selectors import may_manage_privacy

logger = logging.getLogger(__name__)

MAX_REASON_LENGTH = 500
RETENTION_BATCH = 200  # customers per task run; a full batch asks the sweeper for another run at once


def clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(ErrorCode.MISSING_FIELD, _("Say why the personal data is erased."), field="reason",
                          status=422)  # fmt: skip
    if len(reason) > MAX_REASON_LENGTH:
        raise DomainError(ErrorCode.TOO_LONG, _("The reason is longer than %(max)s characters.")
                          % {"max": MAX_REASON_LENGTH}, field="reason", status=422)  # fmt: skip
    if any(ord(char) < 32 and char not in "\n\t" for char in reason):
        raise DomainError(ErrorCode.INVALID_VALUE, _("The reason contains control characters."), field="reason",
                          status=422)  # fmt: skip
    return reason


def customer_erase(*, customer: Customer, by: User | None, reason: str, via: ErasureVia) -> ErasureRecord:
    """Anonymise everything stored about the customer in one transaction and write the audit record and a
    "Personal data erased" event on each of their cases. Erasing an erased customer again is harmless: it
    anonymises what arrived since (a reply in an old thread) and is recorded again."""
    if by is not None and not may_manage_privacy(by):
        raise Forbidden(_("Only admins export or erase a customer's personal data."))
    reason = clean_reason(reason)
    with transaction.atomic():
        record = _erase_locked(customer.pk, by=by, reason=reason, via=via)
    assert record is not None
    return record


def _erase_locked(
    customer_id: int, *, by: User | None, reason: str, via: ErasureVia, unless_active_since: datetime | None = None
) -> ErasureRecord | None:
    # Locked like intake locks a customer: a complaint arriving meanwhile waits, then finds the pseudonym.
    customer = Customer.objects.select_for_update().get(pk=customer_id)
    retention = unless_active_since
    if retention is not None and not retention_candidates(retention).filter(pk=customer_id).exists():
        return None  # active again, or erased by another sweeper a moment ago
    identity = Identity.of(name=customer.name, email=customer.email, phone=customer.phone,
                           external_id=customer.external_id)  # fmt: skip
    counts = erase_rows(Subject(customer, identity))
    record = ErasureRecord.objects.create(
        customer=customer, pseudonym=pseudonym(customer.pk), erased_by=by, via=via, reason=reason, counts=counts,
        erased_at=timezone.now(),
    )  # fmt: skip
    for case in Case.objects.filter(customer_id=customer_id).order_by("pk"):
        log_case_event(case=case, kind=EventKind.PERSONAL_DATA_ERASED, actor=by, data={"erasure_id": record.pk})
    logger.info("customer %s erased (%s): %s", record.pseudonym, via, counts)
    return record


def retention_cutoff(now: datetime | None = None) -> datetime | None:
    """Customers with no activity since this moment are erased; None when retention is off."""
    months = settings.AMENDS_RETENTION_MONTHS
    return months_before(now or timezone.now(), months) if months > 0 else None


def retention_candidates(cutoff: datetime) -> QuerySet[Customer]:
    """Customers with no interaction, feedback, case change or ledger entry since `cutoff`, no open case, and not
    already erased since their last activity."""
    them = OuterRef("pk")
    active = (
        Q(created_at__gt=cutoff)
        | Exists(Interaction.objects.filter(Q(occurred_at__gt=cutoff) | Q(created_at__gt=cutoff), customer=them))
        | Exists(Feedback.objects.filter(Q(occurred_at__gt=cutoff) | Q(received_at__gt=cutoff), customer=them))
        | Exists(Case.objects.filter(Q(created_at__gt=cutoff) | Q(updated_at__gt=cutoff), customer=them))
        | Exists(CaseEvent.objects.filter(case__customer=them, created_at__gt=cutoff))
        | Exists(LedgerEntry.objects.filter(customer=them, created_at__gt=cutoff))
        | Exists(Case.objects.filter(customer=them, status__in=OPEN_STATUSES))
    )
    last_erased = ErasureRecord.objects.filter(customer=them).order_by("-erased_at").values("erased_at")[:1]
    arrived_since = OuterRef("last_erased")
    new_since_erasure = Exists(Feedback.objects.filter(customer=them, received_at__gt=arrived_since)) | Exists(
        Interaction.objects.filter(customer=them, created_at__gt=arrived_since)
    )
    return (
        Customer.objects.annotate(last_erased=Subquery(last_erased))
        .exclude(active)
        .filter(Q(last_erased__isnull=True) | new_since_erasure)
    )


def retention_erase(*, now: datetime | None = None, limit: int = RETENTION_BATCH) -> int:
    """Erase up to `limit` customers inactive for AMENDS_RETENTION_MONTHS, each in its own transaction (an
    interrupted run keeps what it did); returns how many. Each is checked again under its lock, so two sweepers
    never erase one customer twice and a customer who came back meanwhile is spared."""
    cutoff = retention_cutoff(now)
    if cutoff is None:
        return 0
    erased = 0
    for customer_id in retention_candidates(cutoff).order_by("pk").values_list("pk", flat=True)[:limit]:
        with transaction.atomic():
            record = _erase_locked(customer_id, by=None, reason=RETENTION_REASON, via=ErasureVia.RETENTION,
                                   unless_active_since=cutoff)  # fmt: skip
        erased += record is not None
    return erased
