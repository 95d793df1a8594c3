"""The calendar every input stays within: years a person means, offsets a clock shows (one rule for API and pages)."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

EARLIEST_YEAR, LATEST_YEAR = 1900, 2199  # as written: any offset then converts to UTC without leaving the calendar
MAX_OFFSET = timedelta(hours=15, minutes=59)  # as far from UTC as PostgreSQL (and any clock) goes


def year_in_range(day: date) -> bool:
    return EARLIEST_YEAR <= day.year <= LATEST_YEAR


def validate_year(value: date) -> None:
    """A form field's validator: dates and times from 1900 to 2199 (year 1 or 9999 overflow when converted)."""
    if value is not None and not year_in_range(value):
        raise ValidationError(
            _("Choose a date between %(earliest)d and %(latest)d.") % {"earliest": EARLIEST_YEAR, "latest": LATEST_YEAR}
        )
