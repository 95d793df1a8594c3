"""Is this feedback a failure, and how serious? Pure rules, no database.

Negative when NPS <= 6 (a detractor), CSAT <= 2, CES >= 5, or the customer complains.
"""

from dataclasses import dataclass

from amends.cases.enums import SEVERITY_ORDER, Severity

from .enums import FeedbackKind

SCORE_RANGES = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7), "repurchase": (1, 5)}


@dataclass(frozen=True)
class Scores:
    csat: int | None = None
    nps: int | None = None
    ces: int | None = None
    repurchase: int | None = None  # likelihood to buy again, 1-5: loyalty, not a failure signal


def is_negative(kind: str, scores: Scores) -> bool:
    if kind == FeedbackKind.COMPLAINT:
        return True
    return (
        (scores.nps is not None and scores.nps <= 6)
        or (scores.csat is not None and scores.csat <= 2)
        or (scores.ces is not None and scores.ces >= 5)
    )


def severity_for(kind: str, scores: Scores, segment: str = "") -> Severity:
    """Very unhappy answers are high; a VIP customer's failure is one step more serious."""
    very_unhappy = (
        (scores.nps is not None and scores.nps <= 2) or scores.csat == 1 or (scores.ces is not None and scores.ces >= 7)
    )
    severity = Severity.HIGH if very_unhappy else Severity.MEDIUM
    if kind == FeedbackKind.SURVEY and not very_unhappy and scores.nps is not None and scores.nps >= 5:
        severity = Severity.LOW  # a passive-leaning detractor
    if segment.strip().lower() == "vip":
        severity = raise_severity(severity)
    return severity


def raise_severity(severity: Severity) -> Severity:
    index = SEVERITY_ORDER.index(severity)
    return SEVERITY_ORDER[min(index + 1, len(SEVERITY_ORDER) - 1)]


def more_severe(a: str, b: str) -> Severity:
    return max(Severity(a), Severity(b), key=SEVERITY_ORDER.index)
