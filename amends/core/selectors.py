from django.utils.translation import gettext as _

from .errors import DomainError, ErrorCode
from .models import Team


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
