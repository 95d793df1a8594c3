from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from amends.core.models import User

from .selectors import unread_count


def notifications(request: HttpRequest) -> dict:
    """How many notifications the signed-in user has not seen (for the navigation). Counted only when a template
    shows it, so partial pages (htmx swaps, the public form) do not pay for the query."""
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        return {"unread_notifications": 0}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
