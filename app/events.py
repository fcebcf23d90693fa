"""Events: what changed, published after commit to whoever may see it.

One publisher, two back ends: in-process fan-out (one process, SQLite) and a
relay through Redis pub/sub when several processes serve the same database.
Actions publish; websocket handlers subscribe and filter per connection.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Event:
    type: str  # interaction.created | interaction.updated | message.created | presence…
    tenant_id: int | None
    data: dict[str, Any] = field(default_factory=dict)
    # Audience: who may see it (checked per connection, see app.realtime).
    interaction_id: int | None = None
    skill_group_id: int | None = None
    assignee_id: int | None = None
    previous_assignee_id: int | None = None
    user_id: int | None = None  # events about one user only (their presence, their load)
    channel_key: str | None = None  # events for a chat visitor's socket

    def to_dict(self) -> dict[str, Any]:
        # Shallow: ``dataclasses.asdict`` deep-copied every payload, which made
        # encoding the events for Redis cost more than a database statement.
        return {name: getattr(self, name) for name in _EVENT_FIELDS}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Event:
        return cls(**data)


_EVENT_FIELDS = tuple(f.name for f in fields(Event))


class Subscription:
    """A local listener: events land in an asyncio queue of the listener's loop."""

    def __init__(self, bus: EventBus, loop: asyncio.AbstractEventLoop, maxsize: int) -> None:
        self._bus = bus
        self._loop = loop
        self.queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=maxsize)
        self.overflowed = False

    def _offer(self, event: Event) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            # A client that cannot keep up must resync rather than slow everyone down.
            self.overflowed = True

    def close(self) -> None:
        self._bus._remove(self)

    async def get(self) -> Event:
        return await self.queue.get()


class EventBus:
    """In-process fan-out; a relay (Redis) may be attached for cross-process delivery."""

    def __init__(self) -> None:
        self._subs: list[Subscription] = []
        self._lock = threading.Lock()
        self.relay: Relay | None = None

    def subscribe(self, maxsize: int = 1000) -> Subscription:
        sub = Subscription(self, asyncio.get_running_loop(), maxsize)
        with self._lock:
            self._subs.append(sub)
        return sub

    def _remove(self, sub: Subscription) -> None:
        with self._lock:
            if sub in self._subs:
                self._subs.remove(sub)

    @property
    def subscriber_count(self) -> int:
        return len(self._subs)

    def publish(self, events: Iterable[Event]) -> None:
        """Called after commit, from any thread. Never raises: the data is already safe."""
        events = list(events)
        if not events:
            return
        if self.relay is not None:
            try:
                self.relay.send(events)
                return
            except Exception:  # relay down: local clients still hear it
                log.warning("event relay failed; delivering locally only", exc_info=True)
        self.deliver_local(events)

    def deliver_local(self, events: Iterable[Event]) -> None:
        with self._lock:
            subs = list(self._subs)
        for event in events:
            for sub in subs:
                try:
                    sub._loop.call_soon_threadsafe(sub._offer, event)
                except RuntimeError:  # the listener's loop is closed
                    self._remove(sub)


class Relay:
    """Seam for cross-process delivery (Redis): ``send`` must eventually call
    ``deliver_local`` on every process's bus, this one included."""

    def send(self, events: list[Event]) -> None:  # pragma: no cover - interface
        raise NotImplementedError
