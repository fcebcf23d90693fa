"""Refusing limits for public entry points: a token bucket per key that says no
(rather than waiting, as the SMS send limiter does), and a counter of open
connections per key. Memory stays bounded whatever the number of keys."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable

# Past this many keys, buckets that have refilled completely are forgotten.
MAX_KEYS = 100_000


class Buckets:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._state: dict[Hashable, tuple[float, float]] = {}  # key -> (tokens, updated)

    def allow(self, key: Hashable, per_period: float, period: float, cost: float = 1.0) -> bool:
        """Take ``cost`` from the key's bucket of ``per_period`` tokens per ``period`` seconds."""
        now = self._clock()
        rate = per_period / period
        tokens, updated = self._state.get(key, (per_period, now))
        tokens = min(per_period, tokens + (now - updated) * rate)
        allowed = tokens >= cost
        if allowed:
            tokens -= cost
        self._state[key] = (tokens, now)
        if len(self._state) > MAX_KEYS:
            self._prune(now, rate, per_period)
        return allowed

    def _prune(self, now: float, rate: float, capacity: float) -> None:
        full = [k for k, (t, u) in self._state.items() if t + (now - u) * rate >= capacity]
        for key in full:
            del self._state[key]

    def __len__(self) -> int:
        return len(self._state)


class Counter:
    """Open connections per key (an IP address on a channel)."""

    def __init__(self) -> None:
        self._counts: dict[Hashable, int] = {}

    def acquire(self, key: Hashable, limit: int) -> bool:
        count = self._counts.get(key, 0)
        if count >= limit:
            return False
        self._counts[key] = count + 1
        return True

    def release(self, key: Hashable) -> None:
        count = self._counts.get(key, 0) - 1
        if count <= 0:
            self._counts.pop(key, None)
        else:
            self._counts[key] = count

    def total(self) -> int:
        return sum(self._counts.values())
