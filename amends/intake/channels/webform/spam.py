"""Keeping bots out of the public form without bothering people: a honeypot, a minimum fill time, a rate limit.

The form carries a signed stamp made when the page was rendered: when, for which location, and a random nonce that
becomes the feedback's external reference, so the same form sent twice (double click, back button) is stored once.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime

from django.core import signing
from django.utils import timezone

from amends.core import ratelimit
from amends.core.ratelimit import client_ip as client_ip  # the public pages import it from here

HONEYPOT_FIELD = "website"  # hidden from people by CSS; bots fill in fields named like this
MIN_FILL_SECONDS = 3  # a person needs longer than this to read and write a complaint
STAMP_MAX_AGE_SECONDS = 24 * 3600  # a form left open longer is rendered again with a fresh stamp
STAMP_SALT = "amends.webform.stamp"

RATE_LIMIT = 5  # submissions per IP address and location ...
RATE_WINDOW_SECONDS = 10 * 60  # ... within this window


@dataclass(frozen=True)
class Stamp:
    location_code: str
    nonce: str
    issued_at: float  # seconds since the epoch


def stamp_issue(location_code: str, *, now: datetime | None = None) -> str:
    issued = (now or timezone.now()).timestamp()
    return signing.dumps({"l": location_code, "n": secrets.token_urlsafe(18), "t": issued}, salt=STAMP_SALT)


def stamp_read(value: str, *, location_code: str) -> Stamp | None:
    """The stamp, when it is genuine, recent and made for this location; else None."""
    try:
        data = signing.loads(value, salt=STAMP_SALT, max_age=STAMP_MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("l") != location_code:
        return None
    nonce, issued = data.get("n"), data.get("t")
    if not isinstance(nonce, str) or not isinstance(issued, int | float):
        return None
    return Stamp(location_code=location_code, nonce=nonce, issued_at=float(issued))


def filled_too_fast(stamp: Stamp, *, now: datetime | None = None) -> bool:
    return (now or timezone.now()).timestamp() - stamp.issued_at < MIN_FILL_SECONDS


def rate_limit_hit(key: str, *, limit: int = RATE_LIMIT, window: int = RATE_WINDOW_SECONDS) -> bool:
    """Count one submission under `key`; True while the count stays within `limit` in the current window."""
    return ratelimit.rate_limit_hit(key, limit=limit, window=window)


def rate_limit_key(*, ip: str, location_code: str) -> str:
    return f"{location_code}:{ip}"
