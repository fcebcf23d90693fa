"""Building blocks for tests, made through the real actions."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from sqlmodel import select

from app import actions
from app.access import Actor, load_actor
from app.context import AppContext
from app.models import Channel, User

PASSWORD = "correct horse battery"


@dataclass
class World:
    """A tenant with groups, an SMS channel, an admin and agents."""

    tenant: str
    admin: Actor
    admin_token: str
    channel: Channel
    agents: dict[str, Actor]
    tokens: dict[str, str]


def actor_for(ctx: AppContext, email: str) -> Actor:
    with ctx.read_session() as s:
        user = s.exec(select(User).where(User.email == email)).one()
        return load_actor(s, user)


def make_world(
    ctx: AppContext,
    slug: str = "acme",
    agents: dict[str, dict[str, int]] | None = None,
    channel_config: dict[str, Any] | None = None,
    passwords: bool = False,
) -> World:
    """Passwords cost an Argon2 hash each: only tests that log in ask for them."""
    password = PASSWORD if passwords else None
    admin_email = f"admin@{slug}.test"
    actions.create_user(ctx, None, email=admin_email, name=f"Admin {slug}", role="admin",
                        password=password, tenants=[])
    admin = actor_for(ctx, admin_email)
    actions.create_tenant(ctx, admin, slug, f"{slug.title()} SARL")
    admin = actor_for(ctx, admin_email)
    actions.create_skill_group(ctx, admin, slug, "ventes", ["commande", "prix", "acheter"])
    actions.create_skill_group(ctx, admin, slug, "support", ["panne", "bloqué", "marche pas"])
    channel = actions.create_channel(ctx, admin, slug, "sms", "SMS 21000",
                                     channel_config or {"provider": "generic"})
    agents = agents if agents is not None else {"awa": {"ventes": 3}, "moussa": {"support": 4}}
    made: dict[str, Actor] = {}
    tokens: dict[str, str] = {}
    for name, skills in agents.items():
        email = f"{name}@{slug}.test"
        actions.create_user(ctx, None, email=email, name=name.title(), role="agent",
                            password=password, tenants=[slug], skills=skills)
        made[name] = actor_for(ctx, email)
        tokens[name] = actions.issue_token(ctx, email)
    return World(slug, admin, actions.issue_token(ctx, admin_email), channel, made, tokens)


def signed_sms(secret: str, payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    sig = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return body, {"content-type": "application/json", "x-teranga-signature": sig}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
