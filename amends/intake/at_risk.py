"""Who is unhappy but silent? Pure rules over facts already read from the database."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _

FAILED_STATUSES = {"delayed", "cancelled", "canceled", "refunded", "lost", "failed", "damaged", "returned"}
LATE_HOURS = 24
NPS_DROP = 3
LUKEWARM_NPS, POOR_CSAT, HARD_CES = 7, 3, 5  # a silent score at or past these is a bad one
CSAT_DROP = 2
WINDOW = timedelta(days=30)  # how long a signal stays on the worklist, and how long we have to reach out


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


FAILURE_KEYS = ("delivery_delay_hours", "delay_hours", "status")  # the attributes interaction_failed reads


def interaction_failed(attributes: dict[str, Any]) -> bool:
    """Late by more than a day, or a status that means the promise was broken."""
    if not isinstance(attributes, dict):
        return False
    delay = attributes.get("delivery_delay_hours", attributes.get("delay_hours"))
    if isinstance(delay, int | float) and delay > LATE_HOURS:
        return True
    status = attributes.get("status")
    return isinstance(status, str) and status.strip().lower() in FAILED_STATUSES


def silent_bad_score(*, text: str, nps: int | None, csat: int | None, ces: int | None) -> bool:
    """A lukewarm-or-worse score with no comment: they could not be bothered to tell us why."""
    if text.strip():
        return False
    return (
        (nps is not None and nps <= LUKEWARM_NPS)
        or (csat is not None and csat <= POOR_CSAT)
        or (ces is not None and ces >= HARD_CES)
    )


def score_dropped(previous: tuple[int | None, int | None], latest: tuple[int | None, int | None]) -> bool:
    """(nps, csat) now against last time."""
    (old_nps, old_csat), (new_nps, new_csat) = previous, latest
    nps_drop = old_nps is not None and new_nps is not None and old_nps - new_nps >= NPS_DROP
    csat_drop = old_csat is not None and new_csat is not None and old_csat - new_csat >= CSAT_DROP
    return nps_drop or csat_drop


def feedback_reason(
    *,
    alert: bool,
    text: str,
    nps: int | None,
    csat: int | None,
    ces: int | None,
    previous: tuple[int | None, int | None],
) -> RiskReason | None:
    """Why feedback that nobody turned into a case puts its customer at risk, if it does."""  # fmt: skip
    if alert:
        return RiskReason.NEGATIVE_TEXT
    if silent_bad_score(text=text, nps=nps, csat=csat, ces=ces):
        return RiskReason.SILENT_BAD_SCORE
    if score_dropped(previous, (nps, csat)):
        return RiskReason.SCORE_DROP
    return None


@dataclass(frozen=True, order=True)
class Signal:
    """A moment a customer's data said "unhappy" at a location: a failed interaction, or feedback without a case."""

    at: datetime
    location_id: int
    from_interaction: bool = False


@dataclass(frozen=True)
class CaseSpan:
    opened: datetime
    closed: datetime | None  # resolved; None while open
    proactive: bool  # opened by us, before the customer complained


def silent_episodes(
    signals: Iterable[Signal], *, spoke: Iterable[datetime], cases: Iterable[CaseSpan], window: timedelta = WINDOW
) -> list[tuple[Signal, bool]]:
    """One customer's history read as the worklist would have shown it: each time they were unhappy and silent,
    and whether we reached out first (a proactive case within the window).

    A signal is left out while a case is open (someone is on it already), when the customer complained before we
    reached out, or (for a failed interaction) when they spoke to us first. Signals within the window of a counted
    one are the same episode.
    """
    cases, spoke = list(cases), list(spoke)  # read once per signal
    episodes: list[tuple[Signal, bool]] = []
    for signal in sorted(signals):
        if episodes and signal.at < episodes[-1][0].at + window:
            continue
        if any(case.opened <= signal.at and (case.closed is None or signal.at < case.closed) for case in cases):
            continue
        end = signal.at + window
        reached_at = min((case.opened for case in cases if case.proactive and signal.at <= case.opened < end),
                         default=None)  # fmt: skip
        cutoff = reached_at or end
        complained = any(not case.proactive and signal.at <= case.opened < cutoff for case in cases)
        spoke_first = signal.from_interaction and any(signal.at < moment < cutoff for moment in spoke)
        if not complained and not spoke_first:
            episodes.append((signal, reached_at is not None))
    return episodes
