"""Every read of the text model's results, and the analyser this business uses now."""

import threading

from django.db import DatabaseError

from amends.core.apikit import iso
from amends.intake.models import Feedback

from .analyser import Analyser, base_analyser, business_analyser
from .models import TextModel, TextSense

_lock = threading.Lock()
_loaded: dict[int, Analyser] = {}  # the business model last loaded in this process, by id


def current_analyser() -> Analyser:
    """The business's newest retrained model, or the shipped one while its agents have corrected nothing.

    One cheap query per call notices a model retrained by another process; its weights load once per process.
    """
    try:
        newest = TextModel.objects.order_by("-id").values_list("id", flat=True).first()
    except DatabaseError:
        return base_analyser()  # not migrated yet (e.g. `amends textsense classify` on a fresh checkout)
    if newest is None:
        return base_analyser()
    with _lock:
        if newest not in _loaded:
            model = TextModel.objects.get(pk=newest)
            _loaded.clear()
            _loaded[newest] = business_analyser(bytes(model.state), model.version)
        return _loaded[newest]


def text_sense_data(sense: TextSense | None) -> dict | None:
    if sense is None:
        return None
    return {
        "language": sense.language,
        "negative": sense.negative,
        "alert": sense.alert,
        "category": sense.category or None,
        "amazement": sense.amazement,
        "model_version": sense.model_version,
        "analysed_at": iso(sense.analysed_at),
    }


def text_sense_of(feedback: Feedback) -> dict | None:
    """The analysis of a feedback the caller may already see (the permission gate is the feedback's selector)."""
    return text_sense_data(TextSense.objects.filter(feedback_id=feedback.pk).first())
