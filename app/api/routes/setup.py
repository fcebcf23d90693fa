"""Tenants, skill groups and channels."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlmodel import col, select

from app import actions
from app.actions.setup import tenant_by_slug
from app.api.deps import Ctx, CurrentActor, Id
from app.api.routes.webhooks import channel_config
from app.api.schemas import ChannelIn, ChannelPatch, SkillGroupIn, TenantIn
from app.context import AppContext
from app.errors import NotFound
from app.models import Channel, SkillGroup, Tenant
from app.serializers import iso
from app.services.email_cursor import channel_health
from channels.sms import endpoints
from channels.sms.registry import UnknownProviderError

router = APIRouter(prefix="/api/v1", tags=["setup"])

_SECRET_WORDS = ("password", "secret", "token", "api_key", "apikey", "auth")


def redact(config: dict[str, Any]) -> dict[str, Any]:
    return {
        k: ("********" if any(w in k.lower() for w in _SECRET_WORDS) and v else v)
        for k, v in config.items()
    }


def tenant_dict(t: Tenant) -> dict[str, Any]:
    return {"id": t.id, "slug": t.slug, "name": t.name, "timezone": t.timezone,
            "default_region": t.default_region, "locale": t.locale,
            "created_at": iso(t.created_at)}


def group_dict(g: SkillGroup) -> dict[str, Any]:
    return {"id": g.id, "tenant_id": g.tenant_id, "name": g.name, "keywords": g.keywords,
            "is_fallback": g.is_fallback}


def channel_dict(ctx: AppContext, c: Channel, *, show_secret: bool) -> dict[str, Any]:
    base = ctx.settings.base_url.rstrip("/")
    urls: dict[str, str] = {}
    if c.kind == "sms":
        config = channel_config(ctx, c)
        try:
            urls = {"inbound": endpoints.inbound_url(config),
                    "delivery_reports": endpoints.status_url(config)}
        except UnknownProviderError:
            urls = {}
    elif c.kind == "chat":
        urls = {"widget_snippet": f'<script src="{base}/widget.js" data-channel="{c.key}" async>'
                                  "</script>"}
    elif c.kind == "callback":
        urls = {"callbacks": f"{base}/public/callbacks/{c.key}"}
    out = {
        "id": c.id, "tenant_id": c.tenant_id, "kind": c.kind, "name": c.name, "key": c.key,
        "config": redact(c.config), "is_active": c.is_active, "urls": urls,
        "health": {"last_message_at": iso(c.last_message_at),
                   "last_success_at": iso(c.last_success_at),
                   "last_error": c.last_error, "last_error_at": iso(c.last_error_at),
                   **_worker_health(ctx, c)},
        "created_at": iso(c.created_at),
    }
    if show_secret:
        out["secret"] = c.secret
    return out


def _worker_health(ctx: AppContext, c: Channel) -> dict[str, Any]:
    """Email: the mailbox worker's own report (``status``, ``mailbox``: connected, last error,
    last success, next retry, and the latest messages set aside)."""
    if c.kind != "email" or c.id is None:
        return {}
    with ctx.read_session() as s:
        return channel_health(s, c)


def _wake_mailboxes(request: Request, channel: Channel) -> None:
    """A new or changed mailbox is picked up at once rather than at the next scan."""
    workers = getattr(request.app.state, "workers", None)
    if channel.kind == "email" and workers is not None and workers.mailboxes is not None:
        workers.mailboxes.wake()


@router.post("/tenants", status_code=201)
def create_tenant(body: TenantIn, ctx: Ctx, actor: CurrentActor) -> dict[str, Any]:
    tenant = actions.create_tenant(ctx, actor, body.slug, body.name, body.timezone,
                                   body.default_region, body.locale)
    return tenant_dict(tenant)


@router.get("/tenants")
def list_tenants(ctx: Ctx, actor: CurrentActor) -> dict[str, Any]:
    with ctx.read_session() as s:
        rows = s.exec(select(Tenant).where(col(Tenant.id).in_(sorted(actor.tenant_ids)))
                      .order_by(col(Tenant.slug))).all()
        return {"items": [tenant_dict(t) for t in rows]}


@router.post("/tenants/{slug}/skill-groups", status_code=201)
def create_skill_group(slug: str, body: SkillGroupIn, ctx: Ctx, actor: CurrentActor
                       ) -> dict[str, Any]:
    group = actions.create_skill_group(ctx, actor, slug, body.name, body.keywords,
                                       body.is_fallback)
    return group_dict(group)


@router.get("/tenants/{slug}/skill-groups")
def list_skill_groups(slug: str, ctx: Ctx, actor: CurrentActor) -> dict[str, Any]:
    with ctx.read_session() as s:
        tenant = tenant_by_slug(s, actor, slug)
        rows = s.exec(select(SkillGroup).where(SkillGroup.tenant_id == tenant.id)
                      .order_by(col(SkillGroup.name))).all()
        return {"items": [group_dict(g) for g in rows]}


@router.post("/tenants/{slug}/channels", status_code=201)
def create_channel(slug: str, body: ChannelIn, ctx: Ctx, actor: CurrentActor,
                   request: Request) -> dict[str, Any]:
    channel = actions.create_channel(ctx, actor, slug, body.kind, body.name, body.config)
    _wake_mailboxes(request, channel)
    return channel_dict(ctx, channel, show_secret=True)


@router.get("/tenants/{slug}/channels")
def list_channels(slug: str, ctx: Ctx, actor: CurrentActor) -> dict[str, Any]:
    with ctx.read_session() as s:
        tenant = tenant_by_slug(s, actor, slug)
        rows = s.exec(select(Channel).where(Channel.tenant_id == tenant.id)
                      .order_by(col(Channel.id))).all()
        return {"items": [channel_dict(ctx, c, show_secret=actor.is_admin) for c in rows]}


@router.get("/channels/{channel_id}")
def get_channel(channel_id: Id, ctx: Ctx, actor: CurrentActor) -> dict[str, Any]:
    with ctx.read_session() as s:
        channel = s.get(Channel, channel_id)
        if channel is None or channel.tenant_id not in actor.tenant_ids:
            raise NotFound("channel not found")
        return channel_dict(ctx, channel, show_secret=actor.is_admin)


@router.patch("/channels/{channel_id}")
def patch_channel(channel_id: Id, body: ChannelPatch, ctx: Ctx, actor: CurrentActor,
                  request: Request) -> dict[str, Any]:
    channel = actions.update_channel(ctx, actor, channel_id, body.name, body.config,
                                     body.is_active)
    _wake_mailboxes(request, channel)
    return channel_dict(ctx, channel, show_secret=True)
