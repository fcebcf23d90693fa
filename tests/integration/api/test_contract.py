"""Every route of the contract, on SQLite and PostgreSQL, with its bad inputs."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import func, select

from app import actions
from app.context import AppContext
from app.models import Contact, Interaction, Message
from channels.sms.generic import sign
from tests.factories import bearer, make_world, signed_sms


def post_sms(client: TestClient, key: str, secret: str, payload: dict[str, Any]) -> Any:
    body, headers = signed_sms(secret, payload)
    return client.post(f"/webhooks/sms/{key}", content=body, headers=headers)


def rows(ctx: AppContext, model: type) -> int:
    with ctx.read_session() as s:
        return int(s.exec(select(func.count()).select_from(model)).one())


def test_healthz_and_openapi(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/v1/tenants", "/api/v1/tenants/{slug}/skill-groups",
                 "/api/v1/tenants/{slug}/channels", "/api/v1/channels/{channel_id}",
                 "/api/v1/users", "/api/v1/agents/me/presence", "/api/v1/interactions",
                 "/api/v1/interactions/{interaction_id}",
                 "/api/v1/interactions/{interaction_id}/replies",
                 "/api/v1/interactions/{interaction_id}/resolve",
                 "/webhooks/sms/{channel_key}", "/healthz"):
        assert path in paths, path


def test_setup_routes_build_a_working_tenant(ctx: AppContext, client: TestClient) -> None:
    actions.create_user(ctx, None, email="root@x.test", name="Root", role="admin",
                        password=None, tenants=[])
    admin = bearer(actions.issue_token(ctx, "root@x.test"))
    r = client.post("/api/v1/tenants", json={"slug": "boutique", "name": "Boutique"},
                    headers=admin)
    assert r.status_code == 201, r.text
    assert r.json()["slug"] == "boutique" and r.json()["timezone"] == "Africa/Dakar"
    r = client.post("/api/v1/tenants/boutique/skill-groups",
                    json={"name": "ventes", "keywords": ["prix", "Commande"]}, headers=admin)
    assert r.status_code == 201 and r.json()["keywords"] == ["prix", "Commande"]
    r = client.post("/api/v1/tenants/boutique/channels",
                    json={"kind": "sms", "name": "SMS", "config": {"provider": "generic"}},
                    headers=admin)
    assert r.status_code == 201
    channel = r.json()
    assert {"id", "key", "secret"} <= channel.keys()
    r = client.patch(f"/api/v1/channels/{channel['id']}",
                     json={"config": {"send_url": "http://127.0.0.1:9/send",
                                      "password": "hunter2"}}, headers=admin)
    assert r.status_code == 200
    assert r.json()["config"]["send_url"] == "http://127.0.0.1:9/send"
    assert r.json()["config"]["password"] == "********"
    r = client.post("/api/v1/users", headers=admin, json={
        "email": "Awa@Boutique.test", "name": "Awa", "role": "agent", "password": "s3cret-pass",
        "tenants": ["boutique"], "skills": {"ventes": 4}, "capacity": {"sms": 2}})
    assert r.status_code == 201, r.text
    assert r.json()["email"] == "awa@boutique.test"
    agent = bearer(actions.issue_token(ctx, "awa@boutique.test"))
    assert client.put("/api/v1/agents/me/presence", json={"state": "available"},
                      headers=agent).json()["state"] == "available"
    r = post_sms(client, channel["key"], channel["secret"],
                 {"id": "m1", "from": "+221771234567", "to": "21000", "text": "Le prix ?"})
    assert r.status_code == 200, r.text
    items = client.get("/api/v1/interactions?tenant=boutique&status=assigned&channel=sms"
                       "&skill_group=ventes", headers=agent).json()["items"]
    assert len(items) == 1
    item = items[0]
    assert item["classification"] == {"label": "ventes", "confidence": 1.0, "source": "keyword"}
    assert item["contact"]["phones"] == ["+221771234567"]
    assert item["assignee"] == r.json().get("assignee", item["assignee"]) is not None
    for key in ("id", "tenant", "channel", "status", "skill_group", "classification", "contact",
                "assignee", "priority", "created_at", "first_response_at"):
        assert key in item
    one = client.get(f"/api/v1/interactions/{item['id']}", headers=agent).json()
    assert [m["direction"] for m in one["messages"]] == ["in"]
    r = client.post(f"/api/v1/interactions/{item['id']}/replies", json={"text": "Merci !"},
                    headers=agent)
    assert r.status_code == 202 and r.json()["status"] == "queued"
    one = client.get(f"/api/v1/interactions/{item['id']}", headers=agent).json()
    assert one["messages"][-1]["delivery_status"] == "queued"
    assert one["first_response_at"] is not None
    assert client.post(f"/api/v1/interactions/{item['id']}/resolve",
                       headers=agent).status_code == 200
    assert client.get(f"/api/v1/interactions/{item['id']}",
                      headers=agent).json()["status"] == "resolved"


def test_authentication_and_roles(ctx: AppContext, client: TestClient) -> None:
    w = make_world(ctx)
    assert client.get("/api/v1/interactions").status_code == 401
    assert client.get("/api/v1/interactions", headers=bearer("tg_nope")).status_code == 401
    agent = bearer(w.tokens["awa"])
    r = client.post("/api/v1/tenants", json={"slug": "x", "name": "X"}, headers=agent)
    assert r.status_code == 403 and "admin" in r.json()["detail"]
    r = client.post(f"/api/v1/tenants/{w.tenant}/channels", json={"kind": "sms", "name": "x"},
                    headers=agent)
    assert r.status_code == 403
    token = w.tokens["awa"]
    actions.revoke_token(ctx, token)
    assert client.get("/api/v1/interactions", headers=bearer(token)).status_code == 401


def test_tenant_boundaries_answer_404(ctx: AppContext, client: TestClient) -> None:
    a = make_world(ctx, "alpha")
    b = make_world(ctx, "beta")
    assert b.channel.id is not None
    r = post_sms(client, b.channel.key, b.channel.secret,
                 {"id": "b1", "from": "+221771234567", "text": "commande"})
    b_interaction = r.json()["interaction_id"]
    alpha_admin = bearer(a.admin_token)
    alpha_agent = bearer(a.tokens["awa"])
    for headers in (alpha_admin, alpha_agent):
        assert client.get(f"/api/v1/interactions/{b_interaction}",
                          headers=headers).status_code == 404
        assert client.post(f"/api/v1/interactions/{b_interaction}/replies", json={"text": "x"},
                           headers=headers).status_code == 404
        assert client.post(f"/api/v1/interactions/{b_interaction}/resolve",
                           headers=headers).status_code == 404
        assert client.get("/api/v1/interactions", headers=headers).json()["items"] == []
        assert client.get(f"/api/v1/interactions?tenant={b.tenant}",
                          headers=headers).json()["items"] == []
    assert client.patch(f"/api/v1/channels/{b.channel.id}", json={"name": "pwned"},
                        headers=alpha_admin).status_code == 404
    assert client.post(f"/api/v1/tenants/{b.tenant}/skill-groups", json={"name": "x"},
                       headers=alpha_admin).status_code == 404
    assert client.post(f"/api/v1/tenants/{b.tenant}/channels", json={"kind": "sms", "name": "x"},
                       headers=alpha_admin).status_code == 404
    r = client.post("/api/v1/users", headers=alpha_admin, json={
        "email": "spy@x.test", "name": "Spy", "role": "agent", "password": "long-enough",
        "tenants": [b.tenant]})
    assert r.status_code == 404


def test_agent_sees_only_own_groups_and_own_work(ctx: AppContext, client: TestClient) -> None:
    w = make_world(ctx)
    post_sms(client, w.channel.key, w.channel.secret,
             {"id": "1", "from": "+221771234567", "text": "ma box est en panne"})
    awa = bearer(w.tokens["awa"])  # ventes only
    moussa = bearer(w.tokens["moussa"])  # support
    assert client.get("/api/v1/interactions", headers=awa).json()["items"] == []
    items = client.get("/api/v1/interactions", headers=moussa).json()["items"]
    assert len(items) == 1
    assert client.get(f"/api/v1/interactions/{items[0]['id']}", headers=awa).status_code == 404
    admin = bearer(w.admin_token)
    assert len(client.get("/api/v1/interactions", headers=admin).json()["items"]) == 1


def test_webhook_bad_input_is_refused_cleanly(ctx: AppContext, client: TestClient) -> None:
    w = make_world(ctx)
    key, secret = w.channel.key, w.channel.secret
    good = {"id": "ok-1", "from": "+221771234567", "text": "commande"}
    body, headers = signed_sms(secret, good)
    r = client.post(f"/webhooks/sms/{key}", content=body,
                    headers={**headers, "x-teranga-signature": "sha256=00"})
    assert r.status_code == 401 and "signature" in r.json()["detail"]
    r = client.post(f"/webhooks/sms/{key}", content=body, headers={"content-type": "json"})
    assert r.status_code == 401
    assert post_sms(client, "no-such-key", secret, good).status_code == 404
    raw = b"{not json"

    r = client.post(f"/webhooks/sms/{key}", content=raw,
                    headers={"x-teranga-signature": sign(secret, raw)})
    assert r.status_code == 422 and "JSON" in r.json()["detail"]
    r = post_sms(client, key, secret, {"id": "x", "text": "no sender"})
    assert r.status_code == 422 and "'from'" in r.json()["detail"]
    r = post_sms(client, key, secret, {"id": "x", "from": "+221771234567", "text": ["list"]})
    assert r.status_code == 422 and "'text'" in r.json()["detail"]
    r = post_sms(client, key, secret, {"id": "x", "from": "+221771234567",
                                       "text": "a" * 20_001})
    assert r.status_code == 422 and "longer" in r.json()["detail"]
    r = post_sms(client, key, secret, {"id": "x", "from": "garbage!", "text": "hi"})
    assert r.status_code == 422 and "phone" in r.json()["detail"]
    assert rows(ctx, Message) == 0 and rows(ctx, Contact) == 0 and rows(ctx, Interaction) == 0
    assert post_sms(client, key, secret, good).json()["duplicate"] is False
    assert post_sms(client, key, secret, good).json()["duplicate"] is True
    assert rows(ctx, Message) == 1


def test_api_bad_input_is_4xx_with_a_reason(ctx: AppContext, client: TestClient) -> None:
    w = make_world(ctx)
    admin = bearer(w.admin_token)
    cases = [
        ("post", "/api/v1/tenants", {"slug": "Bad Slug!", "name": "x"}, 422),
        ("post", "/api/v1/tenants", {"slug": "ok", "name": "x", "timezone": "Mars/Base"}, 422),
        ("post", "/api/v1/tenants", {"slug": w.tenant, "name": "again"}, 409),
        ("post", f"/api/v1/tenants/{w.tenant}/skill-groups", {"name": "ventes"}, 409),
        ("post", f"/api/v1/tenants/{w.tenant}/channels", {"kind": "fax", "name": "x"}, 422),
        ("post", "/api/v1/users", {"email": "a@b.c", "name": "x", "role": "boss",
                                   "password": "long-enough"}, 422),
        ("post", "/api/v1/users", {"email": "a@b.c", "name": "x", "role": "agent",
                                   "password": "short"}, 422),
        ("post", "/api/v1/users", {"email": "a@b.c", "name": "x", "role": "agent",
                                   "password": "long-enough", "tenants": [w.tenant],
                                   "skills": {"ventes": 9}}, 422),
        ("put", "/api/v1/agents/me/presence", {"state": "sleeping"}, 422),
        ("post", "/api/v1/interactions/999999/replies", {"text": "x"}, 404),
        ("post", "/api/v1/interactions/999999/resolve", None, 404),
    ]
    for method, path, body, status in cases:
        r = client.request(method, path, json=body, headers=admin)
        assert r.status_code == status, (path, body, r.status_code, r.text)
        assert "detail" in r.json()
    json_headers = {**admin, "content-type": "application/json"}
    r = client.post("/api/v1/tenants", content=b"{oops", headers=json_headers)
    assert r.status_code == 422
