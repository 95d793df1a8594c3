"""The customer's language on the public pages: `?lang=` when given, else the browser's, never a staff setting."""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation.trans_real import parse_accept_lang_header

LANGUAGE_PARAM = "lang"


def supported_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def customer_language(request: HttpRequest) -> str:
    supported = supported_languages()
    asked = request.GET.get(LANGUAGE_PARAM, "").strip().lower()
    if asked in supported:
        return asked
    for accepted, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        if accepted == "*":
            break
        base = accepted.lower().split("-")[0]
        if base in supported:
            return base
    return settings.LANGUAGE_CODE


def in_customer_language(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Run the view (validation and rendering included) in the customer's language."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        language = customer_language(request)
        with translation.override(language):
            request.LANGUAGE_CODE = language
            response = view(request, *args, **kwargs)
        response.headers["Content-Language"] = language
        patch_vary_headers(response, ["Accept-Language"])
        return response

    return wrapped
