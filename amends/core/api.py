from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from .apikit import ERRORS_READ, ERRORS_WRITE, IdPageParams, api_user, id_page, idempotent_create
from .enums import Role
from .errors import Forbidden, NotFound
from .models import BusinessCalendar, Location
from .schemas import CalendarIn, CalendarOut, CalendarPage, LocationIn, LocationOut, LocationPage
from .selectors import location_team_check, locations_visible_to, team_by_slug
from .services import calendar_create, location_create

router = Router(tags=["locations"])


def location_out(location: Location) -> dict:
    return {
        "id": location.pk,
        "code": location.code,
        "name": location.name,
        "country": location.country,
        "timezone": location.timezone,
        "team": location.team.slug if location.team else None,
    }


@router.post("/locations", response={201: LocationOut, **ERRORS_WRITE})
def create_location(request: HttpRequest, payload: LocationIn):
    """Add a touchpoint. Supervisors and admins only."""
    user = api_user(request)
    if not user.supervises:
        raise Forbidden(_("Only supervisors and admins manage locations."))

    def action() -> tuple[int, dict]:
        team = team_by_slug(payload.team)
        location_team_check(user, team)
        location = location_create(
            code=payload.code,
            name=payload.name,
            country=payload.country,
            timezone_name=payload.timezone,
            team=team,
        )
        return 201, location_out(location)

    return idempotent_create(request, scope="locations.create", payload=payload, action=action)


@router.get("/locations", response={200: LocationPage, **ERRORS_READ})
def list_locations(request: HttpRequest, params: Query[IdPageParams]):
    """The locations of the caller's teams (admins and integration accounts: all)."""
    return id_page(locations_visible_to(api_user(request)), params, location_out)


def calendar_out(calendar: BusinessCalendar) -> dict:
    return {
        "id": calendar.pk,
        "name": calendar.name,
        "timezone": calendar.timezone,
        "country": calendar.country or None,
        "subdivision": calendar.subdivision or None,
        "hours": calendar.hours,
        "closed_days": calendar.closed_days,
        "special_hours": calendar.special_hours,
    }


@router.post("/calendars", response={201: CalendarOut, **ERRORS_WRITE}, tags=["sla"])
def create_calendar(request: HttpRequest, payload: CalendarIn):
    """A business-hours calendar for SLA clocks. Admins only."""
    if not api_user(request).has_role(Role.ADMIN):
        raise Forbidden(_("Only admins manage business-hours calendars."))

    def action() -> tuple[int, dict]:
        calendar = calendar_create(
            name=payload.name,
            timezone_name=payload.timezone,
            country=payload.country,
            subdivision=payload.subdivision,
            hours=payload.hours,
            closed_days=payload.closed_days,
            special_hours=payload.special_hours,
        )
        return 201, calendar_out(calendar)

    return idempotent_create(request, scope="calendars.create", payload=payload, action=action)


@router.get("/calendars", response={200: CalendarPage, **ERRORS_READ}, tags=["sla"])
def list_calendars(request: HttpRequest, params: Query[IdPageParams]):
    return id_page(BusinessCalendar.objects.all(), params, calendar_out)


@router.get("/calendars/{calendar_id}", response={200: CalendarOut, **ERRORS_READ}, tags=["sla"])
def get_calendar(request: HttpRequest, calendar_id: int):
    calendar = BusinessCalendar.objects.filter(pk=calendar_id).first()
    if calendar is None:
        raise NotFound(_("There is no calendar %(id)s.") % {"id": calendar_id})
    return calendar_out(calendar)
