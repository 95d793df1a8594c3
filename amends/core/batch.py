"""Batch endpoints: every item validated and stored on its own, with its own idempotency key and result."""

from collections.abc import Callable
from typing import Any

import pydantic
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field

from .apikit import StrictSchema, api_user, domain_error_from_validation
from .errors import DomainError, ErrorCode
from .idempotency import Outcome, run_idempotent

MAX_BATCH_ITEMS = 1000


class BatchIn(StrictSchema):
    items: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_BATCH_ITEMS)


class ItemErrorOut(Schema):
    code: str
    message: str
    field: str | None


class ItemResultOut(Schema):
    index: int
    status: int
    result: dict[str, Any] | None
    error: ItemErrorOut | None


class BatchOut(Schema):
    created: int
    failed: int
    items: list[ItemResultOut]


def run_batch(
    request: HttpRequest,
    *,
    scope: str,
    items: list[dict[str, Any]],
    schema: type[pydantic.BaseModel],
    create: Callable[[Any], Outcome],
) -> dict[str, Any]:
    """Validate and create each item in its own transaction; one bad item does not reject the others.

    An item's `idempotency_key` field plays the role of the Idempotency-Key header, in the same scope as the
    single-item endpoint, so a retried item (alone or in a batch) is stored once.
    """
    user = api_user(request)
    results = []
    for index, raw in enumerate(items):
        fields = dict(raw)
        key = fields.pop("idempotency_key", None)
        try:
            if key is not None and not isinstance(key, str):
                raise DomainError(
                    ErrorCode.INVALID_VALUE, _("idempotency_key must be a string."), field="idempotency_key"
                )
            try:
                payload = schema.model_validate(fields)
            except pydantic.ValidationError as exc:
                raise domain_error_from_validation(
                    list(exc.errors()), field_of=lambda loc: ".".join(str(part) for part in loc) or None
                ) from exc
            status, body = run_idempotent(
                user=user,
                scope=scope,
                key=key,
                payload=payload,
                action=lambda payload=payload: create(payload),  # type: ignore[misc]
            )
            results.append({"index": index, "status": status, "result": body, "error": None})
        except DomainError as error:
            results.append({"index": index, "status": error.status, "result": None, "error": error.as_dict()})
    created = sum(1 for item in results if item["error"] is None)
    return {"created": created, "failed": len(results) - created, "items": results}
