"""Follow-up rules, without the database: when the follow-up is due, and what an answer says about the recovery.

Satisfaction with how the complaint was handled is the recovery measure; the three fairness dimensions of
complaint handling (outcome, process, treatment) can overturn it, because a customer who got a good answer
unfairly is not recovered.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from .enums import Verdict

MIN_DAYS, MAX_DAYS = 1, 14
SATISFIED_FROM = 4  # on the 1-5 scales: 4 "satisfied" and 5 "very satisfied"
UNHAPPY_UP_TO = 2  # 1 "very dissatisfied" and 2 "dissatisfied"


def follow_up_days(category_days: int | None, default: int) -> int:
    """Days from resolution to the follow-up: the category's setting, else the default, always within 1-14."""
    days = category_days if category_days is not None else default
    return min(MAX_DAYS, max(MIN_DAYS, days))


@dataclass(frozen=True)
class Answer:
    handling: int  # satisfaction with how the problem was handled, 1-5 (required)
    overall: int | None = None  # overall satisfaction with the business, 1-5
    nps: int | None = None  # likelihood to recommend, 0-10
    repurchase: int | None = None  # likelihood to buy again, 1-5
    fair_outcome: int | None = None  # 1-5: what I got was fair
    fair_process: int | None = None  # 1-5: the way it was handled was fair and quick
    fair_treatment: int | None = None  # 1-5: I was treated courteously and honestly

    @property
    def fairness(self) -> list[int]:
        return [s for s in (self.fair_outcome, self.fair_process, self.fair_treatment) if s is not None]


def verdict(answer: Answer) -> Verdict:
    """Unhappy: the handling was unsatisfactory, or two fairness dimensions were judged unfair. Satisfied: the
    handling was satisfactory and no dimension was unfair. Anything in between is neither."""
    unfair = sum(score <= UNHAPPY_UP_TO for score in answer.fairness)
    if answer.handling <= UNHAPPY_UP_TO or unfair >= 2:
        return Verdict.UNHAPPY
    if answer.handling >= SATISFIED_FROM and unfair == 0:
        return Verdict.SATISFIED
    return Verdict.NEUTRAL


@dataclass(frozen=True)
class Schedule:
    due_at: datetime  # the survey goes out
    remind_at: datetime  # the one reminder, if there is no answer yet
    closes_at: datetime  # unanswered after this; the link stops working


def schedule(*, resolved_at: datetime, days: int, remind_after_days: int, close_after_days: int) -> Schedule:
    due_at = resolved_at + timedelta(days=days)
    remind_at = due_at + timedelta(days=remind_after_days)
    return Schedule(due_at=due_at, remind_at=remind_at, closes_at=remind_at + timedelta(days=close_after_days))


def recovery_rate(*, satisfied: int, answered: int) -> float | None:
    """The share of answered follow-ups whose customer was satisfied; None when nobody answered."""
    return None if answered == 0 else satisfied / answered
