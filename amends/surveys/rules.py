"""Contact-frequency rules for surveys: pure, no database."""

from datetime import datetime, timedelta
from enum import StrEnum


class Refusal(StrEnum):
    TOO_SOON = "contact_too_soon"  # asked within the survey's minimum interval
    OPEN_CASE = "open_case"  # a recovery is under way: do not ask how we did yet


def invitation_refusal(
    *,
    now: datetime,
    last_invited_at: datetime | None,
    min_days_between: int,
    has_open_case: bool,
    during_open_case: bool,
    about_a_case: bool,
) -> Refusal | None:
    """Why this customer may not be asked now, or None when they may.

    A survey about a case (asked on purpose when it closes) is not held back by that open case.
    """
    if last_invited_at is not None and now - last_invited_at < timedelta(days=min_days_between):
        return Refusal.TOO_SOON
    if has_open_case and not (during_open_case or about_a_case):
        return Refusal.OPEN_CASE
    return None
