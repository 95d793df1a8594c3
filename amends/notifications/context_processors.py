from django.http import HttpRequest

from amends.core.models import User

from .selectors import unread_count


def notifications(request: HttpRequest) -> dict:
    """How many notifications the signed-in user has not seen (for the navigation)."""
    user = getattr(request, "user", None)
    return {"unread_notifications": unread_count(user) if isinstance(user, User) else 0}
