"""Logins slow guessing down; admin actions leave an audit trail without secrets."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import select

from app import actions
from app.context import AppContext
from app.models import AuditEntry
from tests.factories import PASSWORD, make_world


def test_lockout_after_repeated_failures(ctx: AppContext, client: TestClient) -> None:
    make_world(ctx, passwords=True)
    for _ in range(5):
        r = client.post("/login", data={"email": "awa@acme.test", "password": "nope-nope"})
        assert r.status_code == 401
    # Even the right password is refused while locked: guessing gains nothing.
    r = client.post("/login", data={"email": "awa@acme.test", "password": PASSWORD},
                    headers={"accept-language": "fr"})
    assert r.status_code == 429 and "Trop de tentatives" in r.text
    # Another account is not locked by Awa's failures.
    ok = client.post("/login", data={"email": "moussa@acme.test", "password": PASSWORD},
                     follow_redirects=False)
    assert ok.status_code == 303
    cookie = ok.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_session_cookie_is_secure_behind_tls(ctx: AppContext, client: TestClient) -> None:
    make_world(ctx, passwords=True)
    ctx.settings.base_url = "https://teranga.example.sn"
    r = client.post("/login", data={"email": "awa@acme.test", "password": PASSWORD},
                    follow_redirects=False)
    assert "secure" in r.headers["set-cookie"].lower()


def test_cookie_session_needs_csrf_for_changes(ctx: AppContext, client: TestClient) -> None:
    make_world(ctx, passwords=True)
    client.post("/login", data={"email": "awa@acme.test", "password": PASSWORD})
    assert client.get("/api/v1/agents/me").status_code == 200
    r = client.put("/api/v1/agents/me/presence", json={"state": "available"})
    assert r.status_code == 403 and "CSRF" in r.json()["detail"]


def test_admin_actions_are_audited_without_secrets(ctx: AppContext) -> None:
    w = make_world(ctx)
    actions.update_channel(ctx, w.admin, w.channel.id,  # type: ignore[arg-type]
                           config={"send_url": "https://gw.example/send", "password": "s3cr3t"})
    actions.routing_config.set_tenant_routing(ctx, w.admin, w.tenant, {"wrap_up_seconds": 15})
    with ctx.read_session() as s:
        entries = s.exec(select(AuditEntry).order_by(AuditEntry.id)).all()  # type: ignore[arg-type]
    kinds = [e.action for e in entries]
    for expected in ("tenant.create", "skill_group.create", "channel.create", "user.create",
                     "channel.update", "routing.update"):
        assert expected in kinds
    update = next(e for e in entries if e.action == "channel.update")
    assert update.actor_id == w.admin.user_id
    assert update.data["config"]["password"] == "********"
    assert "s3cr3t" not in str([e.data for e in entries])
