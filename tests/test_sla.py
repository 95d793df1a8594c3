from datetime import UTC, datetime, timedelta

from amends.cases import sla

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def test_first_response_is_due_the_given_minutes_after_opening() -> None:
    assert sla.first_response_due(T0, 60) == T0 + timedelta(hours=1)


def test_the_inbox_sorts_by_first_response_until_there_is_one_then_by_resolution() -> None:
    first, resolution = T0 + timedelta(hours=1), T0 + timedelta(days=2)
    args = {"first_response_due_at": first, "resolution_due_at": resolution}
    assert sla.next_deadline(status="new", first_response_at=None, **args) == first
    assert sla.next_deadline(status="acknowledged", first_response_at=T0, **args) == resolution
    assert sla.next_deadline(status="resolved", first_response_at=T0, **args) is None


def test_a_target_met_late_or_unmet_past_due_is_breached() -> None:
    due = {"first_response_due_at": T0 + timedelta(hours=1), "resolution_due_at": T0 + timedelta(days=2)}
    on_time = sla.is_breached(
        now=T0 + timedelta(days=5), first_response_at=T0, resolved_at=T0 + timedelta(days=1), **due
    )
    assert not on_time
    assert sla.is_breached(now=T0 + timedelta(hours=2), first_response_at=None, resolved_at=None, **due)
    late_answer = T0 + timedelta(hours=3)
    assert sla.is_breached(now=late_answer, first_response_at=late_answer, resolved_at=None, **due)
    assert not sla.is_breached(now=T0 + timedelta(minutes=30), first_response_at=None, resolved_at=None, **due)
