"""The issue's "done when", on a real server: an SMS posted to the webhook shows up
live on an available agent's socket, classified and assigned; the agent's reply
reaches the gateway exactly once although the gateway fails twice first."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import websockets

from app.context import AppContext
from tests.factories import bearer, make_world, signed_sms
from tests.support.http_gateway import recording_gateway
from tests.support.live_server import live_server


async def frame_of(ws: Any, wanted: str, **match: Any) -> dict[str, Any]:
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
        if frame["type"] == wanted and all(frame["data"].get(k) == v for k, v in match.items()):
            return dict(frame["data"])


async def test_sms_to_agent_and_reply_to_gateway_exactly_once(ctx: AppContext) -> None:
    with recording_gateway() as gateway:
        w = make_world(ctx, channel_config={"provider": "generic", "send_url": gateway.url,
                                            "sender": "21000"})
        awa = w.agents["awa"]
        with live_server(ctx) as base:
            ws_url = base.replace("http", "ws") + f"/ws/agent?token={w.tokens['awa']}"
            async with httpx.AsyncClient(base_url=base) as http, \
                    websockets.connect(ws_url) as ws:
                assert (await frame_of(ws, "hello"))["user_id"] == awa.user_id
                r = await http.put("/api/v1/agents/me/presence", json={"state": "available"},
                                   headers=bearer(w.tokens["awa"]))
                assert r.status_code == 200
                body, headers = signed_sms(w.channel.secret, {
                    "id": "kannel-42", "from": "+221 77 123 45 67", "to": "21000",
                    "text": "Bonjour, quel est le prix du sac de riz ?"})
                r = await http.post(f"/webhooks/sms/{w.channel.key}", content=body,
                                    headers=headers)
                assert r.status_code == 200, r.text
                created = await frame_of(ws, "interaction.created")
                assert created["assignee"] == awa.user_id
                assert created["skill_group"] == "ventes"
                assert created["contact"]["phones"] == ["+221771234567"]
                gateway.fail_next(502, 503)
                r = await http.post(f"/api/v1/interactions/{created['id']}/replies",
                                    json={"text": "Bonjour ! Le sac est à 15 000 F CFA."},
                                    headers=bearer(w.tokens["awa"]))
                assert r.status_code == 202
                message_id = r.json()["message_id"]
                sent = await frame_of(ws, "message.updated", id=message_id)
                assert sent["delivery_status"] == "sent"
        assert len(gateway.received) == 3
        assert [e["body"]["id"] for e in gateway.accepted] == [str(message_id)]
        assert gateway.accepted[0]["body"]["text"] == "Bonjour ! Le sac est à 15 000 F CFA."
