"""Keyset cursors on (time, id): what a page remembers of its last row, opaque to the client."""

import base64
import binascii
import json
from datetime import datetime

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from .errors import DomainError, ErrorCode


def encode_time_cursor(moment: datetime | None, pk: int) -> str:
    raw = json.dumps([moment.isoformat() if moment else None, pk])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_time_cursor(cursor: str) -> tuple[datetime | None, int]:
    """The (time, id) a cursor holds; a cursor that was not made here is refused with `invalid_cursor`."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        moment_raw, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        moment = parse_datetime(moment_raw) if moment_raw is not None else None
        if not isinstance(pk, int) or (moment_raw is not None and moment is None):
            raise ValueError
        return moment, pk
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError) as exc:
        raise _invalid() from exc


def decode_timed_cursor(cursor: str) -> tuple[datetime, int]:
    """As `decode_time_cursor`, for lists whose every row has a time."""
    moment, pk = decode_time_cursor(cursor)
    if moment is None:
        raise _invalid()
    return moment, pk


def _invalid() -> DomainError:
    return DomainError(ErrorCode.INVALID_CURSOR, _("The cursor is not valid."), field="cursor")
