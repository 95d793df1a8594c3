"""What a locked-out login sees (django-axes calls this): the same login page, with a message saying how long to wait.

Both login pages (/login/ and the back office's /admin/login/) are Django's LoginView; the page they rendered for the
refused attempt is shown again with the lockout message in place of "wrong password", and status 429.
"""

from typing import Any

from django.conf import settings
from django.forms.utils import ErrorDict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.utils.translation import ngettext

LOCKED_STATUS = 429


def cooloff_minutes() -> int:
    return max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))


def lockout_message() -> str:
    minutes = cooloff_minutes()
    return ngettext(
        "Too many failed attempts to log in to this account from your connection. Please wait %(minutes)d minute "
        "and try again, or ask an administrator to unlock the account.",
        "Too many failed attempts to log in to this account from your connection. Please wait %(minutes)d minutes "
        "and try again, or ask an administrator to unlock the account.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    message = lockout_message()
    response: HttpResponse
    if isinstance(original_response, TemplateResponse) and "form" in (original_response.context_data or {}):
        context = dict(original_response.context_data or {})
        form = context["form"]
        form._errors = ErrorDict()  # the lockout replaces "wrong password": the password was not even checked
        form.add_error(None, message)
        response = TemplateResponse(request, original_response.template_name, context, status=LOCKED_STATUS)
        response.render()  # middleware answers are not rendered by the handler
    else:
        response = render(request, "web/locked.html", {"message": message}, status=LOCKED_STATUS)
    response["Retry-After"] = str(cooloff_minutes() * 60)
    return response
