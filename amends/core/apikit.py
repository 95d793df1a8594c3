"""What every API router shares: bearer auth, the error body, idempotent creation, id cursors."""

import base64
import binascii
import functools
import json
import math
import re
import types
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Union, get_args, get_origin

from annotated_types import Interval
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from .bounds import EARLIEST_YEAR, LATEST_YEAR, MAX_OFFSET, year_in_range
from .errors import DomainError, ErrorCode, RateLimited
from .idempotency import Outcome, run_idempotent
from .models import User
from .ratelimit import client_ip, rate_limit_count, rate_limit_hit, seconds_left_in_window
from .services import api_token_authenticate, api_token_known

NUL = "\x00"


def contains_nul(value: Any) -> bool:
    """Whether a NUL character hides in a text, or in the keys or values of a dict or list (PostgreSQL refuses it)."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(contains_nul(key) or contains_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(contains_nul(item) for item in value)
    return False  # numbers, dates, and nested schemas (which check their own fields)


# A text the services would not strip to nothing: stated in the document, refused by the services (400 missing_field)
NOT_BLANK: dict[str, Any] = {"pattern": r"\S"}


def _json_integer(value: Any) -> Any:
    """A JSON whole number (5 or 5.0), never text or true/false (pydantic's lax mode would take those)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise PydanticCustomError("int_type", "give a whole number")
    return value


# Validation context for sources whose types we do not choose (a CSV cell, a mapped webhook delivery): "5" is 5.
LAX_TYPES = "lax_types"


@functools.cache
def _json_kind(annotation: Any) -> type | None:
    """int or bool when a field holds that (or None), with its constraints; else None."""
    if get_origin(annotation) is Annotated:
        return _json_kind(get_args(annotation)[0])
    if get_origin(annotation) in (Union, types.UnionType):
        kinds = {_json_kind(member) for member in get_args(annotation) if member is not type(None)}
        return kinds.pop() if len(kinds) == 1 else None
    return annotation if annotation in (int, bool) else None


class StrictSchema(Schema):
    """A JSON body: fields it does not know are refused, and so are NUL characters in any text of any field, and
    values of another JSON type than the field's (pydantic's lax mode reads "5" and true as 5 and 0 as false)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _json_types(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None or not info.field_name or (info.context or {}).get(LAX_TYPES):
            return value
        annotation: Any = cls.model_fields[info.field_name].annotation
        kind = _json_kind(annotation)
        if kind is None:
            return value
        if kind is int:
            return _json_integer(value)
        if not isinstance(value, bool):
            raise PydanticCustomError("bool_type", "give true or false")
        return value

    # Fields whose content another schema validates later (a batch's items, each on its own).
    validated_later: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul_characters(cls, value: Any, info: ValidationInfo) -> Any:
        if info.field_name in cls.validated_later:
            return value
        if not isinstance(value, BaseModel) and contains_nul(value):
            raise PydanticCustomError("nul_character", "a text may not contain the NUL character (U+0000)")
        return value


class QuerySchema(Schema):
    """Query parameters: text by nature, so "5" is 5 and "true" is true (their NULs are the middleware's)."""

    model_config = ConfigDict(extra="forbid")


# --- Shared input types: what the OpenAPI document says is exactly what is accepted ---------------------------------

YEAR_PATTERN = r"^(19|2[01])[0-9]{2}-"
DATE_TIME_PATTERN = YEAR_PATTERN + r".*([Zz]|[+-](0[0-9]|1[0-5]):?[0-5][0-9])$"
_DATE_TIME_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")
_DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date_time_text(value: Any) -> Any:
    """Times come as ISO 8601 text; a bare number is not a time (pydantic would read it as seconds since 1970)."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _DATE_TIME_TEXT.match(value):
        raise PydanticCustomError("datetime_text", "give the time as ISO 8601 text, e.g. 2026-11-22T10:00:00+01:00")
    return value


def _date_text(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _DATE_TEXT.fullmatch(value):
        raise PydanticCustomError("date_text", "give the day as ISO 8601 text, e.g. 2026-11-22")
    return value


def _year_in_range(value: date) -> None:
    if not year_in_range(value):
        raise PydanticCustomError(
            "year_out_of_range",
            "the year must be between {earliest} and {latest}",
            {"earliest": EARLIEST_YEAR, "latest": LATEST_YEAR},
        )


def _aware_in_utc(value: datetime) -> datetime:
    """Times must carry their offset (any offset a clock can show); they are kept in UTC."""
    if value.tzinfo is None:
        raise PydanticCustomError("naive_datetime", "give the time with its UTC offset, e.g. 2026-11-22T10:00:00+01:00")
    _year_in_range(value)
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_OFFSET:
        raise PydanticCustomError("offset_out_of_range", "a UTC offset is within ±15:59")
    return value.astimezone(UTC)


def _day_in_range(value: date) -> date:
    _year_in_range(value)
    return value


AwareDateTime = Annotated[
    datetime,
    BeforeValidator(_date_time_text),
    AfterValidator(_aware_in_utc),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": DATE_TIME_PATTERN}),
]
"""A moment with its UTC offset (±15:59 at most), years 1900-2199, converted to UTC."""

IsoDate = Annotated[
    date,
    BeforeValidator(_date_text),
    AfterValidator(_day_in_range),
    WithJsonSchema({"type": "string", "format": "date", "pattern": YEAR_PATTERN}),
]
"""A day, YYYY-MM-DD, years 1900-2199."""

MAX_MONEY = Decimal("1000000")
_MONEY_TEXT = r"(\d{1,6}(\.\d{1,2})?|1000000(\.0{1,2})?)"
_NONZERO_MONEY_TEXT = r"([1-9]\d{0,5}(\.\d{1,2})?|0\.(0[1-9]|[1-9]\d?)|1000000(\.0{1,2})?)"
MONEY_PATTERN = f"^{_MONEY_TEXT}$"
CORRECTION_PATTERN = f"^-?{_NONZERO_MONEY_TEXT}$"


_DECIMAL_TEXT = re.compile(r"-?\d{1,30}(\.\d{1,30})?")


def _read_amount(value: Any) -> Decimal:
    """An amount written as decimal text ("25.00") or a JSON number; a number is taken to the cent when it is one
    but for binary rounding (0.57 arrives as 0.5700000000000001). Range and cents are the services' rules."""
    if isinstance(value, Decimal):
        value = str(value)
    if isinstance(value, str):
        if not _DECIMAL_TEXT.fullmatch(value):
            raise PydanticCustomError("money_text", 'give the amount as decimal text, e.g. "25.00"')
        return Decimal(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, float) and math.isfinite(value):
        cents = round(value * 100) if abs(value) < 1e12 else None  # far past any limit: the services refuse it
        return Decimal(cents) / 100 if cents is not None and abs(value * 100 - cents) < 1e-6 else Decimal(str(value))
    raise PydanticCustomError("money_text", 'give the amount as decimal text, e.g. "25.00"')


def _correction_in_range(amount: Decimal) -> Decimal:
    """Corrections have no other upper bound: the database's column would overflow (a 500) past this one."""
    if abs(amount) > MAX_MONEY:
        raise PydanticCustomError("money_range", "a correction is between -1,000,000 and 1,000,000")
    return amount


Money = Annotated[
    Decimal,
    BeforeValidator(_read_amount),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": MONEY_PATTERN},
                {"type": "number", "minimum": 0, "maximum": 1_000_000, "multipleOf": 0.01},
            ]
        }
    ),
]
"""An amount from 0 to 1,000,000 in cents: "25.00" (or the number 25)."""

Total = Annotated[
    Decimal,
    BeforeValidator(_read_amount),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^\d{1,12}(\.\d{1,2})?$"},
                {"type": "number", "minimum": 0, "maximum": 999_999_999_999, "multipleOf": 0.01},
            ]
        }
    ),
]
"""A sum of many amounts (an incident's gestures for a whole cohort): "18775.00", not bounded like one amount."""

CorrectionAmount = Annotated[
    Decimal,
    BeforeValidator(_read_amount),
    AfterValidator(_correction_in_range),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": CORRECTION_PATTERN},
                {
                    "type": "number",
                    "minimum": -1_000_000,
                    "maximum": 1_000_000,
                    "multipleOf": 0.01,
                    "not": {"const": 0},
                },
            ]
        }
    ),
]
"""A non-zero amount from -1,000,000 to 1,000,000 in cents."""

MAX_ID = 2**63 - 1  # the largest id a database stores
IdIn = Annotated[int, Interval(ge=1, le=MAX_ID)]
"""An object's id in a JSON body: a number (not text, not true/false)."""
IdFilter = Annotated[int, Interval(ge=1, le=MAX_ID)]
"""An object's id as a query parameter."""

MAX_ATTRIBUTES_BYTES = 16 * 1024
MAX_ATTRIBUTES_DEPTH = 5


def _nested_deeper_than(value: Any, levels: int) -> bool:
    """Whether dicts and lists nest more than `levels` deep (it looks no deeper than that)."""
    if not isinstance(value, dict | list):
        return False
    if levels == 0:
        return True
    items = value.values() if isinstance(value, dict) else value
    return any(_nested_deeper_than(item, levels - 1) for item in items)


def _bounded_attributes(value: dict[str, Any]) -> dict[str, Any]:
    if _nested_deeper_than(value, MAX_ATTRIBUTES_DEPTH):
        raise PydanticCustomError(
            "attributes_too_deep", "attributes nest {depth} levels at most", {"depth": MAX_ATTRIBUTES_DEPTH}
        )
    if len(json.dumps(value, ensure_ascii=False).encode()) > MAX_ATTRIBUTES_BYTES:
        raise PydanticCustomError(
            "attributes_too_large", "attributes take {size} bytes of JSON at most", {"size": MAX_ATTRIBUTES_BYTES}
        )
    return value


Attributes = Annotated[dict[str, Any], AfterValidator(_bounded_attributes)]
"""Free-form JSON facts about an interaction: at most 16 KB of JSON, nested 5 levels at most."""


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None


# Reads answer 400 for a cursor they did not hand out (invalid_cursor) or a filter they cannot apply.
ERRORS_READ = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}
ERRORS_WRITE = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut}


class QueryParser(Parser):
    """JSON bodies as ninja reads them; a query parameter that is not a list is given once, or refused."""

    def parse_querydict(self, data: MultiValueDict, list_fields: list[str], request: HttpRequest) -> dict[str, Any]:
        for key, values in data.lists():
            if len(values) > 1 and key not in list_fields:
                raise DomainError(
                    ErrorCode.INVALID_VALUE, _("Give %(name)s once.") % {"name": key}, field=key, status=422
                )
        return super().parse_querydict(data, list_fields, request)


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
    "year_out_of_range": ErrorCode.OUT_OF_RANGE,
    "offset_out_of_range": ErrorCode.OUT_OF_RANGE,
    "money_range": ErrorCode.OUT_OF_RANGE,
    "attributes_too_deep": ErrorCode.TOO_LARGE,
    "attributes_too_large": ErrorCode.TOO_LARGE,
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


CURSOR_DESCRIPTION = "The next_cursor of the page before; a value this API did not hand out is refused (400)."


class IdPageParams(Schema):
    cursor: str | None = Field(default=None, description=CURSOR_DESCRIPTION)
    limit: int = Field(default=50, description="Items per page, 1 to 200.")


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
