"""Send rate limit per gateway: operators throttle, so we wait our turn instead of failing.

A token bucket per channel: ``max_per_second`` tokens refill continuously, up to ``burst``
(default: one second's worth). A send takes a token or waits, in arrival order, until one is
there; it never raises. The clock and the sleep are injectable so tests run on a fake clock.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float
    lock: asyncio.Lock


class RateLimiter:
    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._buckets: dict[Hashable, _Bucket] = {}

    async def acquire(self, key: Hashable, rate: float | None, burst: float | None = None) -> float:
        """Wait until ``key`` may send one more message; return the seconds waited.

        ``rate`` is messages per second; None or <= 0 means unlimited.
        """
        if not rate or rate <= 0:
            return 0.0
        capacity = max(burst if burst and burst > 0 else rate, 1.0)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _Bucket(tokens=capacity, updated=self._clock(), lock=asyncio.Lock())
            self._buckets[key] = bucket
        waited = 0.0
        # The lock queues senders fairly (asyncio.Lock wakes waiters in FIFO order), so a
        # burst drains at exactly ``rate`` and no one is starved.
        async with bucket.lock:
            while True:
                now = self._clock()
                bucket.tokens = min(capacity, bucket.tokens + (now - bucket.updated) * rate)
                bucket.updated = now
                if bucket.tokens >= 1.0:
                    bucket.tokens -= 1.0
                    return waited
                delay = (1.0 - bucket.tokens) / rate
                await self._sleep(delay)
                waited += delay


def channel_rate(config: dict[str, object]) -> tuple[float | None, float | None]:
    """``(max_per_second, burst)`` from a channel's config; bad values mean no limit."""

    def number(name: str) -> float | None:
        value = config.get(name)
        if value is None or isinstance(value, bool):
            return None
        try:
            result = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return None
        return result if result > 0 else None

    return number("max_per_second"), number("burst")
