"""One listener per process for every chat visitor's socket.

Agents' sockets each subscribe to the event bus; visitors must not, or ten
thousand idle visitors would make every event cost ten thousand wake-ups and
slow the agents down. Instead the hub subscribes once and routes by visitor and by
conversation with dictionary look-ups. It also bounds what visitors may cost the
process: open sockets per IP, lines per minute per IP, and how many database calls
visitors may run at once (the rest of the thread pool stays free for agents).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
from collections import deque
from collections.abc import Callable
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocket

from app.context import AppContext
from app.events import Event
from app.services.chat_queries import Audience
from channels.chat.limits import Counter, LocalLimiter, RedisBuckets, limiter_for
from channels.chat.protocol import typing
from channels.types import ChannelConfig

log = logging.getLogger(__name__)
T = TypeVar("T")

# Visitor work may hold at most this many of the thread pool's workers at once.
DB_CONCURRENCY = 12
# A socket that has this many frames waiting is not reading: it is dropped.
MAX_PENDING_FRAMES = 200
QUEUE_TICK_SECONDS = 10.0
MAX_VISITOR_SOCKETS = 50_000


class VisitorConnection:
    __slots__ = ("_out", "_sending", "_task", "channel_id", "channel_key", "closed",
                 "email", "interaction_id", "ip", "last_queue", "name", "phone", "typing_at",
                 "typing_state", "visitor_id", "ws")

    def __init__(self, ws: WebSocket, channel_id: int, channel_key: str, ip: str) -> None:
        self.ws = ws
        self.channel_id = channel_id
        self.channel_key = channel_key
        self.ip = ip
        self.visitor_id = ""
        self.interaction_id: int | None = None
        self.name: str | None = None
        self.email: str | None = None
        self.phone: str | None = None
        self.last_queue: dict[str, Any] | None = None
        self.typing_state = False
        self.typing_at = 0.0
        self.closed = False
        self._out: deque[str] = deque()
        self._sending = False
        self._task: asyncio.Task[None] | None = None

    def push(self, frame: dict[str, Any]) -> bool:
        """Queue a frame; frames leave in order. False when the socket is gone or stuck."""
        if self.closed:
            return False
        if len(self._out) >= MAX_PENDING_FRAMES:
            self.closed = True
            log.info("dropping a chat visitor that stopped reading")
            return False
        self._out.append(json.dumps(frame, ensure_ascii=False))
        if not self._sending:
            self._sending = True
            self._task = asyncio.get_running_loop().create_task(self._drain())
        return True

    async def _drain(self) -> None:
        try:
            while self._out:
                await self.ws.send_text(self._out.popleft())
        except Exception:  # the socket went away under us: the read loop will end
            self.closed = True
        finally:
            self._sending = False


class ChatHub:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.by_visitor: dict[tuple[str, str], set[VisitorConnection]] = {}
        self.by_interaction: dict[int, set[VisitorConnection]] = {}
        self.audiences: dict[int, Audience] = {}
        self.agents: dict[int, str | None] = {}  # interaction -> agent name told to visitors
        self.ip_connections = Counter()
        # Per IP and per phone: shared by every process through Redis when there is one.
        self.limits: LocalLimiter | RedisBuckets = limiter_for(ctx.settings.redis_url)
        self.connections = 0
        self.tick_seconds = QUEUE_TICK_SECONDS
        # Channel look-ups by key, briefly cached: (expires at, channel or None).
        self.channels: dict[str, tuple[float, Any]] = {}
        self._db: asyncio.Semaphore | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._background: set[asyncio.Task[Any]] = set()
        self.queue_info: Callable[[list[int]], dict[int, dict[str, Any]]] | None = None
        self.still_here: Callable[[list[int]], int] | None = None

    # -- life -----------------------------------------------------------------
    def ensure_started(self) -> None:
        if self._tasks:
            return
        self._db = asyncio.Semaphore(DB_CONCURRENCY)
        subscription = self.ctx.bus.subscribe(maxsize=10_000)
        self._tasks = [asyncio.create_task(self._listen(subscription), name="chat-hub"),
                       asyncio.create_task(self._tick(), name="chat-queue-tick")]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(BaseException):
                await task
        self._tasks = []
        await self.limits.aclose()

    async def db(self, fn: Callable[..., T], *args: Any) -> T:
        """Run blocking database work for a visitor, a bounded number at a time."""
        assert self._db is not None
        async with self._db:
            return await run_in_threadpool(fn, *args)

    def spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # -- who is here ------------------------------------------------------------
    def add(self, conn: VisitorConnection) -> None:
        self.by_visitor.setdefault((conn.channel_key, conn.visitor_id), set()).add(conn)
        if conn.interaction_id is not None:
            self.bind(conn, conn.interaction_id)

    def bind(self, conn: VisitorConnection, interaction_id: int,
             audience: Audience | None = None) -> None:
        if conn.interaction_id is not None and conn.interaction_id != interaction_id:
            self._unbind(conn, conn.interaction_id)
        conn.interaction_id = interaction_id
        self.by_interaction.setdefault(interaction_id, set()).add(conn)
        if audience is not None:
            self.audiences[interaction_id] = audience

    def _unbind(self, conn: VisitorConnection, interaction_id: int) -> None:
        peers = self.by_interaction.get(interaction_id)
        if peers is not None:
            peers.discard(conn)
            if not peers:
                del self.by_interaction[interaction_id]
                self.audiences.pop(interaction_id, None)
                self.agents.pop(interaction_id, None)

    def remove(self, conn: VisitorConnection) -> None:
        conn.closed = True
        key = (conn.channel_key, conn.visitor_id)
        peers = self.by_visitor.get(key)
        if peers is not None:
            peers.discard(conn)
            if not peers:
                del self.by_visitor[key]
        if conn.interaction_id is not None:
            self._unbind(conn, conn.interaction_id)

    # -- events -----------------------------------------------------------------
    async def _listen(self, subscription: Any) -> None:
        try:
            while True:
                event = await subscription.get()
                try:
                    self.route(event)
                except Exception:
                    log.exception("chat hub could not route %s", event.type)
        finally:
            subscription.close()

    def route(self, event: Event) -> None:
        if event.type == "chat.message" and event.channel_key:
            peers = self.by_visitor.get((event.channel_key, event.data["visitor"]), ())
            delivered = [c.push(event.data["frame"]) for c in list(peers)]
            if any(delivered):
                self.spawn(self._delivered(event.data["channel_id"], event.data["message_id"]))
        elif event.type in ("chat.transcript", "chat.notice") and event.channel_key:
            for conn in list(self.by_visitor.get((event.channel_key, event.data["visitor"]), ())):
                conn.push(event.data["frame"])
        elif event.type == "chat.agent_typing" and event.channel_key:
            for conn in list(self.by_visitor.get((event.channel_key, event.data["visitor"]), ())):
                conn.push(typing(bool(event.data["state"])))
        elif event.type.startswith("interaction.") and event.interaction_id in self.by_interaction:
            self._interaction_changed(event)

    def _interaction_changed(self, event: Event) -> None:
        iid = event.interaction_id
        assert iid is not None
        data = event.data
        status = data.get("status", "")
        self.audiences[iid] = Audience(event.tenant_id or 0, event.skill_group_id,
                                       event.assignee_id, status)
        peers = list(self.by_interaction.get(iid, ()))
        name = data.get("assignee_name")
        if name and self.agents.get(iid) != name:
            self.agents[iid] = name
            for conn in peers:
                conn.last_queue = None
                conn.push({"type": "agent", "name": name})
        if status in ("resolved", "abandoned"):
            self.agents.pop(iid, None)
            for conn in peers:
                conn.push({"type": "closed"})

    async def _delivered(self, channel_id: int, message_id: int) -> None:
        from app.actions.outbox import delivery_update

        with contextlib.suppress(Exception):
            await self.db(functools.partial(delivery_update, message_id=message_id),
                          self.ctx, channel_id, "delivered")

    async def _tick(self) -> None:
        """Tell visitors still waiting where they stand, now and then; and say again
        that the visitors here are here (a late "left" of another process is undone
        well within the abandonment grace)."""
        while True:
            await asyncio.sleep(self.tick_seconds)
            if self.still_here is not None and self.by_interaction:
                try:
                    await self.db(self.still_here, list(self.by_interaction))
                except Exception:
                    log.warning("visitor presence not confirmed", exc_info=True)
            waiting = [iid for iid, a in self.audiences.items() if a.status == "queued"]
            if not waiting or self.queue_info is None:
                continue
            try:
                frames = await self.db(self.queue_info, waiting)
            except Exception:
                log.warning("queue positions unavailable", exc_info=True)
                continue
            for iid, frame in frames.items():
                for conn in list(self.by_interaction.get(iid, ())):
                    if frame != conn.last_queue:
                        conn.last_queue = frame
                        conn.push(frame)


def publish_line(ctx: AppContext) -> Callable[[ChannelConfig, str, int, dict[str, Any]], None]:
    """The chat sender's way out: an event every process's hub hears."""

    def publish(channel: ChannelConfig, visitor: str, message_id: int,
                frame: dict[str, Any]) -> None:
        ctx.bus.publish([Event(type="chat.message", tenant_id=None, channel_key=channel.key,
                               data={"visitor": visitor, "frame": frame,
                                     "channel_id": channel.id, "message_id": message_id})])

    return publish


def hub_for(app: Any) -> ChatHub:
    hub: ChatHub | None = getattr(app.state, "chat_hub", None)
    if hub is None:
        hub = ChatHub(app.state.ctx)
        app.state.chat_hub = hub
    return hub
