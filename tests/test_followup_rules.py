"""The follow-up rules: the delay, the verdict on an answer, the schedule, the recovery rate."""

from datetime import UTC, datetime, timedelta

import pytest

from amends.followups.enums import Verdict
from amends.followups.rules import Answer, follow_up_days, recovery_rate, schedule, verdict


@pytest.mark.parametrize(("category_days", "expected"), [(None, 7), (1, 1), (14, 14), (0, 1), (30, 14), (10, 10)])
def test_the_delay_is_the_categorys_or_the_default_within_one_to_fourteen_days(
    category_days: int | None, expected: int
) -> None:
    assert follow_up_days(category_days, 7) == expected


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (Answer(handling=5), Verdict.SATISFIED),
        (Answer(handling=4, fair_outcome=3, fair_process=3, fair_treatment=3), Verdict.SATISFIED),
        (Answer(handling=3), Verdict.NEUTRAL),
        (Answer(handling=4, fair_outcome=2), Verdict.NEUTRAL),  # a good answer, one unfair dimension
        (Answer(handling=5, fair_outcome=1, fair_process=2), Verdict.UNHAPPY),  # two unfair dimensions
        (Answer(handling=2), Verdict.UNHAPPY),
        (Answer(handling=1, fair_outcome=5, fair_process=5, fair_treatment=5), Verdict.UNHAPPY),
        (Answer(handling=5, overall=1, nps=0), Verdict.SATISFIED),  # loyalty is measured, not the recovery
    ],
)
def test_the_verdict_on_an_answer(answer: Answer, expected: Verdict) -> None:
    assert verdict(answer) == expected


def test_every_answer_has_exactly_one_verdict_and_more_unfairness_never_helps() -> None:
    order = [Verdict.UNHAPPY, Verdict.NEUTRAL, Verdict.SATISFIED]
    scale = [None, 1, 2, 3, 4, 5]
    for handling in range(1, 6):
        for outcome in scale:
            for process in scale:
                base = verdict(Answer(handling=handling, fair_outcome=outcome, fair_process=process))
                worse = verdict(Answer(handling=handling, fair_outcome=outcome, fair_process=process, fair_treatment=1))
                assert order.index(worse) <= order.index(base)


def test_the_schedule_counts_from_the_resolution() -> None:
    resolved = datetime(2026, 11, 2, 9, tzinfo=UTC)
    plan = schedule(resolved_at=resolved, days=7, remind_after_days=3, close_after_days=4)
    assert plan.due_at == resolved + timedelta(days=7)
    assert plan.remind_at == resolved + timedelta(days=10)
    assert plan.closes_at == resolved + timedelta(days=14)


def test_the_recovery_rate() -> None:
    assert recovery_rate(satisfied=0, answered=0) is None
    assert recovery_rate(satisfied=3, answered=4) == 0.75
