"""Events across processes through Redis pub/sub.

Every process publishes its events to one Redis channel and listens to it; what
arrives is fanned out to that process's own websockets. When Redis is down,
publishing falls back to local delivery (the data is already committed, nothing
is lost), and when the listener gets back in, every local client is told to
resync, since it may have missed events from other processes meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import orjson
import redis
import redis.asyncio as aioredis

from app.events import Event, EventBus, Relay

log = logging.getLogger(__name__)

CHANNEL = "teranga:events"
RESYNC = Event(type="resync", tenant_id=None)


class RedisRelay(Relay):
    def __init__(self, url: str, bus: EventBus, channel: str = CHANNEL) -> None:
        self.url = url
        self.bus = bus
        self.channel = channel
        self._client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._task: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()

    def send(self, events: list[Event]) -> None:
        # orjson: every committed transaction passes here (an SMS: two events).
        payload = orjson.dumps([e.to_dict() for e in events], option=orjson.OPT_NON_STR_KEYS)
        self._client.publish(self.channel, payload)

    async def start(self) -> None:
        # Until the listener is in, events stay local (the relay joins once subscribed).
        self._task = asyncio.create_task(self._listen(), name="redis-events")

    async def stop(self) -> None:
        self.bus.relay = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task
        self._client.close()

    async def _listen(self) -> None:
        delay = 0.2
        first = True
        while True:
            client = aioredis.Redis.from_url(self.url, socket_connect_timeout=2)
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(self.channel)
                    self.connected.set()
                    self.bus.relay = self
                    if not first:
                        # Other processes' events may have been missed while we were out.
                        self.bus.deliver_local([RESYNC])
                    first, delay = False, 0.2
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            self._deliver(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis down or restarting: keep trying
                if self.connected.is_set():
                    log.warning("lost Redis (%s); events are local until it is back", exc)
                self.connected.clear()
                self.bus.relay = None  # publish locally meanwhile
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
            finally:
                with contextlib.suppress(Exception):
                    await client.aclose()

    def _deliver(self, raw: Any) -> None:
        try:
            items = orjson.loads(raw)
            events = [Event.from_dict(item) for item in items]
        except (ValueError, TypeError):
            log.warning("ignored a malformed event message on %s", self.channel)
            return
        self.bus.deliver_local(events)
