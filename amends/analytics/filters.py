"""The filters every analysis shares (period, location, team, channel, category) and who may see what."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from amends.cases.selectors import team_ids_of
from amends.core.models import User

DEFAULT_DAYS = 182  # half a year: enough weeks for a control chart
MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class Filters:
    since: date
    until: date  # inclusive
    location: str | None = None
    team: str | None = None
    channel: str | None = None
    category: str | None = None

    @classmethod
    def of(cls, *, since: date | None = None, until: date | None = None, **narrowing: str | None) -> "Filters":
        until = until or timezone.localdate()
        return cls(since=since or until - timedelta(days=DEFAULT_DAYS - 1), until=until, **narrowing)


def narrowed(rows: QuerySet[Any], filters: Filters, user: User, *, has_team: bool = True) -> QuerySet[Any]:
    """Facts within the period and filters, and only of the teams this person works in (admins see all)."""
    rows = rows.filter(day__gte=filters.since, day__lte=filters.until)
    if filters.location:
        rows = rows.filter(location__code=filters.location)
    if has_team and filters.team:
        rows = rows.filter(team__slug=filters.team)
    if has_team and filters.channel:
        rows = rows.filter(channel=filters.channel)
    if has_team and filters.category is not None:
        rows = rows.filter(category=filters.category)
    if user.sees_all_teams:
        return rows
    teams = team_ids_of(user)
    if has_team:
        return rows.filter(team_id__in=teams)
    return rows.filter(location__team_id__in=teams)
