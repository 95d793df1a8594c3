from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from amends.cases.models import Case
from amends.cases.services import case_open_or_attach
from amends.core.errors import DomainError, ErrorCode
from amends.customers.models import Interaction
from amends.customers.services import CustomerData, customer_upsert, location_by_code

from .detection import Scores, is_negative, severity_for
from .models import Feedback


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
    location = location_by_code(data.location_code)
    negative = is_negative(data.kind, data.scores)
    customer = customer_upsert(data.customer, lock=negative)
    interaction = None
    if data.interaction_external_id:
        interaction = Interaction.objects.filter(external_id=data.interaction_external_id).first()
        if interaction is None:
            raise DomainError(
                ErrorCode.UNKNOWN_INTERACTION,
                _("There is no interaction with the external id %(id)s.") % {"id": data.interaction_external_id},
                field="interaction",
                status=422,
            )
    feedback = Feedback(
        customer=customer,
        location=location,
        interaction=interaction,
        channel=data.channel,
        kind=data.kind,
        csat=data.scores.csat,
        nps=data.scores.nps,
        ces=data.scores.ces,
        text=data.text,
        language=data.language or customer.language,
        is_negative=negative,
        occurred_at=data.occurred_at,
        source=data.source,
        external_ref=data.external_ref,
        attributes=data.attributes or {},
    )
    if not negative:
        feedback.save()
        return feedback, None
    severity = severity_for(data.kind, data.scores, customer.segment)
    case = case_open_or_attach(feedback=feedback, severity=severity, customer_locked=True)
    return feedback, case
