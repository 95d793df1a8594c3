from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from .apikit import ERRORS_READ, ERRORS_WRITE, api_user, decode_id_cursor, encode_id_cursor, idempotent_create
from .enums import Role
from .errors import Forbidden
from .models import Location
from .schemas import LocationIn, LocationOut, LocationPage
from .selectors import team_by_slug
from .services import location_create

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
    if not (user.has_role(Role.SUPERVISOR) or user.has_role(Role.ADMIN)):
        raise Forbidden(_("Only supervisors and admins manage locations."))

    def action() -> tuple[int, dict]:
        team = team_by_slug(payload.team)
        location = location_create(
            code=payload.code,
            name=payload.name,
            country=payload.country,
            timezone_name=payload.timezone,
            team=team,
        )
        return 201, location_out(location)

    return idempotent_create(request, scope="locations.create", payload=payload, action=action)


class ListParams(Schema):
    cursor: str | None = None
    limit: int = 50


@router.get("/locations", response={200: LocationPage, **ERRORS_READ})
def list_locations(request: HttpRequest, params: Query[ListParams]):
    limit = max(1, min(params.limit, 200))
    locations = Location.objects.select_related("team").order_by("id")
    if params.cursor:
        locations = locations.filter(id__gt=decode_id_cursor(params.cursor))
    rows = list(locations[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "items": [location_out(location) for location in rows],
        "next_cursor": encode_id_cursor(rows[-1].pk) if more else None,
    }
