"""Per-IP and per-phone limits shared by several processes through a real Redis (two
limiter instances, each with its own connection, stand for two processes), and what
happens when Redis is not there: each process judges alone, no request fails."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.api.main import create_app
from app.context import AppContext
from app.db import make_engine
from channels.chat.limits import RedisBuckets, limiter_for
from tests.integration.callbacks.conftest import callback_world
from tests.support.redis_server import RedisServer, redis_server


@pytest.fixture
def server() -> Iterator[RedisServer]:
    try:
        with redis_server() as srv:
            yield srv
    except RuntimeError as exc:  # pragma: no cover - redis-server is on every CI machine
        pytest.skip(str(exc))


def pair(url: str, **kw: object) -> tuple[RedisBuckets, RedisBuckets]:
    prefix = f"test:{uuid.uuid4().hex}:"
    return (RedisBuckets(url, prefix=prefix, **kw),  # type: ignore[arg-type]
            RedisBuckets(url, prefix=prefix, **kw))  # type: ignore[arg-type]


async def test_two_processes_share_one_allowance(server: RedisServer) -> None:
    a, b = pair(server.url)
    try:
        key = ("chat-ip", "KEY", "203.0.113.7")
        answers = [await (a if i % 2 else b).allow(key, 5, 60.0) for i in range(8)]
        assert answers == [True] * 5 + [False] * 3  # 5 in all, not 5 each
        assert await a.allow(("chat-ip", "KEY", "203.0.113.8"), 5, 60.0)  # another address
        assert await b.allow(("callback-phone", 1, "+221771234567"), 1, 86_400.0)
        assert not await a.allow(("callback-phone", 1, "+221771234567"), 1, 86_400.0)
        assert a.shared and b.shared and a.failures == b.failures == 0
    finally:
        await a.aclose()
        await b.aclose()


async def test_concurrent_takes_never_exceed_the_allowance(server: RedisServer) -> None:
    a, b = pair(server.url)
    try:
        key = ("callback-ip", "KEY", "198.51.100.1")
        answers = await asyncio.gather(*(x.allow(key, 10, 3600.0)
                                         for _ in range(25) for x in (a, b)))
        assert sum(answers) == 10
    finally:
        await a.aclose()
        await b.aclose()


async def test_the_bucket_refills_on_the_shared_clock(server: RedisServer) -> None:
    now = [1_000_000.0]
    a, b = pair(server.url, redis_clock=lambda: now[0])
    try:
        key = ("chat-connect", "KEY", "192.0.2.1")
        assert [await a.allow(key, 2, 60.0) for _ in range(3)] == [True, True, False]
        now[0] += 30.0  # half a period: one token back, for both processes
        assert await b.allow(key, 2, 60.0)
        assert not await a.allow(key, 2, 60.0)
        now[0] += 600.0  # a long wait refills to the capacity, not beyond
        assert [await b.allow(key, 2, 60.0) for _ in range(3)] == [True, True, False]
        ttl = await a._client.pttl(f"{a._prefix}chat-connect:KEY:192.0.2.1")
        assert 0 < ttl <= 60_000  # an idle key goes away by itself
    finally:
        await a.aclose()
        await b.aclose()


async def test_redis_down_falls_back_to_each_process_then_shares_again(
        server: RedisServer) -> None:
    clock = [0.0]
    a, b = pair(server.url, clock=lambda: clock[0], retry_seconds=5.0)
    try:
        key = ("chat-ip", "KEY", "203.0.113.9")
        assert await a.allow(key, 3, 60.0)
        server.stop()
        started = time.monotonic()
        # No exception, no long wait: each process applies the limit on its own.
        answers_a = [await a.allow(key, 3, 60.0) for _ in range(4)]
        answers_b = [await b.allow(key, 3, 60.0) for _ in range(4)]
        assert time.monotonic() - started < 3.0  # one short timeout each, not one per call
        assert answers_a == [True, True, True, False]
        assert answers_b == [True, True, True, False]
        assert not a.shared and a.failures == 4
        server.start()  # same port, empty
        assert not await a.allow(key, 3, 60.0)  # still local until the retry time
        clock[0] += 5.0
        assert await a.allow(key, 3, 60.0) and a.shared  # Redis again: a fresh shared bucket
        assert [await b.allow(key, 3, 60.0) for _ in range(3)] == [True, True, False]
    finally:
        await a.aclose()
        await b.aclose()


async def test_an_unreachable_redis_never_fails_a_request() -> None:
    limiter = limiter_for("redis://127.0.0.1:1/0")
    assert isinstance(limiter, RedisBuckets)
    try:
        assert [await limiter.allow("k", 2, 60.0) for _ in range(3)] == [True, True, False]
        assert not limiter.shared
    finally:
        await limiter.aclose()


def test_two_app_processes_share_the_call_back_limits(ctx: AppContext,
                                                      server: RedisServer) -> None:
    """The call-back form's per-number limit holds across two app processes (two
    contexts, engines and hubs on one database and one Redis)."""
    cb = callback_world(ctx, config={"phone_requests_per_day": 2, "ip_requests_per_hour": 50})
    settings = ctx.settings.model_copy(update={"redis_url": server.url})
    ctx_a = AppContext(settings=settings, engine=make_engine(settings.database_url))
    ctx_b = AppContext(settings=settings, engine=make_engine(settings.database_url))
    ctx_a.clock = ctx_b.clock = cb.clock
    body = {"name": "Fatou", "phone": "77 123 45 67"}
    try:
        with TestClient(create_app(ctx_a, workers=False)) as one, \
                TestClient(create_app(ctx_b, workers=False)) as two:
            assert one.post(cb.url, json=body).status_code == 201
            assert two.post(cb.url, json=body).status_code == 201
            for client in (one, two):
                r = client.post(cb.url, json=body)
                assert r.status_code == 429 and "this number" in r.json()["detail"]
            other = {**body, "phone": "+221781112233"}
            assert two.post(cb.url, json=other).status_code == 201
    finally:
        ctx_a.engine.dispose()
        ctx_b.engine.dispose()
