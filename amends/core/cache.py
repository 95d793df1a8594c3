"""A tiny per-process cache with a time to live, for hot lookups on the intake path.

Each web process keeps its own copy, so a change made elsewhere is seen here within `ttl` seconds.
"""

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

V = TypeVar("V")


class TtlCache(Generic[V]):
    def __init__(self, *, ttl: float, max_entries: int = 1024, clock: Callable[[], float] = time.monotonic):
        self.ttl = ttl
        self.max_entries = max_entries
        self.clock = clock
        self._entries: dict[str, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, value = entry
        if self.clock() >= expires:
            with self._lock:
                self._entries.pop(key, None)
            return None
        return value

    def put(self, key: str, value: V) -> None:
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()  # crude, but bounded; a full cache refills in one ttl
            self._entries[key] = (self.clock() + self.ttl, value)

    def discard(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
