"""What every API router shares: bearer auth, the error body, idempotent creation, id cursors."""

import base64
import binascii
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer
from pydantic import ConfigDict

from .errors import DomainError, ErrorCode, RateLimited
from .idempotency import Outcome, run_idempotent
from .models import User
from .ratelimit import client_ip, rate_limit_count, rate_limit_hit, seconds_left_in_window
from .services import api_token_authenticate, api_token_known


class StrictSchema(Schema):
    """Input schemas refuse fields they do not know."""

    model_config = ConfigDict(extra="forbid")


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None


ERRORS_READ = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}
ERRORS_WRITE = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut}


class BearerToken(HttpBearer):
    """A user's API token. An address that sent too many unknown tokens is refused before its token is looked at,
    so a good guess is never told apart from a bad one while the limit holds."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        # A token this process already found good skips the shared count: intake pays no cache read per request.
        user = api_token_known(token) or self._checked(request, token)
        if user is not None:
            request.user = user
        return user

    def _checked(self, request: HttpRequest, token: str) -> User | None:
        failures_key = f"api-token-failures:{client_ip(request)}"
        window = settings.AMENDS_API_TOKEN_FAILURE_WINDOW_SECONDS
        if rate_limit_count(failures_key, window=window) >= settings.AMENDS_API_TOKEN_FAILURE_LIMIT:
            raise RateLimited(
                _("Too many requests with an unknown API token from your address. Please try again later."),
                retry_after=seconds_left_in_window(window),
            )
        user = api_token_authenticate(token)
        if user is None:
            rate_limit_hit(failures_key, limit=settings.AMENDS_API_TOKEN_FAILURE_LIMIT, window=window)
        return user


def api_user(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def idempotent_create(request: HttpRequest, *, scope: str, payload: Any, action: Callable[[], Outcome]) -> Status:
    """Run a create action once per Idempotency-Key and answer with its (first) status and body."""
    status, body = run_idempotent(
        user=api_user(request),
        scope=scope,
        key=request.headers.get("Idempotency-Key"),
        payload=payload,
        action=action,
    )
    return Status(status, body)


def iso(moment: datetime) -> str:
    """A time as the API writes it (ISO 8601, UTC as Z), also inside stored and batch results."""
    return str(DjangoJSONEncoder().default(moment))


def money(amount: Decimal | None) -> str | None:
    """Amounts are decimals written as strings with cents ("250.00"), never floats."""
    return None if amount is None else str(amount.quantize(Decimal("0.01")))


def encode_id_cursor(pk: int) -> str:
    return base64.urlsafe_b64encode(str(pk).encode()).decode().rstrip("=")


def decode_id_cursor(cursor: str) -> int:
    try:
        return int(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()).decode())
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise DomainError(ErrorCode.INVALID_CURSOR, _("The cursor is not valid."), field="cursor") from exc


# Pydantic's error types, mapped onto our stable codes.
PYDANTIC_CODES = {
    "extra_forbidden": ErrorCode.UNKNOWN_FIELD,
    "missing": ErrorCode.MISSING_FIELD,
    "greater_than": ErrorCode.OUT_OF_RANGE,
    "greater_than_equal": ErrorCode.OUT_OF_RANGE,
    "less_than": ErrorCode.OUT_OF_RANGE,
    "less_than_equal": ErrorCode.OUT_OF_RANGE,
    "string_too_long": ErrorCode.TOO_LONG,
    "too_long": ErrorCode.TOO_LONG,
    "json_invalid": ErrorCode.INVALID_JSON,
    "too_short": ErrorCode.OUT_OF_RANGE,
}
LOCATION_PREFIXES = ("body", "query", "path", "header")


def _error(api: NinjaAPI, request: HttpRequest, status: int, code: str, message: str, field: str | None = None):
    return api.create_response(request, {"code": code, "message": message, "field": field}, status=status)


def _field_path(loc: list[Any]) -> str | None:
    parts = [str(part) for part in loc]
    if parts and parts[0] in LOCATION_PREFIXES:
        parts = parts[1:]
        if parts and parts[0] == "payload":  # the name of every endpoint's body parameter
            parts = parts[1:]
    return ".".join(parts) or None


def domain_error_from_validation(errors: list[Any], *, field_of: Callable[[list[Any]], str | None]) -> DomainError:
    """The first of pydantic's errors, as one of our stable codes."""
    first = errors[0] if errors else {}
    code = PYDANTIC_CODES.get(first.get("type", ""), ErrorCode.INVALID_VALUE)
    field = field_of(list(first.get("loc", [])))
    if code == ErrorCode.UNKNOWN_FIELD:
        message = _("Unknown field: %(field)s.") % {"field": field}
    elif code == ErrorCode.MISSING_FIELD:
        message = _("This field is required: %(field)s.") % {"field": field}
    else:
        message = f"{field}: {first.get('msg', _('Invalid value.'))}" if field else first.get("msg", "")
    return DomainError(code, message, field=field, status=400 if code == ErrorCode.INVALID_JSON else 422)


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        response = _error(api, request, exc.status, exc.code, exc.message, exc.field)
        if isinstance(exc, RateLimited):
            response["Retry-After"] = str(exc.retry_after)
        return response

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        error = domain_error_from_validation(exc.errors, field_of=_field_path)
        return _error(api, request, error.status, error.code, error.message, error.field)

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = _error(
            api,
            request,
            401,
            ErrorCode.UNAUTHORIZED,
            _("Send a valid API token: Authorization: Bearer <token>."),
        )
        response["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400:
            return _error(api, request, 400, ErrorCode.INVALID_JSON, _("The request body is not valid JSON."))
        codes = {
            401: ErrorCode.UNAUTHORIZED,
            403: ErrorCode.FORBIDDEN,
            404: ErrorCode.NOT_FOUND,
            429: ErrorCode.RATE_LIMITED,
        }
        return _error(api, request, exc.status_code, codes.get(exc.status_code, "http_error"), str(exc))


class IdPageParams(Schema):
    cursor: str | None = None
    limit: int = 50


MAX_PAGE = 200


def page_size(limit: int) -> int:
    """A list's `limit`, held between 1 and MAX_PAGE."""
    return max(1, min(limit, MAX_PAGE))


def id_page(rows: QuerySet, params: IdPageParams, render: Callable[[Any], dict]) -> dict:
    """One page of a list in id order, `{"items", "next_cursor"}`; the cursor is the last id shown."""
    limit = page_size(params.limit)
    rows = rows.order_by("id")
    if params.cursor:
        rows = rows.filter(id__gt=decode_id_cursor(params.cursor))
    items = list(rows[: limit + 1])
    more = len(items) > limit
    items = items[:limit]
    return {"items": [render(row) for row in items], "next_cursor": encode_id_cursor(items[-1].pk) if more else None}
