"""Domain errors with stable codes, turned into `{"code", "message", "field"}` bodies by the API."""

from enum import StrEnum


class ErrorCode(StrEnum):
    INVALID_JSON = "invalid_json"  # the body is not JSON
    UNKNOWN_FIELD = "unknown_field"  # a field the endpoint does not know
    MISSING_FIELD = "missing_field"  # a required field is absent
    INVALID_VALUE = "invalid_value"  # a field has the wrong type or format
    OUT_OF_RANGE = "out_of_range"  # a number outside its allowed range
    TOO_LONG = "too_long"  # a text longer than allowed
    UNAUTHORIZED = "unauthorized"  # no or wrong credentials
    FORBIDDEN = "forbidden"  # authenticated, but not allowed to do this
    NOT_FOUND = "not_found"  # no such object (or not visible to this user)
    UNKNOWN_LOCATION = "unknown_location"  # the location code does not exist
    UNKNOWN_CUSTOMER = "unknown_customer"  # the customer external id does not exist
    UNKNOWN_INTERACTION = "unknown_interaction"  # the interaction external id does not exist
    UNKNOWN_USER = "unknown_user"  # no user with that username
    UNKNOWN_TEAM = "unknown_team"  # no team with that slug
    UNKNOWN_CALENDAR = "unknown_calendar"  # no business-hours calendar with that id
    DUPLICATE = "duplicate"  # an object with that key already exists
    INVALID_CURSOR = "invalid_cursor"  # the pagination cursor is malformed
    INVALID_TRANSITION = "invalid_transition"  # the case cannot move to that status now
    STEPS_OPEN = "steps_open"  # required playbook steps are not done; a supervisor may override with a reason
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"  # same key, different request body
    RATE_LIMITED = "rate_limited"  # too many requests
    UNKNOWN_SURVEY = "unknown_survey"  # no active survey with that slug
    CONTACT_TOO_SOON = "contact_too_soon"  # the customer was asked too recently
    OPEN_CASE = "open_case"  # the customer has an open case; surveys wait until it is resolved
    TOKEN_EXPIRED = "token_expired"  # the link is past its expiry
    TOKEN_USED = "token_used"  # the link was already used
    NOT_APPROVER = "not_approver"  # the offer waits for someone with more spending authority
    OFFER_CLOSED = "offer_closed"  # the offer was decided, chosen, rejected or has expired
    OVER_LIMIT = "over_limit"  # beyond the person's spending authority, where no approval is possible (incidents)
    LOCATION_FORBIDDEN = "location_forbidden"  # intake at a location of a team the caller is not in
    CONFIRMATION_REQUIRED = "confirmation_required"  # confirm the total this costs (as previewed) to go ahead
    TOO_LARGE = "too_large"  # the request body, or a structured value such as attributes, is larger than allowed
    METHOD_NOT_ALLOWED = "method_not_allowed"  # the path exists, but not with this HTTP method (see Allow)
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"  # a request body that is not JSON (Content-Type)
    SERVICE_UNAVAILABLE = "service_unavailable"  # the database cannot be reached now; retry after Retry-After
    SERVER_ERROR = "server_error"  # a fault on our side, logged; not the request's


class DomainError(Exception):
    """A refusal a user can act on. Services raise it; interfaces render it."""

    status = 400

    def __init__(self, code: ErrorCode, message: str, *, field: str | None = None, status: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        if status is not None:
            self.status = status

    def as_dict(self) -> dict:
        return {"code": str(self.code), "message": self.message, "field": self.field}


class NotFound(DomainError):
    status = 404

    def __init__(self, message: str = "Not found.", *, code: ErrorCode = ErrorCode.NOT_FOUND, field=None):
        super().__init__(code, message, field=field)


class Forbidden(DomainError):
    status = 403

    def __init__(self, message: str = "You are not allowed to do this.", *, code: ErrorCode = ErrorCode.FORBIDDEN):
        super().__init__(code, message)


class RateLimited(DomainError):
    """Too many requests from one client; it may try again after `retry_after` seconds (the Retry-After header)."""

    status = 429

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(ErrorCode.RATE_LIMITED, message)
        self.retry_after = retry_after
