"""One email in: ignore machines, refuse what is already stored, join its thread, store it as a complaint."""

import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from amends.cases.models import CaseMessage
from amends.core.enums import Language
from amends.customers.services import CustomerData, customer_upsert
from amends.intake.detection import Scores
from amends.intake.enums import Channel, FeedbackKind
from amends.intake.models import Feedback, FeedbackAttachment
from amends.intake.services import (
    AttachmentInput,
    FeedbackInput,
    customer_id_for_email,
    feedback_attach,
    feedback_submit,
)

from .parsing import ParsedEmail, parse_email

logger = logging.getLogger(__name__)

MAX_TEXT_LENGTH = 20_000


class EmailStatus(StrEnum):
    STORED = "stored"  # new feedback, on a new case or on the customer's (or the thread's) open case
    DUPLICATE = "duplicate"  # this Message-ID was stored before: nothing stored
    IGNORED_AUTOMATIC = "ignored_automatic"  # an auto-reply or a bounce: nothing stored
    REJECTED = "rejected"  # no sender address to answer: nothing stored


@dataclass(frozen=True)
class EmailOutcome:
    status: EmailStatus
    message_id: str
    feedback_id: int | None = None
    case_id: int | None = None
    thread_case_id: int | None = None  # the case of the message this one answers, when it answers a stored one
    reason: str = ""  # why it was ignored or rejected


def email_receive(
    raw: bytes, *, mailbox_location_code: str, source: str = "email", mailbox_name: str = ""
) -> EmailOutcome:
    """Store one raw message as a complaint (with its attachments) unless a machine wrote it or it is stored already.

    A reply (In-Reply-To or References naming a stored message) is stored for the customer of the message it
    answers, whatever address it came from, so it joins that customer's open case. When that case is already
    resolved, the reply reopens it within its reopen window, and opens a new case linked to it after the window.
    """
    message = parse_email(raw)
    if message.automatic:
        logger.info("email %s ignored: %s", message.message_id, message.automatic)
        return EmailOutcome(EmailStatus.IGNORED_AUTOMATIC, message.message_id, reason=message.automatic)
    if not message.sender_address:
        logger.warning("email %s rejected: no sender address", message.message_id)
        return EmailOutcome(EmailStatus.REJECTED, message.message_id, reason="no sender address")
    files: list[FeedbackAttachment] = []
    try:
        with transaction.atomic():
            return _store(message, files, location_code=mailbox_location_code, source=source, mailbox=mailbox_name)
    except IntegrityError:
        _delete_files(files)
        # Another worker stored the same message between our check and our insert.
        if Feedback.objects.filter(source=source, external_ref=message.message_id).exists():
            return EmailOutcome(EmailStatus.DUPLICATE, message.message_id)
        raise
    except BaseException:
        _delete_files(files)  # the rows are rolled back: their files must not linger in storage
        raise


def _delete_files(files: list[FeedbackAttachment]) -> None:
    for attachment in files:
        attachment.file.delete(save=False)


def _store(
    message: ParsedEmail, files: list[FeedbackAttachment], *, location_code: str, source: str, mailbox: str
) -> EmailOutcome:
    thread = _answered_feedback(message, source)
    customer = _customer_data(message, thread)
    # Two workers holding the same message wait here, one after the other: the second then sees it stored.
    # An email is the customer speaking (anyone can write any name): known contact details are never overwritten.
    customer_upsert(customer, may_change=False, lock=True)
    if Feedback.objects.filter(source=source, external_ref=message.message_id).exists():
        return EmailOutcome(EmailStatus.DUPLICATE, message.message_id)
    feedback, case = feedback_submit(
        FeedbackInput(
            customer=customer,
            location_code=location_code,
            channel=Channel.EMAIL,
            kind=FeedbackKind.COMPLAINT,
            scores=Scores(),
            text=_text(message),
            occurred_at=message.occurred_at,
            language=message.language if message.language in Language.values else None,
            source=source,
            external_ref=message.message_id,
            attributes=_attributes(message, mailbox, thread),
            reply_to_case_id=thread.case_id if thread is not None else None,
        )
    )
    for attachment in message.attachments:
        upload = AttachmentInput(
            name=attachment.name,
            content=ContentFile(attachment.content),
            content_type=attachment.content_type[:100],
            size=len(attachment.content),
        )
        files.append(feedback_attach(feedback=feedback, upload=upload))
    thread_case_id = thread.case_id if thread is not None else None
    return EmailOutcome(
        EmailStatus.STORED, message.message_id, feedback.pk, case.pk if case else None, thread_case_id=thread_case_id
    )


def _answered_feedback(message: ParsedEmail, source: str) -> Feedback | None:
    """The stored message this one answers, the closest in the thread first; an answer to our own message from a
    case stands for that case's first feedback."""
    refs = message.thread_refs
    if not refs:
        return None
    known = {
        feedback.external_ref: feedback
        for feedback in Feedback.objects.select_related("customer").filter(source=source, external_ref__in=refs)
    }
    ours = dict(CaseMessage.objects.filter(message_id__in=refs).values_list("message_id", "case_id"))
    for ref in refs:
        if ref in known:
            return known[ref]
        if ref in ours:
            first = Feedback.objects.select_related("customer").filter(case_id=ours[ref]).order_by("id").first()
            if first is not None:
                return first
    return None


def _customer_data(message: ParsedEmail, thread: Feedback | None) -> CustomerData:
    external_id = customer_id_for_email(message.sender_address)  # the same customer as on the web form
    if thread is not None and thread.customer.external_id != external_id:
        # Someone else answered in the thread (or the customer from another address): the case stays one case.
        # Only the external id is given, so the thread's customer keeps their name and address.
        return CustomerData(external_id=thread.customer.external_id)
    return CustomerData(
        external_id=external_id,
        name=message.sender_name[:200] or None,
        email=message.sender_address.lower()[:254],
        language=message.language if message.language in Language.values else None,
    )


def _text(message: ParsedEmail) -> str:
    text = "\n\n".join(part for part in (message.subject, message.body) if part)
    return text[:MAX_TEXT_LENGTH]


def _attributes(message: ParsedEmail, mailbox_name: str, thread: Feedback | None) -> dict:
    attributes: dict[str, Any] = {
        "subject": message.subject,
        "message_id": message.message_id,
        "in_reply_to": message.in_reply_to,
        "references": list(message.references),
        "mailbox": mailbox_name,
        "from": message.sender_address,
    }
    if thread is not None:
        attributes["answers_feedback"] = thread.pk
    if message.skipped_attachments:
        attributes["skipped_attachments"] = list(message.skipped_attachments)
    return attributes
