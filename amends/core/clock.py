"""Business time on business-hours calendars: pure functions, no database.

A calendar lists the wall-clock hours each local day is open, in its own time zone. An instant is open when its
wall-clock time falls inside an opening interval of its local day, or of the day before for a shift that runs past
midnight (22:00-06:00 belongs to the day it starts). A day's hours are its special hours if it has any, none on a
closed day or public holiday, and otherwise its weekday's hours; a calendar without weekly hours is open 24/7.

Wall-clock time is what decides, so a 09:00-17:00 day is 8 hours long on every day of the year, and a night
shift across a DST change is an hour shorter or longer, as the people working it experience.
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

DAY_MINUTES = 24 * 60
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SEARCH_DAYS = 5 * 366  # a deadline further away than this means the calendar is (almost) never open
_FIRST_WINDOW = timedelta(days=1)  # most deadlines fall within a day: look that far first, then a week at a time
_WINDOW = timedelta(days=7)
_CLOCK = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")

Interval = tuple[int, int]  # minutes after the local midnight; an end past 1440 runs into the next day
Span = tuple[datetime, datetime]  # [start, end) in UTC
Pause = tuple[datetime, datetime | None]  # an open end: the clock is still stopped


class NoBusinessTime(ValueError):
    """The calendar is not open long enough within SEARCH_DAYS to reach the deadline."""


class InvalidHours(ValueError):
    """Opening hours that cannot be read; the message says what is wrong, for the person who wrote them."""


@dataclass(frozen=True)
class Calendar:
    timezone: str = "UTC"
    week: tuple[tuple[Interval, ...], ...] = ()  # Monday first; () is open 24/7
    closed_days: frozenset[date] = frozenset()
    special_hours: Mapping[date, tuple[Interval, ...]] = field(default_factory=dict)
    country: str | None = None
    subdivision: str | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_holiday(self, day: date) -> bool:
        return bool(self.country) and day in _holidays(self.country or "", self.subdivision, day.year)

    def hours_on(self, day: date) -> tuple[Interval, ...]:
        if day in self.special_hours:
            return self.special_hours[day]
        if day in self.closed_days or self.is_holiday(day):
            return ()
        if not self.week:
            return ((0, DAY_MINUTES),)
        return self.week[day.weekday()]


@lru_cache(maxsize=256)
def _holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year))


def check_region(country: str | None, subdivision: str | None) -> None:
    """Raise InvalidHours unless the `holidays` library knows this country (and subdivision)."""
    if not country:
        if subdivision:
            raise InvalidHours("A subdivision needs a country.")
        return
    try:
        holidays.country_holidays(country, subdiv=subdivision, years=2026)
    except NotImplementedError as exc:
        raise InvalidHours(f"No public holidays are known for the country {country!r}.") from exc
    except ValueError as exc:  # an unknown subdivision, e.g. "XX" for NL
        raise InvalidHours(f"No public holidays are known for {country!r} subdivision {subdivision!r}.") from exc


def _minutes(clock: object) -> int:
    match = _CLOCK.match(clock) if isinstance(clock, str) else None
    if match is None or (match.group(1) == "24" and match.group(2) != "00"):
        raise InvalidHours(f"{clock!r} is not a time of day like 09:30.")
    return int(match.group(1)) * 60 + int(match.group(2))


def parse_intervals(pairs: object) -> tuple[Interval, ...]:
    """[["09:00", "12:30"], ["22:00", "06:00"]] -> ((540, 750), (1320, 1800)); an end before its start is next day."""
    if not isinstance(pairs, list | tuple):
        raise InvalidHours("A day's hours are a list of [from, to] pairs.")
    intervals = []
    for pair in pairs:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise InvalidHours('Each opening interval is a pair [from, to], e.g. ["09:00", "17:00"].')
        start, end = _minutes(pair[0]), _minutes(pair[1])
        if start == DAY_MINUTES:
            raise InvalidHours("An interval cannot start at 24:00.")
        if start == end:
            raise InvalidHours(f"The interval {pair[0]}-{pair[1]} is empty.")
        intervals.append((start, end if end > start else end + DAY_MINUTES))
    return tuple(sorted(intervals))


def parse_week(hours: Mapping[str, object]) -> tuple[tuple[Interval, ...], ...]:
    """{"mon": [...], ..., "sun": []} -> the week; missing days are closed, and a week with no hours at all is 24/7."""
    unknown = set(hours) - set(WEEKDAYS)
    if unknown:
        raise InvalidHours(f"Unknown day {sorted(unknown)[0]!r}: use {', '.join(WEEKDAYS)}.")
    week = tuple(parse_intervals(hours.get(day, [])) for day in WEEKDAYS)
    return week if any(week) else ()


def format_week(week: tuple[tuple[Interval, ...], ...]) -> dict[str, list[list[str]]]:
    """The inverse of parse_week, for showing a calendar."""
    if not week:
        return {day: [] for day in WEEKDAYS}
    return {
        day: [[_clock(start), _clock(end)] for start, end in intervals]
        for day, intervals in zip(WEEKDAYS, week, strict=True)
    }


def _clock(minutes: int) -> str:
    minutes = minutes if minutes <= DAY_MINUTES else minutes - DAY_MINUTES
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# UTC offsets. zoneinfo does not list a zone's transitions, so each UTC day is sampled hourly and a change of
# offset is narrowed down to the minute (no time zone changes its offset twice within an hour).


@lru_cache(maxsize=8192)
def _offset_segments(zone_name: str, utc_day: date) -> tuple[tuple[datetime, datetime, timedelta], ...]:
    """The UTC day as [start, end, offset) pieces of constant UTC offset (naive UTC datetimes)."""
    zone = ZoneInfo(zone_name)

    def offset(instant: datetime) -> timedelta:
        return instant.replace(tzinfo=UTC).astimezone(zone).utcoffset() or timedelta(0)

    start = datetime.combine(utc_day, time())
    segments = []
    current_start, current = start, offset(start)
    for hour in range(1, 25):
        probe = start + timedelta(hours=hour)
        if offset(probe) == current:
            continue
        low, high = probe - timedelta(hours=1), probe  # offset(low) == current != offset(high)
        while high - low > timedelta(minutes=1):
            middle = low + (high - low) / 2
            middle = middle.replace(second=0, microsecond=0)
            if middle <= low:
                break
            low, high = (middle, high) if offset(middle) == current else (low, middle)
        segments.append((current_start, high, current))
        current_start, current = high, offset(high)
    segments.append((current_start, start + timedelta(days=1), current))
    return tuple(segments)


@lru_cache(maxsize=8192)  # every deadline computed today walks the same days' opening hours
def _wall_to_utc(zone_name: str, wall_start: datetime, wall_end: datetime) -> tuple[Span, ...]:
    """The UTC instants whose wall-clock time lies in [wall_start, wall_end) (naive wall times in, aware UTC out)."""
    spans = []
    day = (wall_start - timedelta(hours=15)).date()
    last = (wall_end + timedelta(hours=15)).date()
    while day <= last:
        for segment_start, segment_end, offset in _offset_segments(zone_name, day):
            start, end = max(segment_start, wall_start - offset), min(segment_end, wall_end - offset)
            if start < end:
                spans.append((start.replace(tzinfo=UTC), end.replace(tzinfo=UTC)))
        day += timedelta(days=1)
    return tuple(spans)


def _merge(spans: Iterable[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def open_spans(calendar: Calendar, start: datetime, end: datetime) -> list[Span]:
    """When the calendar is open between two instants, as sorted, disjoint UTC spans."""
    if end <= start:
        return []
    zone = calendar.zone
    day = start.astimezone(zone).date() - timedelta(days=2)  # a shift that began the day before reaches in
    last = end.astimezone(zone).date() + timedelta(days=1)
    spans: list[Span] = []
    while day <= last:
        midnight = datetime.combine(day, time())
        for first, last_minute in calendar.hours_on(day):
            wall_start, wall_end = midnight + timedelta(minutes=first), midnight + timedelta(minutes=last_minute)
            spans += _wall_to_utc(calendar.timezone, wall_start, wall_end)
        day += timedelta(days=1)
    clipped = [(max(s, start), min(e, end)) for s, e in spans if s < end and e > start]
    return _merge(clipped)


def _without_pauses(spans: list[Span], pauses: Sequence[Pause], horizon: datetime) -> list[Span]:
    result = spans
    for pause_start, pause_end in pauses:
        stop = pause_end or horizon
        kept: list[Span] = []
        for start, end in result:
            if end <= pause_start or start >= stop:
                kept.append((start, end))
                continue
            if start < pause_start:
                kept.append((start, pause_start))
            if end > stop:
                kept.append((stop, end))
        result = kept
    return result


def business_time_between(
    calendar: Calendar, start: datetime, end: datetime, pauses: Sequence[Pause] = ()
) -> timedelta:
    """How much open time lies in [start, end), not counting pauses."""
    spans = _without_pauses(open_spans(calendar, start, end), pauses, end)
    return sum((span_end - span_start for span_start, span_end in spans), timedelta(0))


def add_business_time(
    calendar: Calendar, start: datetime, amount: timedelta, pauses: Sequence[Pause] = ()
) -> datetime | None:
    """The first instant by which `amount` of open time has passed since `start`, not counting pauses.

    None while a pause that has no end yet would stop the clock before the amount is reached.
    """
    remaining = amount
    if remaining <= timedelta(0):
        return start
    open_pause_from = min((s for s, e in pauses if e is None), default=None)
    window_start, window = start, _FIRST_WINDOW
    limit = start + timedelta(days=SEARCH_DAYS)
    while window_start < limit:
        window_end = window_start + window
        window = _WINDOW
        if open_pause_from is not None:
            window_end = min(window_end, max(open_pause_from, window_start))
        for span_start, span_end in _without_pauses(open_spans(calendar, window_start, window_end), pauses, limit):
            if span_end - span_start >= remaining:
                return span_start + remaining
            remaining -= span_end - span_start
        if open_pause_from is not None and window_end >= open_pause_from:
            return None
        window_start = window_end
    raise NoBusinessTime("The calendar is not open long enough to reach this deadline.")
