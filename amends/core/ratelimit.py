"""Counting requests per client: the public pages' rate limits, failed API tokens, and the client's address.

Counts live in Django's cache, which every web process shares (settings.CACHES), in fixed windows on the clock
(a count per window number). The window is in the key because not every cache keeps a key's expiry when it is
incremented (the database cache sets it anew).
"""

import math

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

DEFAULT_WINDOW_SECONDS = 10 * 60


def _window_key(key: str, window: int) -> str:
    number = int(timezone.now().timestamp() // window)
    return f"amends:rate:{key}:{number}"


def rate_limit_hit(key: str, *, limit: int, window: int = DEFAULT_WINDOW_SECONDS) -> bool:
    """Count one request under `key`; True while the count stays within `limit` in the current window."""
    cache_key = _window_key(key, window)
    if cache.add(cache_key, 1, timeout=window):
        return limit >= 1
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add() and incr()
        cache.add(cache_key, 1, timeout=window)
        count = 1
    return count <= limit


def rate_limit_count(key: str, *, window: int = DEFAULT_WINDOW_SECONDS) -> int:
    """How many requests `key` has counted in the current window, without counting one more."""
    return int(cache.get(_window_key(key, window), 0))


def seconds_left_in_window(window: int = DEFAULT_WINDOW_SECONDS) -> int:
    """What a refused client should wait (Retry-After): until the current window ends, at least a second."""
    now = timezone.now().timestamp()
    return max(1, math.ceil(window - now % window))


def client_ip(request: HttpRequest) -> str:
    """The client's address. Behind N proxies of our own (setting AMENDS_TRUSTED_PROXIES, default 0), the address
    the outermost of them saw; entries further left in X-Forwarded-For come from the client and are not trusted."""
    proxies = int(getattr(settings, "AMENDS_TRUSTED_PROXIES", 0) or 0)
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return str(request.META.get("REMOTE_ADDR", ""))
