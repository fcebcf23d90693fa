"""Setting up a tenant: the tenant itself, its skill groups and channels."""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.access import Actor
from app.context import AppContext
from app.errors import Conflict, Invalid, NotFound
from app.models import Channel, Membership, SkillGroup, Tenant
from app.security import new_channel_key, new_channel_secret
from app.services.audit import audit
from channels.callback.config import validate_callback_config
from channels.chat.config import ChannelConfigError, validate_chat_config
from channels.sms.registry import PROVIDER_NAMES
from channels.types import CHANNEL_KINDS

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
MAX_KEYWORDS = 500


def tenant_by_slug(s: Session, actor: Actor, slug: str) -> Tenant:
    tenant = s.exec(select(Tenant).where(Tenant.slug == slug)).first()
    if tenant is None or tenant.id not in actor.tenant_ids:
        raise NotFound(f"tenant '{slug}' not found")
    return tenant


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(f"unknown time zone '{name}' (use an IANA name like Africa/Dakar)") from None
    return name


def create_tenant(
    ctx: AppContext, actor: Actor | None, slug: str, name: str, timezone: str = "Africa/Dakar",
    default_region: str = "SN", locale: str = "fr",
) -> Tenant:
    """Create a tenant. The admin who creates it becomes a member (``actor=None``: CLI)."""
    if actor is not None:
        actor.require_admin()
    slug = slug.strip().lower()
    if not SLUG.match(slug):
        raise Invalid("slug must be 1-63 lower-case letters, digits or dashes")
    if not name.strip():
        raise Invalid("name must not be empty")
    check_timezone(timezone)
    region = default_region.upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise Invalid(f"unknown phone region '{default_region}'")
    if locale not in ("fr", "en"):
        raise Invalid("locale must be 'fr' or 'en'")
    try:
        with ctx.transaction() as tx:
            s = tx.session
            if s.exec(select(Tenant.id).where(Tenant.slug == slug)).first() is not None:
                raise Conflict(f"tenant '{slug}' already exists")
            tenant = Tenant(slug=slug, name=name.strip(), timezone=timezone,
                            default_region=region, locale=locale, created_at=ctx.clock())
            s.add(tenant)
            s.flush()
            assert tenant.id is not None
            if actor is not None:
                s.add(Membership(tenant_id=tenant.id, user_id=actor.user_id))
            # Work the classifier cannot place lands here until someone triages it.
            s.add(SkillGroup(tenant_id=tenant.id, name="triage", is_fallback=True,
                             created_at=ctx.clock()))
            audit(tx, actor, "tenant.create", tenant_id=tenant.id, target=slug,
                  data={"name": tenant.name, "timezone": timezone})
    except IntegrityError:
        raise Conflict(f"tenant '{slug}' already exists") from None
    return tenant


def clean_keywords(keywords: list[str] | None) -> list[str]:
    out: list[str] = []
    for word in keywords or []:
        if not isinstance(word, str):
            raise Invalid("keywords must be strings")
        word = " ".join(word.split())
        if not word:
            continue
        if len(word) > 100:
            raise Invalid("a keyword may be at most 100 characters")
        if word not in out:
            out.append(word)
    if len(out) > MAX_KEYWORDS:
        raise Invalid(f"at most {MAX_KEYWORDS} keywords per skill group")
    return out


def create_skill_group(
    ctx: AppContext, actor: Actor, tenant_slug: str, name: str,
    keywords: list[str] | None = None, is_fallback: bool = False,
) -> SkillGroup:
    name = " ".join(name.split())
    if not name or len(name) > 100:
        raise Invalid("name must be 1-100 characters")
    words = clean_keywords(keywords)
    try:
        with ctx.transaction() as tx:
            s = tx.session
            tenant = tenant_by_slug(s, actor, tenant_slug)
            actor.require_supervisor(tenant.id)  # type: ignore[arg-type]
            exists = s.exec(select(SkillGroup.id).where(SkillGroup.tenant_id == tenant.id,
                                                         SkillGroup.name == name)).first()
            if exists is not None:
                raise Conflict(f"skill group '{name}' already exists")
            if is_fallback:
                for other in s.exec(select(SkillGroup).where(SkillGroup.tenant_id == tenant.id,
                                                             SkillGroup.is_fallback)):
                    other.is_fallback = False
                    s.add(other)
            assert tenant.id is not None
            group = SkillGroup(tenant_id=tenant.id, name=name, keywords=words,
                               is_fallback=is_fallback, created_at=ctx.clock())
            s.add(group)
            s.flush()
            audit(tx, actor, "skill_group.create", tenant_id=tenant.id, target=name,
                  data={"keywords": words, "is_fallback": is_fallback})
    except IntegrityError:
        raise Conflict(f"skill group '{name}' already exists") from None
    return group


def validate_channel_config(kind: str, config: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(config, dict):
        raise Invalid("config must be an object")
    if kind == "sms":
        provider = config.get("provider", "generic")
        if provider not in PROVIDER_NAMES:
            raise Invalid(f"unknown SMS provider '{provider}' "
                          f"(expected one of {', '.join(PROVIDER_NAMES)})")
        for key in ("send_url", "sendsms_url", "api_url", "token_url", "callback_base_url"):
            url = config.get(key)
            if url is not None and not (
                isinstance(url, str) and url.startswith(("http://", "https://"))
            ):
                raise Invalid(f"{key} must be an http(s) URL")
        rate = config.get("max_per_second")
        if rate is not None and (not isinstance(rate, int | float) or rate <= 0):
            raise Invalid("max_per_second must be a positive number")
    if kind in ("chat", "callback"):
        try:
            (validate_chat_config if kind == "chat" else validate_callback_config)(config)
        except ChannelConfigError as exc:
            raise Invalid(str(exc)) from None
    if kind == "email":
        for port_key in ("imap_port", "smtp_port"):
            port = config.get(port_key)
            if port is not None and (not isinstance(port, int) or not 0 < port < 65536):
                raise Invalid(f"{port_key} must be a port number")
    return config


def create_channel(
    ctx: AppContext, actor: Actor, tenant_slug: str, kind: str, name: str,
    config: dict[str, Any] | None = None,
) -> Channel:
    if kind not in CHANNEL_KINDS:
        raise Invalid(f"kind must be one of {', '.join(CHANNEL_KINDS)}")
    name = name.strip()
    if not name or len(name) > 200:
        raise Invalid("name must be 1-200 characters")
    config = validate_channel_config(kind, dict(config or {}))
    with ctx.transaction() as tx:
        s = tx.session
        tenant = tenant_by_slug(s, actor, tenant_slug)
        assert tenant.id is not None
        actor.require_admin(tenant.id)
        channel = Channel(tenant_id=tenant.id, kind=kind, name=name, key=new_channel_key(),
                          secret=new_channel_secret(), config=config, created_at=ctx.clock())
        s.add(channel)
        s.flush()
        audit(tx, actor, "channel.create", tenant_id=tenant.id, target=f"{kind}:{name}",
              data={"config": config})
    return channel


def update_channel(
    ctx: AppContext, actor: Actor, channel_id: int, name: str | None = None,
    config: dict[str, Any] | None = None, is_active: bool | None = None,
) -> Channel:
    with ctx.transaction() as tx:
        s = tx.session
        channel = s.get(Channel, channel_id)
        if channel is None or channel.tenant_id not in actor.tenant_ids:
            raise NotFound("channel not found")
        actor.require_admin(channel.tenant_id)
        if name is not None:
            name = name.strip()
            if not name or len(name) > 200:
                raise Invalid("name must be 1-200 characters")
            channel.name = name
        if config is not None:
            # A PATCH merges: keys not given keep their values; a null removes one.
            merged = {**channel.config, **config}
            channel.config = validate_channel_config(
                channel.kind, {k: v for k, v in merged.items() if v is not None}
            )
        if is_active is not None:
            channel.is_active = is_active
        s.add(channel)
        audit(tx, actor, "channel.update", tenant_id=channel.tenant_id,
              target=f"{channel.kind}:{channel.name}",
              data={"name": name, "config": config, "is_active": is_active})
    return channel
