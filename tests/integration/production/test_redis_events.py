"""Two app processes (two contexts, two event buses) share events through Redis;
Redis down degrades to local delivery and clients are told to resync after."""

from __future__ import annotations

import asyncio

import pytest

from app.events import Event, EventBus
from app.events_redis import RedisRelay
from tests.support.redis_server import RedisServer, redis_server


async def wait_event(sub: object, timeout: float = 5.0) -> Event:
    return await asyncio.wait_for(sub.get(), timeout=timeout)  # type: ignore[attr-defined]


@pytest.fixture
def server() -> RedisServer:
    try:
        with redis_server() as srv:
            yield srv  # type: ignore[misc]
    except RuntimeError as exc:  # pragma: no cover - redis-server is on every CI machine
        pytest.skip(str(exc))


async def test_an_event_of_process_a_reaches_process_b(server: RedisServer) -> None:
    bus_a, bus_b = EventBus(), EventBus()
    relay_a, relay_b = RedisRelay(server.url, bus_a), RedisRelay(server.url, bus_b)
    await relay_a.start()
    await relay_b.start()
    try:
        await asyncio.wait_for(relay_a.connected.wait(), 5)
        await asyncio.wait_for(relay_b.connected.wait(), 5)
        sub_a, sub_b = bus_a.subscribe(), bus_b.subscribe()
        event = Event(type="interaction.created", tenant_id=1, data={"id": 7, "text": "é✓"},
                      interaction_id=7, skill_group_id=2, assignee_id=3)
        await asyncio.to_thread(bus_a.publish, [event])  # actions publish from threads
        assert await wait_event(sub_b) == event
        assert await wait_event(sub_a) == event  # its own process hears it once, via Redis
        assert sub_a.queue.empty()
    finally:
        await relay_a.stop()
        await relay_b.stop()


async def test_redis_down_degrades_then_comes_back_live(server: RedisServer) -> None:
    bus_a, bus_b = EventBus(), EventBus()
    relay_a, relay_b = RedisRelay(server.url, bus_a), RedisRelay(server.url, bus_b)
    await relay_a.start()
    await relay_b.start()
    try:
        await asyncio.wait_for(relay_b.connected.wait(), 5)
        await asyncio.wait_for(relay_a.connected.wait(), 5)
        sub_a, sub_b = bus_a.subscribe(), bus_b.subscribe()
        server.stop()
        for _ in range(100):
            if not relay_a.connected.is_set():
                break
            await asyncio.sleep(0.05)
        local = Event(type="interaction.updated", tenant_id=1, data={"id": 1})
        await asyncio.to_thread(bus_a.publish, [local])  # never raises, delivered locally
        assert await wait_event(sub_a) == local
        server.start()
        # Back: both processes tell their clients to resync, then live again.
        assert (await wait_event(sub_a, 15)).type == "resync"
        assert (await wait_event(sub_b, 15)).type == "resync"
        again = Event(type="interaction.updated", tenant_id=1, data={"id": 2})
        await asyncio.wait_for(relay_a.connected.wait(), 5)
        await asyncio.to_thread(bus_a.publish, [again])
        assert await wait_event(sub_b) == again
    finally:
        await relay_a.stop()
        await relay_b.stop()
