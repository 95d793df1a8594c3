"""Who is unhappy but silent? Pure rules over facts already read from the database."""

from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _

FAILED_STATUSES = {"delayed", "cancelled", "canceled", "refunded", "lost", "failed", "damaged", "returned"}
LATE_HOURS = 24
NPS_DROP = 3
CSAT_DROP = 2


class RiskReason(StrEnum):
    FAILED_INTERACTION = "failed_interaction"  # the service failed by its own data, and the customer said nothing
    SILENT_BAD_SCORE = "silent_bad_score"  # a poor score without a word, and no case for it
    SCORE_DROP = "score_drop"  # this customer's score fell sharply since last time
    NEGATIVE_TEXT = "negative_text"  # text sense found a complaint nobody turned into a case


REASON_LABELS = {
    RiskReason.FAILED_INTERACTION: _("The service failed and the customer said nothing"),
    RiskReason.SILENT_BAD_SCORE: _("A poor score without a comment"),
    RiskReason.SCORE_DROP: _("Their score dropped sharply"),
    RiskReason.NEGATIVE_TEXT: _("A complaint that nobody picked up"),
}


def interaction_failed(attributes: dict[str, Any]) -> bool:
    """Late by more than a day, or a status that means the promise was broken."""
    delay = attributes.get("delivery_delay_hours", attributes.get("delay_hours"))
    if isinstance(delay, int | float) and delay > LATE_HOURS:
        return True
    status = attributes.get("status")
    return isinstance(status, str) and status.strip().lower() in FAILED_STATUSES


def silent_bad_score(*, text: str, nps: int | None, csat: int | None, ces: int | None) -> bool:
    """A lukewarm-or-worse score with no comment: they could not be bothered to tell us why."""
    if text.strip():
        return False
    return (nps is not None and nps <= 7) or (csat is not None and csat <= 3) or (ces is not None and ces >= 5)


def score_dropped(previous: tuple[int | None, int | None], latest: tuple[int | None, int | None]) -> bool:
    """(nps, csat) now against last time."""
    (old_nps, old_csat), (new_nps, new_csat) = previous, latest
    nps_drop = old_nps is not None and new_nps is not None and old_nps - new_nps >= NPS_DROP
    csat_drop = old_csat is not None and new_csat is not None and old_csat - new_csat >= CSAT_DROP
    return nps_drop or csat_drop
