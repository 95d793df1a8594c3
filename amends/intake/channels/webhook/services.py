"""Signed JSON in: verify, refuse replays, map to feedback, store it once."""

import json
import time
from typing import Any

import pydantic
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from amends.cases.models import Case
from amends.core.apikit import LAX_TYPES, contains_nul, domain_error_from_validation
from amends.core.errors import DomainError, ErrorCode, NotFound
from amends.intake.detection import Scores
from amends.intake.models import Feedback, WebhookDelivery, WebhookSource
from amends.intake.schemas import FeedbackIn
from amends.intake.services import FeedbackInput, feedback_submit

from . import signing
from .mapping import apply_mapping


def _dotted(loc: list[Any]) -> str | None:
    return ".".join(str(part) for part in loc) or None


def webhook_receive(*, source_slug: str, signature_header: str | None, body: bytes) -> tuple[Feedback, Case | None]:
    source = WebhookSource.objects.select_related("location").filter(slug=source_slug, is_active=True).first()
    if source is None:
        raise NotFound(_("There is no webhook source %(slug)s.") % {"slug": source_slug}, code=ErrorCode.NOT_FOUND)
    try:
        signature = signing.verify(
            secret=source.secret,
            header=signature_header,
            body=body,
            now=time.time(),
            tolerance=source.tolerance_seconds,
        )
    except signing.SignatureError as error:
        raise DomainError(ErrorCode.UNAUTHORIZED, str(error), field=signing.SIGNATURE_HEADER, status=401) from error
    try:
        delivery = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise DomainError(ErrorCode.INVALID_JSON, _("The request body is not valid JSON."), status=400) from error
    payload = _mapped_feedback(source, delivery)
    try:
        with transaction.atomic():
            receipt = WebhookDelivery.objects.create(source=source, signature=signature.digests[0])
            feedback, case = feedback_submit(_feedback_input(source, payload, delivery))
            receipt.feedback = feedback
            receipt.save(update_fields=["feedback"])
    except IntegrityError as error:
        raise DomainError(
            ErrorCode.DUPLICATE, _("This delivery was already received."), field=signing.SIGNATURE_HEADER, status=409
        ) from error
    return feedback, case


def _mapped_feedback(source: WebhookSource, delivery: Any) -> tuple[FeedbackIn, str]:
    mapped = apply_mapping(
        source.mapping,
        delivery,
        defaults={"location": source.location.code, "channel": source.channel, "kind": "complaint"},
    )
    external_ref = str(mapped.pop("external_ref", "") or "")
    if contains_nul(external_ref):
        raise DomainError(ErrorCode.INVALID_VALUE, _("A text may not contain the NUL character (U+0000)."),
                          field="external_ref", status=422)  # fmt: skip
    try:
        return FeedbackIn.model_validate(mapped, context={LAX_TYPES: True}), external_ref  # the tool's JSON types
    except pydantic.ValidationError as error:
        raise domain_error_from_validation(list(error.errors()), field_of=_dotted) from error


def _feedback_input(source: WebhookSource, payload: tuple[FeedbackIn, str], delivery: Any) -> FeedbackInput:
    feedback, external_ref = payload
    return FeedbackInput(
        customer=feedback.customer.as_data(),
        location_code=feedback.location,
        channel=feedback.channel,
        kind=feedback.kind,
        scores=Scores(**feedback.scores.model_dump()),
        text=feedback.text,
        occurred_at=feedback.occurred_at or timezone.now(),
        language=feedback.language.value if feedback.language else None,
        source=f"webhook:{source.slug}",
        external_ref=external_ref[:255],
        attributes={"webhook": source.slug},
        # An admin configured the source and every delivery is signed with its secret: an integration, which may
        # post at every location and update customers' contact details.
        may_change_contact=True,
    )
