"""/ws/agent: agents see what concerns them, live, and nothing of other tenants."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from app import actions
from app.context import AppContext
from tests.factories import bearer, make_world, signed_sms


def next_of(ws: Any, wanted: str) -> dict[str, Any]:
    for _ in range(20):
        frame = ws.receive_json()
        if frame["type"] == wanted:
            return dict(frame)
    raise AssertionError(f"no {wanted} frame")


def test_agent_sees_an_sms_arrive_classified_and_assigned(
    ctx: AppContext, client: TestClient
) -> None:
    w = make_world(ctx)
    other = make_world(ctx, "other")
    awa = w.agents["awa"]
    actions.set_presence(ctx, awa, "available")
    with client.websocket_connect(f"/ws/agent?token={w.tokens['awa']}") as ws, \
            client.websocket_connect(f"/ws/agent?token={other.admin_token}") as spy:
        assert ws.receive_json()["type"] == "hello"
        assert spy.receive_json()["type"] == "hello"
        body, headers = signed_sms(w.channel.secret, {"id": "s1", "from": "+221771234567",
                                                      "text": "Quel est le prix ?"})
        assert client.post(f"/webhooks/sms/{w.channel.key}", content=body,
                           headers=headers).status_code == 200
        created = next_of(ws, "interaction.created")["data"]
        assert created["status"] == "assigned" and created["assignee"] == awa.user_id
        assert created["skill_group"] == "ventes"
        assert created["classification"]["source"] == "keyword"
        message = next_of(ws, "message.created")["data"]
        assert message["text"] == "Quel est le prix ?"
        # The other tenant's admin hears their own events, and none of ours before them.
        client.put("/api/v1/agents/me/presence", json={"state": "available"},
                   headers=bearer(other.admin_token))
        frame = spy.receive_json()
        assert frame["type"] == "agent.presence"
        assert frame["data"]["user_id"] == other.admin.user_id


def test_agent_without_the_skill_does_not_hear_it(ctx: AppContext, client: TestClient) -> None:
    w = make_world(ctx)
    with client.websocket_connect(f"/ws/agent?token={w.tokens['moussa']}") as ws:
        assert ws.receive_json()["type"] == "hello"
        body, headers = signed_sms(w.channel.secret, {"id": "s1", "from": "+221771234567",
                                                      "text": "commande"})
        client.post(f"/webhooks/sms/{w.channel.key}", content=body, headers=headers)
        body, headers = signed_sms(w.channel.secret, {"id": "s2", "from": "+221771234568",
                                                      "text": "panne"})
        client.post(f"/webhooks/sms/{w.channel.key}", content=body, headers=headers)
        frame = ws.receive_json()
        assert frame["type"] == "interaction.created"
        assert frame["data"]["skill_group"] == "support"  # the 'ventes' one never came


def test_socket_refuses_strangers(client: TestClient) -> None:
    from starlette.websockets import WebSocketDisconnect

    try:
        with client.websocket_connect("/ws/agent?token=tg_bogus") as ws:
            ws.receive_json()
    except WebSocketDisconnect as exc:
        assert exc.code == 4401
    else:  # pragma: no cover
        raise AssertionError("socket accepted a bogus token")
