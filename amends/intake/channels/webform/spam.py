"""Keeping bots out of the public form without bothering people: a honeypot, a minimum fill time, a rate limit.

The form carries a signed stamp made when the page was rendered: when, for which location, and a random nonce that
becomes the feedback's external reference, so the same form sent twice (double click, back button) is stored once.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

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
    """Count one submission under `key`; True while the count stays within `limit` in the current window.

    Fixed windows on the clock (a count per window number), kept in Django's cache, which every web process shares
    (settings.CACHES). The window is in the key because not every cache keeps a key's expiry when it is incremented
    (the database cache sets it anew).
    """
    number = int(timezone.now().timestamp() // window)
    cache_key = f"amends:webform:rate:{key}:{number}"
    if cache.add(cache_key, 1, timeout=window):
        return limit >= 1
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add() and incr()
        cache.add(cache_key, 1, timeout=window)
        count = 1
    return count <= limit


def rate_limit_key(*, ip: str, location_code: str) -> str:
    return f"{location_code}:{ip}"


def client_ip(request: HttpRequest) -> str:
    """The customer's address. Behind N proxies of our own (setting AMENDS_TRUSTED_PROXIES, default 0), the address
    the outermost of them saw; entries further left in X-Forwarded-For come from the client and are not trusted."""
    proxies = int(getattr(settings, "AMENDS_TRUSTED_PROXIES", 0) or 0)
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return str(request.META.get("REMOTE_ADDR", ""))
