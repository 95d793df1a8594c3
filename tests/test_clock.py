"""Business time (core/clock.py), checked against a reference that walks minute by minute."""

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amends.core.clock import (
    DAY_MINUTES,
    Calendar,
    InvalidHours,
    add_business_time,
    business_time_between,
    check_region,
    open_spans,
    parse_week,
)

MINUTE = timedelta(minutes=1)
ZONES = ("Europe/Amsterdam", "Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC")
# Instants near the spring and autumn DST changes of 2026 (Europe, USA, Lord Howe) and an ordinary week.
ANCHORS = (
    datetime(2026, 3, 27, tzinfo=UTC),
    datetime(2026, 10, 23, tzinfo=UTC),
    datetime(2026, 3, 6, tzinfo=UTC),
    datetime(2026, 10, 30, tzinfo=UTC),
    datetime(2026, 4, 3, tzinfo=UTC),
    datetime(2026, 12, 22, tzinfo=UTC),
)


def reference_open(calendar: Calendar, instant: datetime) -> bool:
    """The definition, read literally: the wall-clock time falls in an interval of its day or of the day before."""
    wall = instant.astimezone(ZoneInfo(calendar.timezone)).replace(tzinfo=None)
    for back in (0, 1):
        day = wall.date() - timedelta(days=back)
        minute = (wall - datetime.combine(day, time())) / MINUTE
        if any(start <= minute < end for start, end in calendar.hours_on(day)):
            return True
    return False


def reference_between(calendar, start, end, pauses=()):
    minutes, instant = 0, start
    while instant < end:
        paused = any(p_start <= instant < (p_end or end) for p_start, p_end in pauses)
        minutes += reference_open(calendar, instant) and not paused
        instant += MINUTE
    return timedelta(minutes=minutes)


def reference_add(calendar, start, minutes, pauses=()):
    instant, remaining = start, minutes
    while remaining:
        paused = any(p_start <= instant < (p_end or datetime.max.replace(tzinfo=UTC)) for p_start, p_end in pauses)
        if reference_open(calendar, instant) and not paused:
            remaining -= 1
        instant += MINUTE
        if instant - start > timedelta(days=40):
            return None
    return instant


quarter = st.integers(0, 4 * 24).map(lambda q: q * 15)


@st.composite
def intervals(draw):
    start = draw(st.integers(0, 4 * 24 - 1).map(lambda q: q * 15))
    length = draw(st.integers(1, 4 * 14).map(lambda q: q * 15))  # up to 14 hours, possibly past midnight
    return (start, start + length)


@st.composite
def calendars(draw):
    week = tuple(tuple(sorted(draw(st.lists(intervals(), max_size=3)))) for _ in range(7))
    anchor = draw(st.sampled_from(ANCHORS))
    days = [anchor.date() + timedelta(days=n) for n in range(-2, 12)]
    closed = frozenset(draw(st.lists(st.sampled_from(days), max_size=3)))
    special = {day: tuple(draw(st.lists(intervals(), max_size=2))) for day in draw(st.lists(st.sampled_from(days)))}
    country = draw(st.sampled_from([None, "NL", "DE"]))
    return (
        Calendar(
            timezone=draw(st.sampled_from(ZONES)),
            week=week if any(week) else (),
            closed_days=closed,
            special_hours=special,
            country=country,
            subdivision="BY" if country == "DE" and draw(st.booleans()) else None,
        ),
        anchor,
    )


@st.composite
def pauses(draw, anchor):
    spans = []
    for _ in range(draw(st.integers(0, 2))):
        start = anchor + timedelta(minutes=draw(st.integers(0, 5 * DAY_MINUTES)))
        spans.append((start, start + timedelta(minutes=draw(st.integers(1, DAY_MINUTES)))))
    return spans


FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(data=st.data())
def test_business_time_between_two_instants_matches_the_minute_walk(data):
    calendar, anchor = data.draw(calendars())
    start = anchor + timedelta(minutes=data.draw(st.integers(0, 3 * DAY_MINUTES)))
    end = start + timedelta(minutes=data.draw(st.integers(0, 4 * DAY_MINUTES)))
    stops = data.draw(pauses(anchor))
    assert business_time_between(calendar, start, end, stops) == reference_between(calendar, start, end, stops)


@FAST
@given(data=st.data())
def test_adding_business_minutes_matches_the_minute_walk(data):
    calendar, anchor = data.draw(calendars())
    start = anchor + timedelta(minutes=data.draw(st.integers(0, 2 * DAY_MINUTES)))
    minutes = data.draw(st.integers(0, 3 * DAY_MINUTES))
    stops = data.draw(pauses(anchor))
    expected = reference_add(calendar, start, minutes, stops)
    if expected is None:  # the walk gave up; the real thing must still agree on what lies within reach
        return
    assert add_business_time(calendar, start, timedelta(minutes=minutes), stops) == expected


@FAST
@given(data=st.data())
def test_adding_then_measuring_gives_back_the_same_business_time(data):
    calendar, anchor = data.draw(calendars())
    start = anchor + timedelta(minutes=data.draw(st.integers(0, 2 * DAY_MINUTES)))
    amount = timedelta(minutes=data.draw(st.integers(1, 20 * DAY_MINUTES)))
    due = add_business_time(calendar, start, amount)
    assert due is not None
    assert business_time_between(calendar, start, due) == amount
    assert business_time_between(calendar, start, due - MINUTE) < amount


def amsterdam_office() -> Calendar:
    week = parse_week({day: [["09:00", "12:30"], ["13:30", "17:30"]] for day in ("mon", "tue", "wed", "thu", "fri")})
    return Calendar(timezone="Europe/Amsterdam", week=week, country="NL", closed_days=frozenset({date(2026, 12, 24)}))


def test_an_hour_asked_for_on_friday_evening_is_due_monday_morning():
    friday_evening = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)  # 18:00 in Amsterdam, after closing
    due = add_business_time(amsterdam_office(), friday_evening, timedelta(hours=1))
    assert due == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # Monday 10:00 Amsterdam


def test_the_lunch_break_and_christmas_do_not_count():
    office = amsterdam_office()
    wednesday_noon = datetime(2026, 12, 23, 11, 0, tzinfo=UTC)  # 12:00 local
    # 30 minutes before lunch and 4 hours after it, then Christmas Eve (closed), Christmas and Boxing Day (NL
    # holidays) and the weekend: the last 30 minutes are on Monday.
    due = add_business_time(office, wednesday_noon, timedelta(hours=5))
    assert due == datetime(2026, 12, 28, 8, 30, tzinfo=UTC)  # Monday 09:30 local


def test_a_night_shift_is_an_hour_longer_when_the_clocks_go_back():
    night = Calendar(timezone="Europe/Amsterdam", week=tuple(((1320, 1800),) for _ in range(7)))
    start = datetime(2026, 10, 24, 20, 0, tzinfo=UTC)  # Saturday 22:00 CEST
    end = datetime(2026, 10, 25, 6, 0, tzinfo=UTC)  # Sunday 07:00 CET
    assert business_time_between(night, start, end) == timedelta(hours=9)


def test_an_empty_week_is_open_all_the_time():
    always = Calendar(timezone="Europe/Amsterdam", week=parse_week({day: [] for day in ("mon", "sun")}))
    start = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    assert add_business_time(always, start, timedelta(hours=48)) == start + timedelta(hours=48)


def test_an_open_pause_stops_the_clock():
    always = Calendar()
    start = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
    waiting = [(start + timedelta(minutes=30), None)]
    assert add_business_time(always, start, timedelta(hours=1), waiting) is None
    assert add_business_time(always, start, timedelta(minutes=20), waiting) == start + timedelta(minutes=20)


def test_spans_are_disjoint_and_sorted():
    spans = open_spans(amsterdam_office(), datetime(2026, 11, 23, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC))
    assert len(spans) == 10
    assert all(a[1] < b[0] for a, b in itertools.pairwise(spans))


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ({"mon": [["9:00", "17:00"]]}, "not a time of day"),
        ({"mon": [["09:00", "24:30"]]}, "not a time of day"),
        ({"mon": [["09:00", "09:00"]]}, "empty"),
        ({"mon": [["09:00"]]}, "pair"),
        ({"monday": []}, "Unknown day"),
        ({"mon": "09:00-17:00"}, "list of"),
    ],
)
def test_unreadable_hours_say_what_is_wrong(hours, message):
    with pytest.raises(InvalidHours, match=message):
        parse_week(hours)


def test_a_region_without_known_holidays_is_refused():
    check_region("NL", None)
    check_region("DE", "BY")
    with pytest.raises(InvalidHours):
        check_region("XX", None)
    with pytest.raises(InvalidHours):
        check_region("NL", "ZZ")
