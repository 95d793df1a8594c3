"""Every write of the text model: analyses of feedback, agents' corrections, the business's retrained model."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from amends.cases.enums import Severity
from amends.cases.services import case_open_for_saved_feedback
from amends.core.errors import DomainError, ErrorCode
from amends.core.models import User
from amends.core.tasks import enqueue_with_transaction
from amends.intake.detection import raise_severity
from amends.intake.models import Feedback
from amends.intake.verdict import judge_after_reading

from .analyser import Analysis, Correction, base_version, business_state
from .enums import LANGUAGE_CODES, CorrectedField
from .models import LabelCorrection, TextModel, TextSense
from .selectors import current_analyser

TEXT_REASON = "text"  # on the case timeline: the text model found the failure
MODELS_KEPT = 2  # older business models are deleted when a new one is trained
BOOLEAN_VALUES = {"true": "true", "false": "false", "1": "true", "0": "false", "yes": "true", "no": "false"}


def business_categories() -> set[str]:
    """The business's root-cause taxonomy as offered when resolving; "other" is never suggested (no suggestion says
    the same)."""
    from amends.cases.selectors import categories_offered

    return {category.key for category in categories_offered()}


def analyse_texts(texts: list[str]) -> list[Analysis]:
    """Read free texts with the business's current model (used by `amends textsense classify`)."""
    categories = business_categories() - {"other"}
    return current_analyser().analyse(
        texts, alert_threshold=settings.AMENDS_TEXTSENSE_ALERT_THRESHOLD, categories=categories
    )


def feedback_analyse(*, feedback_id: int) -> TextSense | None:
    """Read the feedback's text and store what was found; a negative text without a case opens one.

    Idempotent: feedback already read by the same model version is left as it is. What an agent corrected stays
    corrected when the text is read again by a newer model.
    """
    return feedback_analyse_many(feedback_ids=[feedback_id]).get(feedback_id)


def feedback_analyse_many(*, feedback_ids: list[int]) -> dict[int, TextSense]:
    """`feedback_analyse` for many feedback (an import's chunk) with one pass of the model; by feedback id."""
    analyser = current_analyser()
    wanted = Feedback.objects.select_related("customer").filter(pk__in=feedback_ids).order_by("pk")
    feedback = [row for row in wanted if row.text.strip()]
    read = {
        sense.feedback_id: sense
        for sense in TextSense.objects.filter(feedback__in=feedback, model_version=analyser.version)
    }
    unread = [row for row in feedback if row.pk not in read]
    if not unread:
        return read
    categories = business_categories() - {"other"}
    threshold = settings.AMENDS_TEXTSENSE_ALERT_THRESHOLD
    analyses = analyser.analyse([row.text for row in unread], alert_threshold=threshold, categories=categories)
    for row, analysis in zip(unread, analyses, strict=True):
        sense = _store(row, analysis, analyser.version)
        if sense is not None:
            read[row.pk] = sense
    return read


def _store(feedback: Feedback, analysis: Analysis, version: str) -> TextSense | None:
    values = {
        "language": analysis.language,
        "negative": analysis.negative,
        "alert": analysis.alert,
        "category": analysis.category or "",
        "amazement": analysis.amazement,
        "model_version": version,
        "analysed_at": timezone.now(),
    }
    values.update(_corrected_values(feedback.pk))
    try:
        with transaction.atomic():
            sense, created = TextSense.objects.update_or_create(feedback_id=feedback.pk, defaults=values)
            if created and feedback.case_id is None:
                _decide(feedback, sense)
    except IntegrityError:
        # Another worker stored its reading of this feedback first; that one stands.
        return TextSense.objects.filter(feedback_id=feedback.pk).first()
    return sense


def _decide(feedback: Feedback, sense: TextSense) -> None:
    """The admin's text rules first (e.g. negative_min 0.7 for VIPs, to their team), then the alert threshold."""
    verdict = judge_after_reading(feedback=feedback, negative=sense.negative)
    if verdict is not None:
        if verdict.negative:
            case_open_for_saved_feedback(
                feedback=feedback, severity=verdict.severity, reason=TEXT_REASON, category=verdict.category,
                team=verdict.team,
            )  # fmt: skip
        return
    if sense.alert:
        _open_case(feedback)


def _open_case(feedback: Feedback) -> None:
    severity = Severity.MEDIUM
    if feedback.customer.segment.strip().lower() == "vip":
        severity = raise_severity(severity)
    case_open_for_saved_feedback(feedback=feedback, severity=severity, reason=TEXT_REASON)


def _corrected_values(feedback_id: int) -> dict:
    values: dict = {}
    for correction in LabelCorrection.objects.filter(feedback_id=feedback_id).order_by("id"):
        values.update(_values_for(correction.field, correction.value))
    return values


def _values_for(field: str, value: str) -> dict:
    if field == CorrectedField.NEGATIVE:
        negative = value == "true"
        return {"negative": 1.0 if negative else 0.0, "alert": negative}
    return {field: value}


def _clean_value(field: str, value: str) -> str:
    value = value.strip()
    if field == CorrectedField.NEGATIVE and value.lower() in BOOLEAN_VALUES:
        return BOOLEAN_VALUES[value.lower()]
    if field == CorrectedField.LANGUAGE and value.lower() in LANGUAGE_CODES:
        return value.lower()
    if field == CorrectedField.CATEGORY and value in business_categories():
        return value
    raise DomainError(
        ErrorCode.INVALID_VALUE,
        _("%(value)s is not a valid value for %(field)s.") % {"value": value, "field": field},
        field="value",
    )


@transaction.atomic
def label_correct(*, feedback: Feedback, field: str, value: str, by: User | None) -> LabelCorrection:
    """An agent corrects what the text model read; the feedback shows the correction, the business's model learns.

    `field` is negative ("true"/"false"), category (a key of the taxonomy) or language (en, nl, de, it, fr, es,
    other). The business's model is retrained in the background.
    """
    if field not in CorrectedField.values:
        message = _("Only negative, category or language can be corrected.")
        raise DomainError(ErrorCode.INVALID_VALUE, message, field="field")
    value = _clean_value(field, value)
    correction = LabelCorrection.objects.create(feedback=feedback, field=field, value=value, corrected_by=by)
    TextSense.objects.filter(feedback=feedback).update(**_values_for(field, value))
    from .tasks import textsense_retrain_task  # tasks import this module

    enqueue_with_transaction(textsense_retrain_task)
    return correction


def textsense_retrain() -> TextModel | None:
    """Train the business's model on the shipped examples plus every correction (the latest per feedback and field).

    Idempotent: nothing is trained when the newest model already saw the newest correction.
    """
    latest: dict[tuple[int, str], LabelCorrection] = {}
    for correction in LabelCorrection.objects.select_related("feedback").order_by("id"):
        latest[(correction.feedback_id, correction.field)] = correction
    newest = TextModel.objects.order_by("-id").first()
    last_id = max((c.pk for c in latest.values()), default=0)
    if not latest:
        return newest
    if newest is not None and newest.last_correction_id == last_id and newest.base_version == base_version():
        return newest
    corrections = [Correction(c.feedback.text, c.field, c.value) for c in latest.values() if c.feedback.text.strip()]
    model = TextModel.objects.create(
        state=business_state(corrections),
        base_version=base_version(),
        corrections=len(corrections),
        last_correction_id=last_id,
    )
    stale = TextModel.objects.order_by("-id").values_list("id", flat=True)[MODELS_KEPT:]
    TextModel.objects.filter(id__in=list(stale)).delete()
    return model
