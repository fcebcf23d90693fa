"""Abuse and boundaries: allowed origins, per-IP limits, tenants kept apart, a flood of
visitors that leaves agents' sockets alone, and the out-of-hours answer."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from app import actions
from app.context import AppContext
from tests.factories import bearer
from tests.integration.chat.conftest import (
    chat_world,
    hello,
    next_frame,
    say,
    set_tenant_settings,
)

SHOP = "https://shop.example.sn"


def refused(client: TestClient, url: str, **kwargs: Any) -> int:
    with pytest.raises(WebSocketDisconnect) as info, \
            client.websocket_connect(url, **kwargs) as ws:
        ws.receive_json()
    return int(info.value.code)


def test_only_listed_sites_may_open_the_chat(ctx: AppContext, client: TestClient) -> None:
    cw = chat_world(ctx, config={"allowed_origins": [SHOP + "/", "https://*.boutique.sn"]})
    assert refused(client, cw.url, headers={"origin": "https://evil.example"}) == 4403
    assert refused(client, cw.url, headers={"origin": "http://shop.example.sn"}) == 4403
    for origin in (SHOP, "https://www.boutique.sn"):
        with client.websocket_connect(cw.url, headers={"origin": origin}) as ws:
            assert hello(ws)["type"] == "welcome"
    r = client.get(f"/public/chat/{cw.chat.key}/config", headers={"origin": "https://evil.example"})
    assert r.status_code == 403 and "allowed_origins" in r.json()["detail"]
    r = client.get(f"/public/chat/{cw.chat.key}/config", headers={"origin": SHOP})
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == SHOP
    r = client.get(f"/widget.js?channel={cw.chat.key}",
                   headers={"referer": "https://evil.example/page"})
    assert r.status_code == 403
    assert client.get(f"/widget.js?channel={cw.chat.key}",
                      headers={"referer": SHOP + "/contact"}).status_code == 200
    assert refused(client, "/ws/chat/no-such-key") == 4404


def test_bad_origin_lists_are_refused_when_configured(ctx: AppContext, client: TestClient
                                                      ) -> None:
    cw = chat_world(ctx)
    r = client.patch(f"/api/v1/channels/{cw.chat.id}", headers=bearer(cw.world.admin_token),
                     json={"config": {"allowed_origins": ["shop.example.sn/page"]}})
    assert r.status_code == 422 and "allowed_origins" in r.json()["detail"]
    r = client.patch(f"/api/v1/channels/{cw.chat.id}", headers=bearer(cw.world.admin_token),
                     json={"config": {"max_message_chars": 0}})
    assert r.status_code == 422 and "max_message_chars" in r.json()["detail"]


def test_lines_and_connections_are_limited_per_address(ctx: AppContext, client: TestClient
                                                        ) -> None:
    cw = chat_world(ctx, config={"ip_messages_per_minute": 3, "ip_connections": 2})
    with client.websocket_connect(cw.url) as ws, client.websocket_connect(cw.url) as other:
        assert refused(client, cw.url) == 4429
        hello(ws)
        hello(other)
        for n in range(3):
            say(ws, f"c{n}", f"ligne {n}")
        other.send_json({"type": "message", "client_id": "c9", "text": "encore"})
        error = next_frame(other, "error")
        assert error["client_id"] == "c9" and error["retry_after"] > 0
        assert "too many messages" in error["detail"]
        ws.send_json({"type": "ping"})
        assert next_frame(ws, "pong")["type"] == "pong"  # still usable
    with client.websocket_connect(cw.url) as ws:  # a closed socket frees its place
        assert hello(ws)["type"] == "welcome"


def test_new_connections_are_limited_per_minute(ctx: AppContext, client: TestClient) -> None:
    cw = chat_world(ctx, config={"ip_connections_per_minute": 2})
    for _ in range(2):
        with client.websocket_connect(cw.url) as ws:
            hello(ws)
    assert refused(client, cw.url) == 4429


def test_tenants_stay_apart(ctx: AppContext, client: TestClient) -> None:
    acme = chat_world(ctx, "acme")
    other = chat_world(ctx, "other")
    with client.websocket_connect(acme.url) as ws:
        token = hello(ws)["visitor_token"]
        iid = say(ws, "a", "commande")["interaction_id"]
    with client.websocket_connect(other.url) as ws:
        welcome = hello(ws, token)  # acme's token on the other tenant's chat
        assert welcome["interaction_id"] is None and welcome["history"] == []
        assert say(ws, "a", "commande")["interaction_id"] != iid
    r = client.post(f"/api/v1/interactions/{iid}/typing", json={"state": True},
                    headers=bearer(other.world.tokens["awa"]))
    assert r.status_code == 404


def test_a_flood_of_visitors_does_not_reach_agents_sockets(ctx: AppContext,
                                                           client: TestClient) -> None:
    cw = chat_world(ctx, config={"ip_connections": 30, "ip_connections_per_minute": 100})
    awa = cw.world.agents["awa"]
    with client.websocket_connect(f"/ws/agent?token={cw.world.tokens['awa']}") as agent:
        assert agent.receive_json()["type"] == "hello"
        sockets = []
        try:
            for _ in range(30):
                ws = client.websocket_connect(cw.url).__enter__()
                sockets.append(ws)
                hello(ws)
            assert refused(client, cw.url) == 4429
            # One listener for all visitors: the agent's and the hub's subscriptions only.
            assert ctx.bus.subscriber_count == 2
            actions.set_presence(ctx, awa, "available")
            assert next_frame(agent, "agent.presence")["data"]["state"] == "available"
            say(sockets[0], "x", "commande")
            assert next_frame(agent, "interaction.created")["data"]["assignee"] == awa.user_id
        finally:
            for ws in sockets:
                ws.__exit__(None, None, None)


def test_out_of_hours_the_visitor_is_told_and_the_line_is_kept(
    ctx: AppContext, client: TestClient
) -> None:
    cw = chat_world(ctx)
    set_tenant_settings(ctx, "acme", hours={"weekly": {}})  # never open
    r = client.get(f"/public/chat/{cw.chat.key}/config")
    assert r.json()["open"] is False
    with client.websocket_connect(cw.url) as ws:
        assert hello(ws)["open"] is False
        ack = say(ws, "a", "Bonjour, vous êtes là ?")
        frame = next_frame(ws, "queue")
        assert frame["open"] is False
    assert ack["interaction_id"] is not None  # the request still became an interaction
