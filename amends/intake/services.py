import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from amends.cases.models import Case
from amends.cases.services import case_open_or_attach
from amends.core.errors import DomainError, ErrorCode
from amends.core.models import User
from amends.core.tasks import enqueue_with_transaction
from amends.customers.models import Interaction
from amends.customers.services import CustomerData, customer_upsert, location_for_intake, with_contact_given

from .detection import Scores
from .enums import Channel, FeedbackKind
from .models import Feedback, FeedbackAttachment
from .verdict import judge


@dataclass(frozen=True)
class FeedbackInput:
    customer: CustomerData
    location_code: str
    channel: str
    kind: str
    scores: Scores
    text: str
    occurred_at: datetime
    interaction_external_id: str | None = None
    language: str | None = None
    # Set by channels that have their own identity for a message (email Message-ID, CSV row, webhook event):
    # the same (source, external_ref) is stored once, however often it arrives.
    source: str = ""
    external_ref: str = ""
    attributes: dict | None = None
    # The case the customer answers (an email thread): reopened within its reopen window, else followed by a new one.
    reply_to_case_id: int | None = None
    # The API caller, who may post only where `may_post_intake_at` allows; None for the system's channels (web form,
    # email, webhook, import), whose location is configured.
    posted_by: User | None = None
    # Whether a known customer's contact details may be changed (`contact_split`): an admin's or integration's
    # post, a signed webhook; not an agent, the web form or email (their differing values are kept aside).
    may_change_contact: bool = False


@transaction.atomic(savepoint=False)
def feedback_submit(data: FeedbackInput) -> tuple[Feedback, Case | None]:
    """Store the feedback; a negative answer opens a recovery case or joins the customer's open one.

    Feedback that a channel already delivered (same source and external_ref) is returned as it was, unchanged.
    """
    if data.external_ref:
        known = (
            Feedback.objects.select_related("case").filter(source=data.source, external_ref=data.external_ref).first()
        )
        if known is not None:
            return known, known.case
    location = location_for_intake(data.location_code, by=data.posted_by)
    interaction = None
    if data.interaction_external_id:
        interaction = Interaction.objects.filter(external_id=data.interaction_external_id).first()
        if interaction is None:
            raise unknown_interaction(data.interaction_external_id)
    # Locked, so that two failures of one customer arriving at once cannot open two cases.
    customer, kept_aside = customer_upsert(data.customer, may_change=data.may_change_contact, lock=True)
    verdict = judge(
        kind=data.kind,
        channel=data.channel,
        scores=data.scores,
        text=data.text,
        customer=customer,
        interaction=interaction,
        occurred_at=data.occurred_at,
    )
    negative = verdict.negative
    attributes = with_contact_given(data.attributes, kept_aside)
    if verdict.tags:
        attributes["tags"] = list(verdict.tags)
    if verdict.rule:
        attributes["rule"] = verdict.rule
    feedback = Feedback(
        customer=customer,
        location=location,
        interaction=interaction,
        channel=data.channel,
        kind=data.kind,
        csat=data.scores.csat,
        nps=data.scores.nps,
        ces=data.scores.ces,
        repurchase=data.scores.repurchase,
        text=data.text,
        language=data.language or customer.language,
        is_negative=negative,
        occurred_at=data.occurred_at,
        source=data.source,
        external_ref=data.external_ref,
        attributes=attributes,
    )
    if not negative:
        feedback.save()
        _read_text_later(feedback)
        return feedback, None
    case = case_open_or_attach(
        feedback=feedback,
        severity=verdict.severity,
        customer_locked=True,
        category=verdict.category,
        team=verdict.team,
        reply_to=Case.objects.filter(pk=data.reply_to_case_id).first() if data.reply_to_case_id else None,
    )
    _read_text_later(feedback)
    return feedback, case


def unknown_interaction(external_id: str) -> DomainError:
    return DomainError(
        ErrorCode.UNKNOWN_INTERACTION,
        _("There is no interaction with the external id %(id)s.") % {"id": external_id},
        field="interaction",
        status=422,
    )


def _read_text_later(feedback: Feedback) -> None:
    """The text model reads free text in the worker, never during intake (textsense)."""
    if feedback.text.strip():
        from amends.textsense.tasks import analyse_feedback_task  # textsense imports intake

        enqueue_with_transaction(analyse_feedback_task, feedback.pk)


# The public web form (channels/webform): a complaint with contact details and perhaps a photo.
WEBFORM_SOURCE = "webform"
MAX_CUSTOMER_ID_LENGTH = 128


@dataclass(frozen=True)
class AttachmentInput:
    name: str  # the file name to store under; chosen by us, never the customer's
    content: File
    content_type: str  # as found in the content, not as the sender claimed
    size: int


@dataclass(frozen=True)
class WebComplaint:
    location_code: str
    text: str
    name: str
    email: str
    language: str
    token: str  # one per rendered form: the same form sent twice is stored once
    phone: str = ""
    csat: int | None = None
    contact_consent: bool = False
    photo: AttachmentInput | None = None


def customer_id_for_email(email: str) -> str:
    """The same address always gives the same customer, so a repeat complainant is recognised."""
    normalised = email.strip().lower()
    external_id = f"email:{normalised}"
    if len(external_id) <= MAX_CUSTOMER_ID_LENGTH:
        return external_id
    return "email-sha256:" + hashlib.sha256(normalised.encode()).hexdigest()


def webform_complaint_submit(complaint: WebComplaint) -> tuple[Feedback, Case | None]:
    """Store a complaint from the public form (it opens a case, or joins the customer's open one) with its photo.

    Sent again with the same token (double click, back button, a retry), the first complaint is returned unchanged.
    """
    stored: list[FeedbackAttachment] = []
    try:
        with transaction.atomic():
            known = _webform_known(complaint.token)
            if known is not None:
                return known, known.case
            feedback, case = feedback_submit(_webform_feedback_input(complaint))
            if complaint.photo is not None:
                stored.append(feedback_attach(feedback=feedback, upload=complaint.photo))
            return feedback, case
    except IntegrityError:
        # The same form sent twice at the same moment: the first one stored decides.
        for attachment in stored:
            attachment.file.delete(save=False)
        known = _webform_known(complaint.token)
        if known is None:
            raise
        return known, known.case
    except BaseException:
        for attachment in stored:
            attachment.file.delete(save=False)
        raise


def _webform_known(token: str) -> Feedback | None:
    return Feedback.objects.select_related("case").filter(source=WEBFORM_SOURCE, external_ref=token).first()


def _webform_feedback_input(complaint: WebComplaint) -> FeedbackInput:
    contact = {"name": complaint.name, "email": complaint.email, "phone": complaint.phone}
    return FeedbackInput(
        # Anyone can type any address into a public form: `contact_split` fills in what we lacked and never
        # overwrites what we know (may_change_contact stays False).
        customer=CustomerData(
            external_id=customer_id_for_email(complaint.email),
            name=complaint.name or None,
            email=complaint.email or None,
            phone=complaint.phone or None,
            language=complaint.language or None,
        ),
        location_code=complaint.location_code,
        channel=Channel.WEB,
        kind=FeedbackKind.COMPLAINT,
        scores=Scores(csat=complaint.csat),
        text=complaint.text,
        occurred_at=timezone.now(),
        language=complaint.language,
        source=WEBFORM_SOURCE,
        external_ref=complaint.token,
        # What this customer typed this time, whatever the customer record already says.
        attributes={"contact": contact, "contact_consent": complaint.contact_consent},
    )


def feedback_attach(*, feedback: Feedback, upload: AttachmentInput) -> FeedbackAttachment:
    """Store a file with the feedback, in private storage (served only through a permission-checked view)."""
    attachment = FeedbackAttachment(feedback=feedback, content_type=upload.content_type, size=upload.size)
    attachment.file.save(upload.name, upload.content, save=False)
    attachment.save()
    return attachment
