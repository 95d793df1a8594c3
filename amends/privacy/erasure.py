"""Erasing one customer's personal data, app by app, inside the caller's transaction.

Erased: the customer's contact details and external id (a pseudonym replaces it), every free text they wrote or
that staff wrote about them (feedback, emails to them, notes, resolutions, reasons, comments, task notes), the
contact details and free text inside channel attributes, their attachments (rows now, files after commit), the
label corrections that would teach the text model from their words, and stored API answers that name them.
Kept: every number, status, category, date and link — scores, the text model's readings (no text in them), case
timings, the ledger's amounts, types and dates — so that the analytics and the ledger tell the same story.
Each step returns how many rows it anonymised, for the audit record.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast

from amends.cases.enums import EventKind, MessageStatus
from amends.cases.models import Case, CaseEvent, CaseMessage
from amends.compensation.models import Alternative, LedgerEntry, Offer, OfferDecision
from amends.core.models import IdempotencyRecord
from amends.customers.models import Customer, Interaction
from amends.followups.models import CaseTask, FollowUp
from amends.incidents.models import IncidentNotice
from amends.intake.models import Feedback, FeedbackAttachment, ImportRun
from amends.notifications.models import Notification, OutgoingEmail
from amends.textsense.models import LabelCorrection

from .anonymise import ERASED, Identity, erase_text, pseudonym, scrub_fields, scrub_json, scrub_text

BATCH = 500

# Which keys of a case event's data are free text a person wrote (see EventKind). Every kind is listed, so that a
# new kind cannot slip past the erasure without a decision (tests/test_privacy.py checks it).
EVENT_FREE_TEXT: dict[str, tuple[str, ...]] = {
    EventKind.OPENED: (),
    EventKind.FEEDBACK_ADDED: (),
    EventKind.OWNER_ASSIGNED: (),
    EventKind.STATUS_CHANGED: (),
    EventKind.SEVERITY_RAISED: (),
    EventKind.NOTE_ADDED: ("body",),
    EventKind.RESOLVED: ("resolution",),
    EventKind.ALERT_SENT: (),
    EventKind.TRANSFERRED: ("reason",),
    EventKind.REOPENED: ("reason",),
    EventKind.CLOSED: (),
    EventKind.LINKED: (),
    EventKind.MERGED: (),
    EventKind.CUSTOMER_REPLIED: (),
    EventKind.SLA_PAUSED: (),
    EventKind.SLA_RESUMED: (),
    EventKind.SLA_WARNING: (),
    EventKind.SLA_BREACHED: (),
    EventKind.REQUEUED: (),
    EventKind.PLAYBOOK_STEP: (),
    EventKind.OVERRIDE: ("reason",),
    EventKind.MESSAGE_SENT: ("subject",),
    EventKind.OFFER_MADE: (),
    EventKind.APPROVAL_REQUESTED: (),
    EventKind.OFFER_DECIDED: ("comment",),
    EventKind.GESTURE_CHOSEN: (),
    EventKind.GESTURE_CORRECTED: ("note",),
    EventKind.OFFER_EXPIRED: (),
    EventKind.INCIDENT_LINKED: (),
    EventKind.FOLLOW_UP_SCHEDULED: (),
    EventKind.FOLLOW_UP_SENT: ("to",),
    EventKind.FOLLOW_UP_ANSWERED: ("comment",),
    EventKind.FOLLOW_UP_UNANSWERED: (),
    EventKind.TASK_SCHEDULED: ("note",),
    EventKind.TASK_DONE: ("note",),
    EventKind.PERSONAL_DATA_ERASED: (),
    EventKind.MESSAGE_FAILED: ("subject", "reason"),
}


@dataclass(frozen=True)
class Subject:
    """The customer being erased, as they were named before."""

    customer: Customer
    identity: Identity

    @property
    def cases(self) -> models.QuerySet[Case]:
        return Case.objects.filter(customer=self.customer)


def erase_rows(subject: Subject) -> dict[str, int]:
    """Every step, in an order that keeps the names needed by later steps until the end (the customer last)."""
    steps: list[tuple[str, Callable[[Subject], int]]] = [
        ("interactions", _interactions),
        ("feedback", _feedback),
        ("attachments", _attachments),
        ("label_corrections", _label_corrections),
        ("cases", _cases),
        ("case_events", _case_events),
        ("messages", _messages),
        ("offers", _offers),
        ("ledger_notes", _ledger_notes),
        ("tasks", _tasks),
        ("follow_ups", _follow_ups),
        ("incident_notices", _incident_notices),
        ("notifications", _notifications),
        ("outbox", _outbox),
        ("stored_api_answers", _idempotency_records),
        ("import_rejections", _import_rejections),
        ("customer", _customer),
        ("back_office_log", _back_office_log),
    ]
    return {name: step(subject) for name, step in steps}


def _interactions(subject: Subject) -> int:
    rows = list(Interaction.objects.filter(customer=subject.customer).only("id", "external_id", "attributes"))
    for row in rows:
        # An order or booking number leads back to the person in the business's own systems.
        row.external_id = f"{pseudonym(subject.customer.pk)}-{row.pk}"
        row.attributes = scrub_json(row.attributes, subject.identity)
    Interaction.objects.bulk_update(rows, ["external_id", "attributes"], batch_size=BATCH)
    return len(rows)


def _feedback(subject: Subject) -> int:
    rows = list(Feedback.objects.filter(customer=subject.customer).only("id", "text", "attributes", "external_ref"))
    for row in rows:
        row.text = erase_text(row.text)
        row.attributes = scrub_json(row.attributes, subject.identity)
        # A channel's own reference (a Message-ID, a webhook event) stays, so the same message arriving again is
        # still known and not stored anew; unless it names the customer.
        if subject.identity.named_in(row.external_ref):
            row.external_ref = f"{pseudonym(subject.customer.pk)}-{row.pk}"
    Feedback.objects.bulk_update(rows, ["text", "attributes", "external_ref"], batch_size=BATCH)
    return len(rows)


def _attachments(subject: Subject) -> int:
    attachments = FeedbackAttachment.objects.filter(feedback__customer=subject.customer)
    names = [name for name in attachments.values_list("file", flat=True) if name]
    storage = FeedbackAttachment._meta.get_field("file").storage
    deleted, _by_model = attachments.delete()

    def delete_files() -> None:
        for name in names:
            storage.delete(name)

    # The files go once the rows are gone for good: a rolled-back erasure keeps both.
    transaction.on_commit(delete_files)
    return deleted


def _label_corrections(subject: Subject) -> int:
    # The text model learns from the corrected text; that text is gone, so the lesson goes too.
    deleted, _by_model = LabelCorrection.objects.filter(feedback__customer=subject.customer).delete()
    return deleted


def _cases(subject: Subject) -> int:
    count = subject.cases.count()
    subject.cases.exclude(summary="").update(summary=ERASED)
    subject.cases.exclude(resolution="").update(resolution=ERASED)
    return count


def _case_events(subject: Subject) -> int:
    changed = []
    for event in CaseEvent.objects.filter(case__customer=subject.customer).only("id", "kind", "data").iterator():
        data = scrub_fields(event.data, subject.identity, free_text=EVENT_FREE_TEXT.get(event.kind, ()))
        if data != event.data:
            event.data = data
            changed.append(event)
    CaseEvent.objects.bulk_update(changed, ["data"], batch_size=BATCH)
    return len(changed)


def _messages(subject: Subject) -> int:
    messages = CaseMessage.objects.filter(case__customer=subject.customer)
    # Claimed like the worker claims it (a conditional update): a message not sent yet is never sent now.
    messages.filter(status=MessageStatus.QUEUED).update(status=MessageStatus.FAILED, error=ERASED)
    rows = list(messages.only("id", "subject", "body", "to_email", "error"))
    for row in rows:
        row.subject, row.body, row.to_email = erase_text(row.subject), erase_text(row.body), ""
        row.error = scrub_text(row.error, subject.identity)
    CaseMessage.objects.bulk_update(rows, ["subject", "body", "to_email", "error"], batch_size=BATCH)
    return len(rows)


def _offers(subject: Subject) -> int:
    offers = Offer.objects.filter(case__customer=subject.customer)
    count = offers.exclude(reason="").update(reason=ERASED)
    count += Alternative.objects.filter(offer__in=offers).exclude(description="").update(description=ERASED)
    count += OfferDecision.objects.filter(offer__in=offers).exclude(comment="").update(comment=ERASED)
    return count


def _ledger_notes(subject: Subject) -> int:
    # Only the note: amounts, types, dates and links stay as they were (the ledger is never rewritten otherwise).
    theirs = Q(customer=subject.customer) | Q(case__customer=subject.customer)
    return LedgerEntry.objects.filter(theirs).exclude(note="").update(note=ERASED)


def _tasks(subject: Subject) -> int:
    return CaseTask.objects.filter(case__customer=subject.customer).exclude(note="").update(note=ERASED)


def _follow_ups(subject: Subject) -> int:
    theirs = Q(customer=subject.customer) | Q(case__customer=subject.customer)
    return FollowUp.objects.filter(theirs).exclude(comment="").update(comment=ERASED)


def _incident_notices(subject: Subject) -> int:
    rows = list(IncidentNotice.objects.filter(customer=subject.customer).exclude(error="").only("id", "error"))
    for row in rows:
        row.error = scrub_text(row.error, subject.identity)
    IncidentNotice.objects.bulk_update(rows, ["error"], batch_size=BATCH)
    return len(rows)


def _notifications(subject: Subject) -> int:
    """Colleagues' notifications about the customer's cases quote summaries, reasons and comments."""
    rows = list(Notification.objects.filter(case__customer=subject.customer).only("id", "subject", "body"))
    for row in rows:
        row.subject = scrub_text(row.subject, subject.identity, any_address=False)
        row.body = erase_text(row.body)
    Notification.objects.bulk_update(rows, ["subject", "body"], batch_size=BATCH)
    return len(rows)


def _outbox(subject: Subject) -> int:
    """Alert and notification emails to colleagues about the customer's cases, kept in the outbox: they quote the
    same summaries. One still waiting goes out with the erased text."""
    rows = list(OutgoingEmail.objects.filter(case__customer=subject.customer).only("id", "subject", "body", "error"))
    for row in rows:
        row.subject = scrub_text(row.subject, subject.identity, any_address=False)
        row.body = erase_text(row.body)
        row.error = scrub_text(row.error, subject.identity)
    OutgoingEmail.objects.bulk_update(rows, ["subject", "body", "error"], batch_size=BATCH)
    return len(rows)


def _naming(rows: models.QuerySet, field: str, subject: Subject) -> list:
    """Rows whose JSON `field` names the customer: narrowed in the database, then confirmed word by word."""
    values = [value for value in (subject.customer.external_id, subject.customer.email) if value]
    if not values:
        return []
    # Stored JSON may escape non-ASCII characters; look for both spellings.
    spellings = {spelling for value in values for spelling in (value, json.dumps(value)[1:-1])}
    candidates = Q()
    for spelling in spellings:
        candidates |= Q(as_text__icontains=spelling)
    narrowed = rows.annotate(as_text=Cast(field, TextField())).filter(candidates)
    return [row for row in narrowed if subject.identity.named_in(json.dumps(getattr(row, field), ensure_ascii=False))]


def _idempotency_records(subject: Subject) -> int:
    # A retry of an old request after the erasure is then treated as new: better than replaying their data.
    ids = [record.pk for record in _naming(IdempotencyRecord.objects.all(), "response", subject)]
    deleted, _by_model = IdempotencyRecord.objects.filter(pk__in=ids).delete()
    return deleted


def _import_rejections(subject: Subject) -> int:
    runs = _naming(ImportRun.objects.all(), "rejected", subject)
    for run in runs:
        run.rejected = scrub_json(run.rejected, subject.identity)
    ImportRun.objects.bulk_update(runs, ["rejected"])
    return len(runs)


def _customer(subject: Subject) -> int:
    # Language and segment stay: they group the analytics, and name nobody.
    Customer.objects.filter(pk=subject.customer.pk).update(
        external_id=pseudonym(subject.customer.pk), name="", email="", phone=""
    )
    return 1


def _back_office_log(subject: Subject) -> int:
    """The back office's history names each changed object as it was then ("#12 Anna's room was dirty")."""
    theirs: list[tuple[type[models.Model], models.QuerySet]] = [
        (Customer, Customer.objects.filter(pk=subject.customer.pk)),
        (Interaction, Interaction.objects.filter(customer=subject.customer)),
        (Feedback, Feedback.objects.filter(customer=subject.customer)),
        (Case, subject.cases),
        (CaseMessage, CaseMessage.objects.filter(case__customer=subject.customer)),
        (CaseTask, CaseTask.objects.filter(case__customer=subject.customer)),
        (Offer, Offer.objects.filter(case__customer=subject.customer)),
        (FollowUp, FollowUp.objects.filter(customer=subject.customer)),
    ]
    count = 0
    for model, rows in theirs:
        by_id = {str(row.pk): row for row in rows}
        entries = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(model), object_id__in=by_id)
        for entry in entries:
            entry.object_repr = str(by_id[str(entry.object_id)])[:200]
            entry.change_message = scrub_text(entry.change_message, subject.identity)
            entry.save(update_fields=["object_repr", "change_message"])
            count += 1
    return count
