"""Batch endpoints: every item validated and stored on its own, with its own idempotency key and result.

The answer is the one the items would get if they were posted one after the other, in order, each with its
`idempotency_key` as the Idempotency-Key header of the single-item endpoint (same scope, so a retried item is stored
once whether it comes alone or in a batch): a bad item is refused alone, a key stored before replays its first
result (or is `idempotency_key_reused` for a different body), and an item repeating the key of an earlier item of
the same batch is that item's retry.

With a `BulkCreate`, the items are stored in chunks: the chunk's keys are looked up in one query, its items are
checked together, and the accepted ones are written together, with their idempotency records, in one transaction.
When that write fails (a concurrent request stored one of the keys or created one of the customers a moment ago),
the chunk is rolled back and its items are run one by one, exactly as without a `BulkCreate`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import pydantic
from django.db import DatabaseError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field

from .apikit import StrictSchema, api_user, domain_error_from_validation
from .errors import DomainError, ErrorCode
from .idempotency import (
    Outcome,
    check_key,
    records_for,
    replay,
    request_fingerprint,
    run_idempotent,
    store_records,
)
from .models import IdempotencyRecord, User

MAX_BATCH_ITEMS = 1000
CHUNK_SIZE = 250  # items per transaction

Payload = TypeVar("Payload")
Checked = TypeVar("Checked")


class BatchIn(StrictSchema):
    items: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_BATCH_ITEMS)

    validated_later = frozenset({"items"})  # a bad item is refused alone


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


@dataclass(frozen=True)
class BulkCreate(Generic[Payload, Checked]):
    """How an endpoint stores many items at once, with the answers its single-item `create` would give.

    `check` refuses what `create` would refuse (a DomainError per item), without writing; `write` stores the
    accepted items, in order, inside the caller's transaction, and answers an Outcome for each.
    """

    check: Callable[[list[Payload]], list[Checked | DomainError]]
    write: Callable[[list[Checked]], list[Outcome]]


@dataclass(frozen=True)
class _Item:
    index: int
    payload: Any
    key: str | None
    fingerprint: str = ""  # of the payload, when there is a key


def run_batch(
    request: HttpRequest,
    *,
    scope: str,
    items: list[dict[str, Any]],
    schema: type[pydantic.BaseModel],
    create: Callable[[Any], Outcome],
    bulk: BulkCreate[Any, Any] | None = None,
) -> dict[str, Any]:
    """Validate and create each item; one bad item does not reject the others (see the module's doc)."""
    user = api_user(request)
    results: dict[int, dict[str, Any]] = {}
    parsed: list[_Item] = []
    for index, raw in enumerate(items):
        try:
            parsed.append(_parse(index, raw, schema))
        except DomainError as error:
            results[index] = _failure(index, error)
    for start in range(0, len(parsed), CHUNK_SIZE):
        chunk = parsed[start : start + CHUNK_SIZE]
        if bulk is None or not _run_chunk(user, scope, chunk, bulk, results):
            _run_one_by_one(user, scope, chunk, create, results)
    answers = [results[index] for index in range(len(items))]
    created = sum(1 for item in answers if item["error"] is None)
    return {"created": created, "failed": len(answers) - created, "items": answers}


def _parse(index: int, raw: dict[str, Any], schema: type[pydantic.BaseModel]) -> _Item:
    fields = dict(raw)
    key = fields.pop("idempotency_key", None)
    if key is not None and not isinstance(key, str):
        raise DomainError(ErrorCode.INVALID_VALUE, _("idempotency_key must be a string."), field="idempotency_key")
    try:
        payload = schema.model_validate(fields)
    except pydantic.ValidationError as exc:
        raise domain_error_from_validation(
            list(exc.errors()), field_of=lambda loc: ".".join(str(part) for part in loc) or None
        ) from exc
    if not key:
        return _Item(index=index, payload=payload, key=None)
    check_key(key)
    return _Item(index=index, payload=payload, key=key, fingerprint=request_fingerprint(payload))


def _run_one_by_one(
    user: User, scope: str, chunk: list[_Item], create: Callable[[Any], Outcome], results: dict[int, dict[str, Any]]
) -> None:
    """Each item in its own transaction, through the single-item path."""
    for item in chunk:
        try:
            status, body = run_idempotent(
                user=user,
                scope=scope,
                key=item.key,
                payload=item.payload,
                action=lambda payload=item.payload: create(payload),  # type: ignore[misc]
            )
            results[item.index] = _success(item.index, (status, body))
        except DomainError as error:
            results[item.index] = _failure(item.index, error)


def _run_chunk(
    user: User, scope: str, chunk: list[_Item], bulk: BulkCreate[Any, Any], results: dict[int, dict[str, Any]]
) -> bool:
    """Store the chunk with `bulk`; False (nothing stored, no result set) when it must go one by one instead."""
    stored = records_for(user=user, scope=scope, keys=(item.key for item in chunk if item.key))
    answered: dict[int, dict[str, Any]] = {}
    fresh = []
    for item in chunk:
        record = stored.get(item.key) if item.key else None
        if record is None:
            fresh.append(item)
        else:
            answered[item.index] = _replayed(item, record)
    checked = bulk.check([item.payload for item in fresh]) if fresh else []
    accepted: list[tuple[_Item, Any]] = []
    first_with_key: dict[str, _Item] = {}
    retries: list[tuple[_Item, _Item]] = []  # (item, the earlier item of the chunk with the same key)
    for item, outcome in zip(fresh, checked, strict=True):
        if isinstance(outcome, DomainError):
            answered[item.index] = _failure(item.index, outcome)  # refused: its key is not taken
        elif item.key and item.key in first_with_key:
            retries.append((item, first_with_key[item.key]))
        else:
            if item.key:
                first_with_key[item.key] = item
            accepted.append((item, outcome))
    try:
        with transaction.atomic():
            outcomes = bulk.write([checked_item for _item, checked_item in accepted]) if accepted else []
            answers = [
                (item.key, item.fingerprint, status, body)
                for (item, _checked), (status, body) in zip(accepted, outcomes, strict=True)
                if item.key
            ]
            store_records(user=user, scope=scope, answers=answers)
    except (DatabaseError, DomainError):
        return False  # rolled back: e.g. a concurrent request took a key; one by one sorts it out
    first_outcome: dict[int, Outcome] = {}
    for (item, _checked), outcome in zip(accepted, outcomes, strict=True):
        answered[item.index] = _success(item.index, outcome)
        first_outcome[item.index] = outcome
    for item, first in retries:
        status, body = first_outcome[first.index]
        record = IdempotencyRecord(request_hash=first.fingerprint, status_code=status, response=body)
        answered[item.index] = _replayed(item, record)
    results.update(answered)
    return True


def _replayed(item: _Item, record: IdempotencyRecord) -> dict[str, Any]:
    try:
        return _success(item.index, replay(record, item.fingerprint))
    except DomainError as error:
        return _failure(item.index, error)


def _success(index: int, outcome: Outcome) -> dict[str, Any]:
    status, body = outcome
    return {"index": index, "status": status, "result": body, "error": None}


def _failure(index: int, error: DomainError) -> dict[str, Any]:
    return {"index": index, "status": error.status, "result": None, "error": error.as_dict()}
