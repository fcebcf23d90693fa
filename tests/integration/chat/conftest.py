"""A tenant with a chat channel, and helpers to speak the visitor protocol."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest
from sqlmodel import select

from app import actions
from app.context import AppContext
from app.models import Channel, Tenant
from app.services.chat_hub import publish_line
from app.services.senders import Senders
from app.workers.outbox import OutboxWorker
from channels.chat.sender import ChatSender
from tests.factories import World, make_world


@dataclass
class ChatWorld:
    world: World
    chat: Channel

    @property
    def url(self) -> str:
        return f"/ws/chat/{self.chat.key}"


def chat_world(ctx: AppContext, slug: str = "acme", config: dict[str, Any] | None = None,
               agents: dict[str, dict[str, int]] | None = None) -> ChatWorld:
    w = make_world(ctx, slug, agents=agents)
    chat = actions.create_channel(ctx, w.admin, slug, "chat", "Site web", config or {})
    return ChatWorld(w, chat)


@pytest.fixture
def cw(ctx: AppContext) -> ChatWorld:
    return chat_world(ctx)


def set_tenant_settings(ctx: AppContext, slug: str, **values: Any) -> None:
    """Tenant policy; ``hours`` go where the ACD keeps them (the routing rules)."""
    with ctx.transaction() as tx:
        tenant = tx.session.exec(select(Tenant).where(Tenant.slug == slug)).one()
        settings = dict(tenant.settings)
        if "hours" in values:
            hours = {"timezone": tenant.timezone, **values.pop("hours")}
            settings["routing"] = {**settings.get("routing", {}), "hours": hours}
        tenant.settings = {**settings, **values}
        tx.session.add(tenant)


def next_frame(ws: Any, wanted: str, limit: int = 20) -> dict[str, Any]:
    for _ in range(limit):
        frame = ws.receive_json()
        if frame["type"] == wanted:
            return dict(frame)
    raise AssertionError(f"no {wanted} frame")


def hello(ws: Any, token: str | None = None, **extra: Any) -> dict[str, Any]:
    ws.send_json({"type": "hello", "visitor_token": token, **extra})
    return next_frame(ws, "welcome")


def say(ws: Any, client_id: str, text: str) -> dict[str, Any]:
    ws.send_json({"type": "message", "client_id": client_id, "text": text})
    return next_frame(ws, "ack")


def run_outbox(ctx: AppContext) -> int:
    """One pass of the real outbox worker, with the chat sender registered."""

    async def once() -> int:
        senders = Senders()
        senders.register("chat", ChatSender(publish_line(ctx)).send)
        try:
            return await OutboxWorker(ctx, senders).run_once()
        finally:
            ctx.outbox_wakeup = None
            await senders.aclose()

    return asyncio.run(once())
