"""Idempotency-Key handling: a retried request gets the first answer and stores nothing twice."""

import hashlib
import json
from collections.abc import Callable, Iterable

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from pydantic import BaseModel

from .errors import DomainError, ErrorCode
from .models import IdempotencyRecord, User

MAX_KEY_LENGTH = 255
Outcome = tuple[int, dict]


def request_fingerprint(payload: object) -> str:
    """A hash of the request's meaning: validated models are compared in their JSON form."""
    if isinstance(payload, BaseModel):
        payload = payload.model_dump(mode="json")
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def run_idempotent(
    *, user: User, scope: str, key: str | None, payload: object, action: Callable[[], Outcome]
) -> Outcome:
    """Run `action` once per (user, scope, key); its (status, body) is stored in the same transaction."""
    if not key:
        with transaction.atomic():
            return action()
    check_key(key)
    fingerprint = request_fingerprint(payload)
    existing = IdempotencyRecord.objects.filter(user=user, scope=scope, key=key).first()
    if existing is not None:
        return replay(existing, fingerprint)
    try:
        with transaction.atomic():
            status, body = action()
            IdempotencyRecord.objects.create(
                user=user, scope=scope, key=key, request_hash=fingerprint, status_code=status, response=body
            )
    except IntegrityError:
        # A concurrent request with the same key won the race: its work stands, ours was rolled back.
        existing = IdempotencyRecord.objects.filter(user=user, scope=scope, key=key).first()
        if existing is None:
            raise
        return replay(existing, fingerprint)
    return status, body


def check_key(key: str) -> None:
    if len(key) > MAX_KEY_LENGTH:
        raise DomainError(ErrorCode.INVALID_VALUE, _("The Idempotency-Key is too long."), field="Idempotency-Key")


def records_for(*, user: User, scope: str, keys: Iterable[str]) -> dict[str, IdempotencyRecord]:
    """The stored first answers for any of `keys`, by key (one query)."""
    wanted = set(keys)
    if not wanted:
        return {}
    records = IdempotencyRecord.objects.filter(user=user, scope=scope, key__in=wanted)
    return {record.key: record for record in records}


def store_records(*, user: User, scope: str, answers: list[tuple[str, str, int, dict]]) -> None:
    """Store the first answers (key, fingerprint, status, body) of many requests (inside the caller's transaction).

    A key stored meanwhile by a concurrent request raises IntegrityError: the caller's transaction is void.
    """
    IdempotencyRecord.objects.bulk_create(
        [
            IdempotencyRecord(
                user=user, scope=scope, key=key, request_hash=fingerprint, status_code=status, response=body
            )
            for key, fingerprint, status, body in answers
        ]
    )


def replay(record: IdempotencyRecord, fingerprint: str) -> Outcome:
    if record.request_hash != fingerprint:
        raise DomainError(
            ErrorCode.IDEMPOTENCY_KEY_REUSED,
            _("This Idempotency-Key was already used for a different request."),
            field="Idempotency-Key",
            status=409,
        )
    return record.status_code, record.response
