from datetime import date

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from .cache import TtlCache
from .clock import Calendar, parse_intervals, parse_week
from .enums import Role
from .errors import DomainError, ErrorCode
from .models import BusinessCalendar, Location, Team, User

# A calendar read from the database, by (id, last change): a changed calendar is read again.
_clocks: TtlCache[Calendar] = TtlCache(ttl=300, max_entries=256)


def team_by_slug(slug: str | None, *, field: str = "team") -> Team | None:
    """The team an API payload names, or None when it names none; an unknown slug is the caller's error."""
    if not slug:
        return None
    team = Team.objects.filter(slug=slug).first()
    if team is None:
        raise DomainError(
            ErrorCode.UNKNOWN_TEAM, _("There is no team %(slug)s.") % {"slug": slug}, field=field, status=422
        )
    return team


def user_by_username(username: str, *, field: str = "owner") -> User:
    """The user an API payload or form names; an unknown name is the caller's error (whether they may take a case
    is for the service to say)."""
    user = User.objects.filter(username=username).first()
    if user is None:
        raise DomainError(
            ErrorCode.UNKNOWN_USER, _("There is no user %(name)s.") % {"name": username}, field=field, status=422
        )
    return user


def locations_visible_to(user: User) -> QuerySet[Location]:
    """The locations a user works with: their teams' (admins and integration accounts: every location)."""
    locations = Location.objects.select_related("team")
    if user.intake_everywhere:
        return locations
    return locations.filter(team__in=user.teams.all())


def location_team_check(user: User, team: Team | None) -> None:
    """Supervisors add locations to their own teams; admins to any team, or to none."""
    if user.sees_all_teams or (team is not None and user.teams.filter(pk=team.pk).exists()):
        return
    raise DomainError(
        ErrorCode.FORBIDDEN,
        _("You may add locations only to your own teams."),
        field="team",
        status=403,
    )


def may_post_intake_at(user: User, location: Location) -> bool:
    """Who may post intake (interactions, feedback, survey invitations) at a location: admins and integration
    accounts everywhere, anyone else at the locations of their teams (a location without a team: nobody else)."""
    if user.intake_everywhere:
        return True
    return location.team_id is not None and user.teams.filter(pk=location.team_id).exists()


def intake_location_check(user: User, location: Location, *, field: str = "location") -> None:
    """Refuse intake at a location the user may not post at (`may_post_intake_at`): 403 location_forbidden."""
    if not may_post_intake_at(user, location):
        raise DomainError(
            ErrorCode.LOCATION_FORBIDDEN,
            _("You may not post at %(code)s: it belongs to a team you are not in.") % {"code": location.code},
            field=field,
            status=403,
        )


def teams_visible_to(user: User) -> QuerySet[Team]:
    """The user's own teams; every team for admins."""
    return Team.objects.all() if user.sees_all_teams else Team.objects.filter(members=user)


def supervisors_of(team_id: int | None) -> list[User]:
    """The active supervisors of a team; of every team when it is None (someone must hear of it)."""
    supervisors = User.objects.filter(groups__name=Role.SUPERVISOR.value, is_active=True)
    if team_id is not None:
        supervisors = supervisors.filter(teams=team_id)
    return list(supervisors.distinct())


def calendar_clock(calendar: BusinessCalendar) -> Calendar:
    """The stored calendar as the clock module reads it (checked when it was saved)."""
    key = f"{calendar.pk}:{calendar.updated_at.isoformat()}"
    cached = _clocks.get(key)
    if cached is None:
        cached = Calendar(
            timezone=calendar.timezone,
            week=parse_week(calendar.hours),
            closed_days=frozenset(date.fromisoformat(day) for day in calendar.closed_days),
            special_hours={
                date.fromisoformat(day): parse_intervals(pairs) for day, pairs in calendar.special_hours.items()
            },
            country=calendar.country or None,
            subdivision=calendar.subdivision or None,
        )
        _clocks.put(key, cached)
    return cached
