"""The filters every analysis shares (period, location, team, channel, category) and who may see what."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from amends.cases.selectors import team_ids_of
from amends.core.errors import DomainError, ErrorCode
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
        """The filters with the default period filled in; a period that is backwards or too long is refused."""
        until = until or timezone.localdate()
        since = since or until - timedelta(days=DEFAULT_DAYS - 1)
        if since > until:
            raise DomainError(ErrorCode.INVALID_VALUE, _("The start must be before the end."), field="from")
        if (until - since).days >= MAX_DAYS:
            raise DomainError(ErrorCode.OUT_OF_RANGE, _("Choose a period of at most three years."), field="from")
        return cls(since=since, until=until, **narrowing)


def monday(day: date) -> date:
    """The week a day belongs to, by its Monday: weekly trends and control charts group by it."""
    return day - timedelta(days=day.weekday())


def weekly_sums(facts: QuerySet[Any], summed: str, *by: str) -> QuerySet[Any]:
    """Rows of (*by, Monday, sum of `summed`): the facts grouped per week by the database."""
    return facts.annotate(week=TruncWeek("day")).values_list(*by, "week").annotate(n=Sum(summed)).order_by()


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
