"""The website chat: the visitor websocket ``/ws/chat/{channel_key}``, the widget
script ``GET /widget.js``, the widget's settings, and agents' typing indicator.

The socket speaks the contract's protocol (``channels.chat.protocol``). Each visitor
line goes through ``app.actions.ingest``, in a group commit with the lines arriving
with it (``app.services.group_commit``); its ``client_id`` becomes the message's
provider id, namespaced by visitor, so a line resent after a reconnect is stored once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from fastapi import APIRouter, Request, Response, WebSocket, WebSocketDisconnect
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col, select

from app.actions.chat import request_transcript
from app.actions.chat_lifecycle import visitor_back, visitor_left, visitors_present
from app.api.deps import Ctx
from app.api.widget_assets import widget_response
from app.api.widget_cors import check_origin, cors_headers
from app.context import AppContext
from app.errors import ActionError, NotFound
from app.events import Event
from app.models import Channel, Tenant
from app.services import visitor_tokens
from app.services.chat_hub import MAX_VISITOR_SOCKETS, VisitorConnection, hub_for
from app.services.chat_queries import (
    ChatChannel,
    chat_channel,
    conversation_state,
    hours_status,
    queue_frames,
    welcome_data,
)
from app.services.group_commit import group_commit
from channels.chat import protocol
from channels.chat.config import origin_allowed
from channels.types import Identity, InboundMessage

router = APIRouter()
log = logging.getLogger(__name__)

HELLO_SECONDS = 15.0
TYPING_EVERY_SECONDS = 2.0
CHANNEL_CACHE_SECONDS = 10.0
MAX_BAD_FRAMES_BEFORE_HELLO = 3


class TypingIn(BaseModel):
    state: bool


# -- the widget and its settings ----------------------------------------------------

@router.get("/widget.js", tags=["chat"], response_class=Response)
def widget_script(request: Request, ctx: Ctx, channel: str | None = None) -> Response:
    """The embeddable widget (contract: ``<script src=".../widget.js" data-channel="KEY"
    async></script>``). Gzipped when the browser accepts it. With ``?channel=KEY`` the
    page's origin is checked against that channel's ``allowed_origins``."""
    if channel is not None:
        found = chat_channel(ctx, channel)
        if found is None:
            raise NotFound("unknown chat channel")
        check_origin(request, found.settings.allowed_origins)
    return widget_response(request)


def _widget_settings(ctx: AppContext, found: ChatChannel) -> dict[str, Any]:
    with ctx.read_session() as s:
        tenant = s.get(Tenant, found.tenant_id)
        assert tenant is not None
        callback = found.settings.callback_channel
        query = select(Channel.key).where(Channel.tenant_id == tenant.id,
                                          Channel.kind == "callback", Channel.is_active)
        if callback:
            callback = s.exec(query.where(Channel.key == callback)).first()
        else:
            callback = s.exec(query.order_by(col(Channel.id))).first()
        return {
            "channel": found.key,
            "name": tenant.name,
            "lang": tenant.locale,
            "timezone": tenant.timezone,
            "prechat": found.settings.prechat,
            "prechat_fields": list(found.settings.prechat_fields),
            "max_message_chars": found.settings.max_message_chars,
            "callback_channel": callback,
            **hours_status(tenant, ctx.clock()),
        }


@router.get("/public/chat/{channel_key}/config", tags=["chat"])
def widget_settings(channel_key: str, request: Request, ctx: Ctx) -> Response:
    """What the widget needs to draw itself: pre-chat form, hours, the call-back channel."""
    found = chat_channel(ctx, channel_key)
    if found is None:
        raise NotFound("unknown chat channel")
    check_origin(request, found.settings.allowed_origins)
    from fastapi.responses import JSONResponse

    return JSONResponse(_widget_settings(ctx, found),
                        headers=cors_headers(request, found.settings.allowed_origins))


# -- the visitor socket -----------------------------------------------------------------

async def _channel(websocket: WebSocket, key: str) -> ChatChannel | None:
    """Channel look-ups are cached briefly: a flood of connections costs few queries."""
    hub = hub_for(websocket.app)
    cache = hub.channels
    hit = cache.get(key)
    now = time.monotonic()
    if hit is not None and hit[0] > now:
        return hit[1]
    found = await hub.db(chat_channel, websocket.app.state.ctx, key)
    if len(cache) > 10_000:
        cache.clear()
    cache[key] = (now + CHANNEL_CACHE_SECONDS, found)
    return found


@router.websocket("/ws/chat/{channel_key}")
async def chat_socket(websocket: WebSocket, channel_key: str) -> None:
    ctx: AppContext = websocket.app.state.ctx
    hub = hub_for(websocket.app)
    hub.ensure_started()
    if hub.queue_info is None:
        hub.queue_info = lambda ids: queue_frames(ctx, ids)
        hub.still_here = lambda ids: visitors_present(ctx, ids)
    found = await _channel(websocket, channel_key)
    if found is None:
        await websocket.close(code=4404, reason="unknown chat channel")
        return
    if not origin_allowed(websocket.headers.get("origin"), found.settings.allowed_origins):
        await websocket.close(code=4403, reason="this site may not use this chat")
        return
    ip = websocket.client.host if websocket.client else "unknown"
    slot = (found.key, ip)
    if hub.connections >= MAX_VISITOR_SOCKETS:
        await websocket.close(code=4503, reason="too many visitors right now")
        return
    if not await hub.limits.allow(("chat-connect", found.key, ip),
                                   found.settings.ip_connections_per_minute, 60.0) \
            or not hub.ip_connections.acquire(slot, found.settings.ip_connections):
        await websocket.close(code=4429, reason="too many connections from your address")
        return
    hub.connections += 1
    conn = VisitorConnection(websocket, found.id, found.key, ip)
    try:
        await websocket.accept()
        await _converse(ctx, hub, found, conn)
    except (TimeoutError, WebSocketDisconnect, RuntimeError):
        pass
    finally:
        hub.remove(conn)
        hub.ip_connections.release(slot)
        hub.connections -= 1
        if conn.interaction_id is not None and not hub.by_interaction.get(conn.interaction_id):
            # Not awaited here: the handler may be cancelled as the socket goes.
            hub.spawn(_left(ctx, hub, conn.interaction_id))


async def _back(ctx: AppContext, hub: Any, iid: int) -> None:
    """The visitor is here: a "left" of an earlier socket is undone (else the hub's
    next "still here" does it)."""
    try:
        await hub.db(visitor_back, ctx, iid)
    except SQLAlchemyError:
        log.warning("could not record that a chat visitor is back", exc_info=True)


async def _left(ctx: AppContext, hub: Any, iid: int) -> None:
    """The last socket of this process for the conversation closed: say the visitor
    left (a hello on any process clears it; the sweep abandons an unanswered chat
    left longer than the grace period)."""
    if hub.by_interaction.get(iid):
        return  # back already, on this process
    try:
        await hub.db(visitor_left, ctx, iid)
    except Exception:
        log.warning("could not record that a chat visitor left", exc_info=True)


async def _receive(websocket: WebSocket) -> str | bytes:
    """The next frame, text or binary (a binary frame gets the same JSON parsing)."""
    message = await websocket.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    return message.get("text") or message.get("bytes") or ""


async def _hello(websocket: WebSocket, found: ChatChannel,
                 conn: VisitorConnection) -> protocol.Hello | None:
    deadline = asyncio.get_running_loop().time() + HELLO_SECONDS
    for _ in range(MAX_BAD_FRAMES_BEFORE_HELLO):
        remaining = deadline - asyncio.get_running_loop().time()
        raw = await asyncio.wait_for(_receive(websocket), timeout=max(0.1, remaining))
        try:
            frame = protocol.parse_frame(raw, found.settings.max_message_chars)
        except protocol.ProtocolError as exc:
            conn.push(protocol.error(exc.detail))
            continue
        if isinstance(frame, protocol.Hello):
            return frame
        conn.push(protocol.error("say hello first: {\"type\": \"hello\", \"visitor_token\": null}"))
    await websocket.close(code=4400, reason="no hello")
    return None


async def _converse(ctx: AppContext, hub: Any, found: ChatChannel,
                    conn: VisitorConnection) -> None:
    websocket = conn.ws
    hello = await _hello(websocket, found, conn)
    if hello is None:
        return
    secret = ctx.settings.resolved_secret_key
    visitor = visitor_tokens.verify(secret, found.id, hello.visitor_token) \
        if hello.visitor_token else None
    conn.visitor_id = visitor or visitor_tokens.new_visitor_id()
    conn.name, conn.email, conn.phone = hello.name, hello.email, hello.phone
    # Listen before reading the history: a line sent in between arrives twice at
    # worst (the widget drops repeated ids), never not at all.
    hub.add(conn)
    data = await hub.db(welcome_data, ctx, found, conn.visitor_id)
    if data.interaction_id is not None:
        hub.bind(conn, data.interaction_id, data.audience)
        if data.agent:
            hub.agents[data.interaction_id] = data.agent
    conn.push(protocol.welcome(visitor_tokens.issue(secret, found.id, conn.visitor_id),
                               data.interaction_id, data.history, agent=data.agent,
                               queue=data.queue, **data.hours))
    conn.last_queue = data.queue
    if data.interaction_id is not None:
        await _back(ctx, hub, data.interaction_id)
    while not conn.closed:
        raw = await _receive(websocket)
        try:
            frame = protocol.parse_frame(raw, found.settings.max_message_chars)
        except protocol.ProtocolError as exc:
            conn.push(protocol.error(exc.detail))
            continue
        if isinstance(frame, protocol.Line):
            await _line(ctx, hub, found, conn, frame)
        elif isinstance(frame, protocol.Typing):
            _visitor_typing(ctx, hub, conn, frame.state)
        elif isinstance(frame, protocol.TranscriptAsk):
            await _transcript(ctx, hub, conn, frame.email)
        elif isinstance(frame, protocol.Ping):
            conn.push({"type": "pong"})
        else:
            conn.push(protocol.error("already said hello"))


async def _line(ctx: AppContext, hub: Any, found: ChatChannel, conn: VisitorConnection,
                line: protocol.Line) -> None:
    if not await hub.limits.allow(("chat-ip", found.key, conn.ip),
                                   found.settings.ip_messages_per_minute, 60.0):
        conn.push({**protocol.error("too many messages; wait a moment and it will be sent"),
                   "client_id": line.client_id, "retry_after": 10})
        return
    others = []
    if conn.email:
        others.append(Identity("email", conn.email))
    if conn.phone:
        others.append(Identity("phone", conn.phone))
    message = InboundMessage(
        channel_id=found.id, sender=Identity("visitor", conn.visitor_id, conn.name),
        text=line.text, provider_id=f"{conn.visitor_id}:{line.client_id}",
        other_identities=tuple(others), interaction_id=conn.interaction_id,
        meta={"client_id": line.client_id})
    try:
        result = await group_commit(ctx).ingest(message)
    except ActionError as exc:
        conn.push({**protocol.error(exc.detail), "client_id": line.client_id})
        return
    except SQLAlchemyError:
        log.warning("could not store a chat line", exc_info=True)
        conn.push({**protocol.error("the line could not be stored yet; it will be resent"),
                   "client_id": line.client_id, "retry_after": 5})
        return
    conn.push(protocol.ack(line.client_id, result.message_id, result.interaction_id))
    if conn.interaction_id != result.interaction_id or result.new_interaction:
        hub.bind(conn, result.interaction_id)
        if not result.new_interaction:
            await _back(ctx, hub, result.interaction_id)
        audience, agent, queue = await hub.db(conversation_state, ctx, result.interaction_id,
                                              found.settings)
        if audience is not None:
            hub.audiences[result.interaction_id] = audience
        if agent and hub.agents.get(result.interaction_id) != agent:
            hub.agents[result.interaction_id] = agent
            conn.push({"type": "agent", "name": agent})
        if queue is not None:
            conn.last_queue = queue
            conn.push(queue)


def _visitor_typing(ctx: AppContext, hub: Any, conn: VisitorConnection, state: bool) -> None:
    """Tell the agents; at most one "still typing" every couple of seconds."""
    if conn.interaction_id is None:
        return
    now = time.monotonic()
    if state == conn.typing_state and now - conn.typing_at < TYPING_EVERY_SECONDS:
        return
    conn.typing_state, conn.typing_at = state, now
    audience = hub.audiences.get(conn.interaction_id)
    if audience is None:
        return
    ctx.bus.publish([Event(type="typing", tenant_id=audience.tenant_id,
                           interaction_id=conn.interaction_id,
                           skill_group_id=audience.skill_group_id,
                           assignee_id=audience.assignee_id,
                           data={"interaction_id": conn.interaction_id, "side": "customer",
                                 "state": state})])


async def _transcript(ctx: AppContext, hub: Any, conn: VisitorConnection, email: str) -> None:
    if conn.interaction_id is None:
        conn.push(protocol.error("there is no conversation to send yet"))
        return
    try:
        answer = await hub.db(request_transcript, ctx, conn.channel_id, conn.visitor_id,
                              conn.interaction_id, email)
    except ActionError as exc:
        conn.push(protocol.error(exc.detail))
        return
    # "requested": it goes once the chat is over; "queued"/"sent": it is on its way;
    # "failed" with the reason (no e-mail channel): the widget says so.
    frame: dict[str, Any] = {"type": "transcript",
                             "status": "requested" if answer.status == "pending"
                             else answer.status, "email": email}
    if answer.error:
        frame["detail"] = answer.error
    conn.push(frame)

