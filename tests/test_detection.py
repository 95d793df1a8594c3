"""The rules that decide whether feedback is a failure: pure, tested over every score."""

import pytest

from amends.cases.enums import Severity
from amends.intake.detection import Scores, is_negative, more_severe, raise_severity, severity_for


@pytest.mark.parametrize("nps", range(0, 11))
def test_a_detractor_is_negative_and_a_promoter_or_passive_is_not(nps: int) -> None:
    assert is_negative("survey", Scores(nps=nps)) is (nps <= 6)


@pytest.mark.parametrize("csat", range(1, 6))
def test_csat_of_two_or_less_is_negative(csat: int) -> None:
    assert is_negative("survey", Scores(csat=csat)) is (csat <= 2)


@pytest.mark.parametrize("ces", range(1, 8))
def test_effort_of_five_or_more_is_negative(ces: int) -> None:
    assert is_negative("survey", Scores(ces=ces)) is (ces >= 5)


def test_any_complaint_is_negative_even_without_scores() -> None:
    assert is_negative("complaint", Scores())


def test_a_survey_without_scores_is_not_negative() -> None:
    assert not is_negative("survey", Scores())


def test_one_bad_score_among_good_ones_is_enough() -> None:
    assert is_negative("survey", Scores(nps=9, csat=5, ces=6))


def test_very_unhappy_answers_are_high_severity() -> None:
    assert severity_for("survey", Scores(nps=1)) == Severity.HIGH
    assert severity_for("survey", Scores(csat=1)) == Severity.HIGH
    assert severity_for("survey", Scores(ces=7)) == Severity.HIGH


def test_a_mild_detractor_is_low_and_a_complaint_medium() -> None:
    assert severity_for("survey", Scores(nps=6)) == Severity.LOW
    assert severity_for("complaint", Scores()) == Severity.MEDIUM


def test_a_vip_failure_is_one_step_more_serious() -> None:
    assert severity_for("complaint", Scores(), segment="VIP") == Severity.HIGH
    assert severity_for("survey", Scores(nps=0), segment="vip") == Severity.CRITICAL


def test_severity_never_rises_past_critical() -> None:
    assert raise_severity(Severity.CRITICAL) == Severity.CRITICAL


def test_more_severe_picks_the_worse_of_two() -> None:
    assert more_severe("low", "high") == Severity.HIGH
    assert more_severe("critical", "medium") == Severity.CRITICAL
