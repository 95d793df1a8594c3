import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import OperationalError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse, QueryDict
from django.utils import translation
from django.utils.translation import gettext as _

from .errors import DomainError, ErrorCode, Forbidden, NotFound

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
RETRY_AFTER_SECONDS = 5  # a database restart or fail-over usually takes seconds


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def api_error(error: DomainError) -> JsonResponse:
    """The API's error body, for answers given before (or after) the API's own handlers."""
    return JsonResponse(error.as_dict(), status=error.status)


def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json"))


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # as Django reads it


def _has_body(request: HttpRequest) -> bool:
    return _content_length(request) > 0 or "HTTP_TRANSFER_ENCODING" in request.META


def _nul_parameter(data: QueryDict) -> str | None:
    """The first parameter whose name or value holds a NUL character."""
    for key, values in data.lists():
        if "\x00" in key or any("\x00" in value for value in values):
            return key.replace("\x00", "")
    return None


def _refusal(request: HttpRequest) -> DomainError | None:
    """What the API refuses before any endpoint runs: the transport's rules, the same for every operation."""
    if "\x00" in request.path_info:
        return NotFound(_("Not found."))  # no object's id or code can hold a NUL character
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is not None and _content_length(request) > limit:
        return DomainError(
            ErrorCode.TOO_LARGE,
            _("The request body is larger than %(size)d bytes; send large batches in parts.") % {"size": limit},
            status=413,
        )
    if request.method in BODY_METHODS and _has_body(request) and not _is_json(request.content_type or ""):
        return DomainError(
            ErrorCode.UNSUPPORTED_MEDIA_TYPE,
            _("Send the body as JSON, with Content-Type: application/json."),
            field="Content-Type",
            status=415,
        )
    parameter = _nul_parameter(request.GET)
    if parameter is not None:
        return DomainError(
            ErrorCode.INVALID_VALUE, _("A text may not contain the NUL character (U+0000)."), field=parameter,
            status=422,
        )  # fmt: skip
    return None


def _nul_page() -> HttpResponse:
    return HttpResponseBadRequest(_("A text may not contain the NUL character (U+0000)."))


class BadInputMiddleware:
    """Input no endpoint can take is refused before any runs, with a 4xx: never a 500 from the database.

    Under /api/: a NUL character in the path (404) or in a query parameter (422), a body that is not JSON (415) or too
    large (413), and a method the path does not have (405), all as the API's JSON error body; a database that cannot
    be reached is a 503 with Retry-After. On pages: a NUL character in the path, the query or a form is a 400.
    (NUL characters in JSON bodies are StrictSchema's to refuse, field by field.)
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_api(request):
            refusal = _refusal(request)
            if refusal is not None:
                return api_error(refusal)
            response = self.get_response(request)
            if response.status_code == 405 and not response.get("Content-Type", "").startswith("application/json"):
                allowed = response.get("Allow", "")
                response = api_error(
                    DomainError(
                        ErrorCode.METHOD_NOT_ALLOWED,
                        _("This path does not take %(method)s; it takes %(allowed)s.")
                        % {"method": request.method, "allowed": allowed},
                        status=405,
                    )
                )
                response["Allow"] = allowed
            return response
        if "\x00" in request.path_info or _nul_parameter(request.GET) is not None:
            return _nul_page()
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view: Callable, args: Any, kwargs: Any) -> HttpResponse | None:
        # A page's form, once the CSRF check has read it; views exempt from it read their body themselves (upload
        # limits first), and their forms refuse NUL characters as every Django form does.
        exempt = getattr(view, "csrf_exempt", False) or is_api(request)
        if request.method == "POST" and not exempt and _nul_parameter(request.POST) is not None:
            return _nul_page()
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OperationalError) and is_api(request):
            logger.error("Database unavailable: %s", exception)
            response = api_error(
                DomainError(
                    ErrorCode.SERVICE_UNAVAILABLE,
                    _("The service is briefly unavailable; try again in a few seconds."),
                    status=503,
                )
            )
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        return None


class UserLanguageMiddleware:
    """Use the signed-in user's language setting; LocaleMiddleware has already fallen back to the browser's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if language:
            response.headers.setdefault("Content-Language", language)
        return response


class DomainErrorPagesMiddleware:
    """On pages, a case that does not exist or is not yours is a plain 404, as Http404 would be."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, NotFound):
            raise Http404(exception.message) from exception
        if isinstance(exception, Forbidden):
            raise PermissionDenied(exception.message) from exception
        return None
