"""Refusing limits for public entry points: a token bucket per key that says no
(rather than waiting, as the SMS send limiter does), and a counter of open
connections per key. Memory stays bounded whatever the number of keys.

With several app processes the buckets live in Redis (:class:`RedisBuckets`), so an
address gets the same allowance whichever process its requests land on; when Redis
does not answer, each process falls back to its own buckets."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Hashable
from typing import Any

log = logging.getLogger(__name__)

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


class LocalLimiter:
    """The in-process buckets behind the same (async) face as :class:`RedisBuckets`."""

    def __init__(self, buckets: Buckets | None = None) -> None:
        self.buckets = buckets or Buckets()

    async def allow(self, key: Hashable, per_period: float, period: float,
                    cost: float = 1.0) -> bool:
        return self.buckets.allow(key, per_period, period, cost)

    async def aclose(self) -> None:
        return None


# A token bucket per key, refilled from Redis's own clock (processes' clocks may
# differ). One round trip, atomic: two processes cannot both take the last token.
# ARGV: capacity, period (s), cost, now (s; "" = the server's TIME).
TOKEN_BUCKET_LUA = """
local capacity = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
if now == nil then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = capacity
  at = now
end
tokens = math.min(capacity, tokens + math.max(0, now - at) * capacity / period)
local allowed = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(period * 1000))
return allowed
"""


def redis_key(prefix: str, key: Hashable) -> str:
    parts = key if isinstance(key, tuple) else (key,)
    return prefix + ":".join(str(p) for p in parts)


class RedisBuckets:
    """The same token buckets, shared by every process through Redis.

    Redis is a helper here, never a dependency: when it does not answer within
    ``timeout`` (down, restarting, unreachable), the request is judged by this
    process's own buckets, and Redis is left alone for ``retry_seconds`` before it is
    asked again, so an outage costs one timeout per process, not one per request.
    """

    def __init__(self, url: str | None = None, *, client: Any = None,
                 prefix: str = "teranga:rl:", timeout: float = 0.5, max_connections: int = 8,
                 retry_seconds: float = 5.0, fallback: Buckets | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 redis_clock: Callable[[], float] | None = None) -> None:
        if client is None:
            import redis.asyncio as aioredis

            assert url is not None, "a Redis URL or client"
            # A few connections, shared: a burst of requests waits for one of them
            # instead of opening (and timing out on) a connection each.
            pool = aioredis.BlockingConnectionPool.from_url(
                url, max_connections=max_connections, timeout=timeout,
                socket_timeout=timeout, socket_connect_timeout=timeout)
            client = aioredis.Redis(connection_pool=pool)
        self._client = client
        self._script = client.register_script(TOKEN_BUCKET_LUA)
        self._prefix = prefix
        self._timeout = timeout
        self._retry_seconds = retry_seconds
        self._clock = clock
        # Tests may pin the time the script sees; otherwise Redis's TIME.
        self._redis_clock = redis_clock
        self.fallback = fallback or Buckets()
        self._down_until = 0.0
        self._outage = False
        self.failures = 0  # requests judged locally because Redis did not answer

    @property
    def shared(self) -> bool:
        """False while Redis is considered down and each process judges alone."""
        return not self._outage

    async def allow(self, key: Hashable, per_period: float, period: float,
                    cost: float = 1.0) -> bool:
        if self._clock() < self._down_until:
            self.failures += 1
            return self.fallback.allow(key, per_period, period, cost)
        now = "" if self._redis_clock is None else repr(self._redis_clock())
        try:
            allowed = await asyncio.wait_for(
                self._script(keys=[redis_key(self._prefix, key)],
                             args=[repr(float(per_period)), repr(float(period)),
                                   repr(float(cost)), now]),
                timeout=self._timeout * 2)
        except Exception as exc:  # any Redis trouble: judge locally, never fail the request
            if not self._outage:
                log.warning("rate limits are per process until Redis answers again (%s: %s)",
                            exc.__class__.__name__, exc)
                self._outage = True
            self._down_until = self._clock() + self._retry_seconds
            self.failures += 1
            return self.fallback.allow(key, per_period, period, cost)
        if self._outage:
            log.warning("rate limits are shared through Redis again")
            self._outage = False
        self._down_until = 0.0
        return bool(allowed)

    async def aclose(self) -> None:
        with contextlib.suppress(Exception):
            await self._client.aclose()


def limiter_for(redis_url: str | None) -> LocalLimiter | RedisBuckets:
    """Shared through Redis when the installation has one, else per process."""
    return RedisBuckets(redis_url) if redis_url else LocalLimiter()
