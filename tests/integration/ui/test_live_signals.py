"""Collision warning and card changes travel over /ws/agent to those who may see them."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from app.context import AppContext
from tests.factories import bearer, make_world
from tests.integration.ui.helpers import interaction_id, sms


def next_of(ws: Any, wanted: str) -> dict[str, Any]:
    for _ in range(20):
        frame = ws.receive_json()
        if frame["type"] == wanted:
            return dict(frame)
    raise AssertionError(f"no {wanted} frame")


def test_viewing_reaches_colleagues_and_card_changes_reach_the_tenant(
        ctx: AppContext, client: TestClient) -> None:
    w = make_world(ctx, agents={"awa": {"ventes": 3}, "fatou": {"ventes": 2},
                                "moussa": {"support": 4}})
    other = make_world(ctx, "globex")
    sms(client, w, "+221771234567", "Je veux acheter", "l1")
    iid = interaction_id(client, w, "+221771234567")
    with client.websocket_connect(f"/ws/agent?token={w.tokens['fatou']}") as fatou, \
            client.websocket_connect(f"/ws/agent?token={w.tokens['moussa']}") as moussa, \
            client.websocket_connect(f"/ws/agent?token={other.admin_token}") as spy:
        for ws in (fatou, moussa, spy):
            assert ws.receive_json()["type"] == "hello"
        assert client.post(f"/api/v1/interactions/{iid}/viewing", json={"state": "open"},
                           headers=bearer(w.tokens["awa"])).status_code == 204
        seen = next_of(fatou, "viewing")["data"]
        assert seen == {"interaction_id": iid, "user_id": w.agents["awa"].user_id,
                        "name": "Awa", "state": "open"}
        contact = client.get(f"/api/v1/interactions/{iid}", headers=bearer(w.admin_token)
                             ).json()["contact"]["id"]
        client.patch(f"/api/v1/contacts/{contact}", json={"vip": True},
                     headers=bearer(w.tokens["awa"]))
        # Moussa (support) does not see the sale being viewed, but the card is the
        # tenant's: he hears that. The other tenant hears nothing of it.
        frame = moussa.receive_json()
        assert frame["type"] == "contact.updated" and frame["data"]["vip"] is True
        assert next_of(fatou, "contact.updated")["data"]["id"] == contact
        client.put("/api/v1/agents/me/presence", json={"state": "available"},
                   headers=bearer(other.admin_token))
        assert spy.receive_json()["type"] == "agent.presence"
