"""``/ws/agent``: live events for the agent UI and any other client."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from app.access import Actor, load_actor
from app.actions.users import user_for_token
from app.api.deps import SESSION_COOKIE
from app.context import AppContext
from app.events import Event
from app.realtime import view_for

router = APIRouter()
log = logging.getLogger(__name__)

PING_SECONDS = 25.0
# Skills and memberships can change while an agent is connected.
ACTOR_REFRESH_SECONDS = 30.0


def _actor(ctx: AppContext, token: str | None, session: str | None) -> Actor | None:
    user = None
    if token:
        user = user_for_token(ctx, token, kind="api")
    elif session:
        user = user_for_token(ctx, session, kind="session")
    if user is None:
        return None
    with ctx.read_session() as s:
        return load_actor(s, user)


@router.websocket("/ws/agent")
async def agent_socket(websocket: WebSocket) -> None:
    ctx: AppContext = websocket.app.state.ctx
    token = websocket.query_params.get("token")
    session = websocket.cookies.get(SESSION_COOKIE)
    actor = await run_in_threadpool(_actor, ctx, token, session)
    if actor is None:
        await websocket.close(code=4401, reason="authentication required")
        return
    # Subscribe before accepting, so nothing published after the client's page load
    # can slip between its first fetch and the socket.
    subscription = ctx.bus.subscribe()
    await websocket.accept()
    await websocket.send_json({"type": "hello", "data": {"user_id": actor.user_id,
                                                          "role": actor.role}})
    reader = asyncio.create_task(_read(websocket))
    getter: asyncio.Future[Event] | None = None
    loop = asyncio.get_running_loop()
    next_refresh = loop.time() + ACTOR_REFRESH_SECONDS
    try:
        while True:
            if getter is None:
                getter = asyncio.ensure_future(subscription.get())
            waiting: set[asyncio.Future[Any]] = {getter, reader}
            done, _ = await asyncio.wait(
                waiting, timeout=PING_SECONDS, return_when=asyncio.FIRST_COMPLETED
            )
            if reader in done:
                break
            if getter not in done:
                await websocket.send_json({"type": "ping"})
                continue
            event = getter.result()
            getter = None
            if subscription.overflowed:
                subscription.overflowed = False
                await websocket.send_json({"type": "resync"})
            if loop.time() > next_refresh:
                actor = await run_in_threadpool(_actor, ctx, token, session) or actor
                next_refresh = loop.time() + ACTOR_REFRESH_SECONDS
            frame = view_for(actor, event)
            if frame is not None:
                await websocket.send_json(frame)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        subscription.close()
        for task in (getter, reader):
            if task is not None:
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task


async def _read(websocket: WebSocket) -> None:
    """Answer pings; end when the client goes away."""
    try:
        while True:
            data = await websocket.receive_json()
            if isinstance(data, dict) and data.get("type") == "ping":
                await websocket.send_json({"type": "pong"})
    except (WebSocketDisconnect, RuntimeError, ValueError):
        return
