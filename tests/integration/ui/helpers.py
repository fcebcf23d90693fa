"""Shared steps for the UI's API tests."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.factories import World, bearer, make_world, signed_sms


def sms(client: TestClient, w: World, sender: str, text: str, msg_id: str) -> dict[str, Any]:
    body, headers = signed_sms(w.channel.secret, {"id": msg_id, "from": sender, "to": "21000",
                                                  "text": text})
    r = client.post(f"/webhooks/sms/{w.channel.key}", content=body, headers=headers)
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()
    return data


def interaction_id(client: TestClient, w: World, sender: str) -> int:
    items = client.get("/api/v1/interactions", headers=bearer(w.admin_token)).json()["items"]
    return int(next(i["id"] for i in items if sender in i["contact"]["phones"]))


def two_worlds(ctx: Any) -> tuple[World, World]:
    return make_world(ctx, "acme"), make_world(ctx, "globex", agents={"binta": {"ventes": 3}})
