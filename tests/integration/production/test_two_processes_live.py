"""An agent connected to process B sees what process A took in (Redis events)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
import websockets
from fastapi import FastAPI

from app import actions
from app.context import AppContext
from app.db import make_engine
from tests.factories import make_world, signed_sms
from tests.support.live_server import live_server
from tests.support.redis_server import RedisServer, redis_server


async def frame(ws: Any, wanted: str) -> dict[str, Any]:
    while True:
        data = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
        if data["type"] == wanted:
            return dict(data)


@pytest.fixture
def redis() -> RedisServer:
    with redis_server() as srv:
        yield srv  # type: ignore[misc]


async def test_agent_on_b_sees_sms_taken_in_by_a(ctx: AppContext, redis: RedisServer) -> None:
    w = make_world(ctx)
    actions.set_presence(ctx, w.agents["awa"], "available")
    ctx.settings.redis_url = redis.url
    other_settings = ctx.settings.model_copy()
    ctx_b = AppContext(settings=other_settings, engine=make_engine(ctx.settings.database_url))
    apps: list[FastAPI] = []
    with live_server(ctx, on_app=apps.append) as base_a, \
            live_server(ctx_b, on_app=apps.append) as base_b:
        for app in apps:  # both listeners are subscribed to Redis
            for _ in range(200):
                if app.state.relay.connected.is_set():
                    break
                await asyncio.sleep(0.05)
            assert app.state.relay.connected.is_set()
        url = base_b.replace("http", "ws") + f"/ws/agent?token={w.tokens['awa']}"
        async with websockets.connect(url) as ws:
            await frame(ws, "hello")
            body, headers = signed_sms(w.channel.secret, {"id": "x1", "from": "+221771234567",
                                                          "text": "prix ?"})
            async with httpx.AsyncClient() as http:
                r = await http.post(f"{base_a}/webhooks/sms/{w.channel.key}", content=body,
                                    headers=headers)
            assert r.status_code == 200
            created = await frame(ws, "interaction.created")
            assert created["data"]["assignee"] == w.agents["awa"].user_id
    ctx_b.engine.dispose()
