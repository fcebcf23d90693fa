"""What a chat visitor may read: their conversation, its history, their place in the
queue. Reads only; every write goes through ``app.actions``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from app.context import AppContext
from app.models import (
    AgentSkill,
    AgentState,
    Channel,
    ContactIdentity,
    Interaction,
    Message,
    Tenant,
    User,
)
from app.models.interactions import OPEN_STATUSES
from app.serializers import iso
from app.services.opening_hours import tenant_hours
from channels.chat.config import ChatSettings

HISTORY_LIMIT = 200
# Queue positions are counted exactly this far; beyond, "behind all of them".
MAX_POSITIONS = 5000
# Handling time is measured over this many recently finished chats of the group.
HANDLING_SAMPLE = 50


@dataclass(frozen=True, slots=True)
class ChatChannel:
    id: int
    key: str
    tenant_id: int
    settings: ChatSettings
    reopen_window: timedelta


@dataclass(frozen=True, slots=True)
class Audience:
    """Who may see an interaction's events (for the visitor's typing, on /ws/agent)."""

    tenant_id: int
    skill_group_id: int | None
    assignee_id: int | None
    status: str


@dataclass(frozen=True, slots=True)
class WelcomeData:
    interaction_id: int | None
    history: list[dict[str, Any]]
    agent: str | None
    audience: Audience | None
    queue: dict[str, Any] | None
    hours: dict[str, Any]


def chat_channel(ctx: AppContext, key: str) -> ChatChannel | None:
    """The active chat channel behind a key, with its settings; None otherwise."""
    with ctx.read_session() as s:
        channel = s.exec(select(Channel).where(Channel.key == key)).first()
        if channel is None or channel.kind != "chat" or not channel.is_active:
            return None
        tenant = s.get(Tenant, channel.tenant_id)
        assert tenant is not None and channel.id is not None
        days = int((tenant.settings or {}).get("reopen_window_days",
                                               ctx.settings.reopen_window_days))
        try:
            settings = ChatSettings.parse(channel.config or {})
        except ValueError:
            settings = ChatSettings()
        return ChatChannel(channel.id, channel.key, channel.tenant_id, settings,
                           timedelta(days=days))


def hours_status(tenant: Tenant, now: datetime) -> dict[str, Any]:
    hours = tenant_hours(tenant)
    if hours is None or hours.is_open(now.timestamp()):
        return {"open": True, "reopens_at": None}
    opening = hours.next_open(now.timestamp())
    return {"open": False,
            "reopens_at": iso(datetime.fromtimestamp(opening, UTC)) if opening else None}


def visitor_conversation(s: Session, channel: ChatChannel, visitor_id: str,
                         now: datetime) -> Interaction | None:
    """The visitor's conversation on this channel, as ingest would thread their next
    line: the open one, or one resolved recently enough to be reopened."""
    contact_id = s.exec(select(ContactIdentity.contact_id).where(
        ContactIdentity.tenant_id == channel.tenant_id, ContactIdentity.kind == "visitor",
        ContactIdentity.value == visitor_id)).first()
    if contact_id is None:
        return None
    latest = s.exec(select(Interaction).where(
        Interaction.contact_id == contact_id, Interaction.channel_id == channel.id)
        .order_by(col(Interaction.id).desc())).first()
    if latest is None:
        return None
    if latest.status in OPEN_STATUSES:
        return latest
    if latest.resolved_at and now - latest.resolved_at <= channel.reopen_window:
        return latest
    return None


def history(s: Session, interaction: Interaction) -> list[dict[str, Any]]:
    """The lines the visitor may see: customer-facing messages of this chat only (never
    internal notes, never an SMS sent on the side)."""
    rows = list(s.exec(
        select(Message).where(Message.interaction_id == interaction.id,
                              Message.channel_id == interaction.channel_id,
                              Message.kind == "message")
        .order_by(col(Message.id).desc()).limit(HISTORY_LIMIT)).all())
    rows.reverse()
    author_ids = {m.author_id for m in rows if m.author_id}
    names = dict(s.exec(select(User.id, User.name).where(col(User.id).in_(author_ids))).all()) \
        if author_ids else {}
    return [{
        "id": m.id,
        "direction": m.direction,
        "text": m.text,
        "created_at": iso(m.created_at),
        "author": names.get(m.author_id) if m.author_id else None,
        "client_id": (m.meta or {}).get("client_id") if m.direction == "in" else None,
    } for m in rows]


def welcome_data(ctx: AppContext, channel: ChatChannel, visitor_id: str) -> WelcomeData:
    now = ctx.clock()
    with ctx.read_session() as s:
        tenant = s.get(Tenant, channel.tenant_id)
        assert tenant is not None
        hours = hours_status(tenant, now)
        interaction = visitor_conversation(s, channel, visitor_id, now)
        if interaction is None or interaction.id is None:
            return WelcomeData(None, [], None, None, None, hours)
        agent = s.get(User, interaction.assignee_id) if interaction.assignee_id else None
        queue = queue_info(ctx, s, [interaction], channel.settings).get(interaction.id)
        return WelcomeData(interaction.id, history(s, interaction),
                           agent.name if agent else None, audience_of(interaction), queue,
                           hours)


def audience_of(interaction: Interaction) -> Audience:
    return Audience(interaction.tenant_id, interaction.skill_group_id, interaction.assignee_id,
                    interaction.status)


def queue_info(ctx: AppContext, s: Session, interactions: list[Interaction],
               settings: ChatSettings) -> dict[int, dict[str, Any]]:
    """Place in the queue, estimated wait and whether anyone can answer, for each of
    ``interactions`` still unanswered. A few queries per skill group, whatever the
    number of conversations (the hub asks for all its waiting visitors at once)."""
    now = ctx.clock()
    waiting = [i for i in interactions if i.status == "queued" and i.id is not None]
    hours: dict[int, dict[str, Any]] = {}
    groups: dict[int, tuple[dict[int, int], tuple[int, int], float]] = {}
    for group_id in sorted({i.skill_group_id for i in waiting if i.skill_group_id}):
        order = s.exec(select(Interaction.id).where(
            Interaction.status == "queued", Interaction.skill_group_id == group_id,
            Interaction.queued_at <= now).order_by(
            col(Interaction.priority).desc(), col(Interaction.queued_at), col(Interaction.id))
            .limit(MAX_POSITIONS)).all()
        positions = {iid: n + 1 for n, iid in enumerate(order) if iid is not None}
        handling = _handling_seconds(s, group_id) or settings.seconds_per_chat
        groups[group_id] = positions, _chat_slots(s, group_id, now), handling
    out: dict[int, dict[str, Any]] = {}
    for i in waiting:
        assert i.id is not None
        if i.tenant_id not in hours:
            tenant = s.get(Tenant, i.tenant_id)
            assert tenant is not None
            hours[i.tenant_id] = hours_status(tenant, now)
        frame: dict[str, Any] = {"type": "queue", **hours[i.tenant_id], "position": None,
                                 "estimated_wait_seconds": None, "agents_available": 0}
        if i.skill_group_id in groups:
            positions, (agents, slots), handling = groups[i.skill_group_id]
            # Not due yet, or past the first MAX_POSITIONS: behind everyone listed.
            frame["position"] = positions.get(i.id, len(positions) + 1)
            frame["agents_available"] = agents
            if slots > 0:
                frame["estimated_wait_seconds"] = int(frame["position"] * handling / slots)
        out[i.id] = frame
    return out


def _chat_slots(s: Session, group_id: int, now: datetime) -> tuple[int, int]:
    """(available agents of the group, how many chats they can hold together)."""
    states = s.exec(select(AgentState).join(
        AgentSkill, col(AgentSkill.user_id) == col(AgentState.user_id)).where(
        AgentSkill.skill_group_id == group_id, AgentState.presence == "available",
        or_(col(AgentState.wrap_up_until).is_(None), col(AgentState.wrap_up_until) <= now))
    ).all()
    return len(states), sum(int((st.capacity or {}).get("chat", 0)) for st in states)


def _handling_seconds(s: Session, group_id: int) -> float | None:
    rows = s.exec(select(Interaction.assigned_at, Interaction.resolved_at).where(
        Interaction.skill_group_id == group_id, Interaction.channel_kind == "chat",
        Interaction.status == "resolved", col(Interaction.assigned_at).is_not(None))
        .order_by(col(Interaction.id).desc()).limit(HANDLING_SAMPLE)).all()
    spans = [(r - a).total_seconds() for a, r in rows if a and r and r > a]
    return sum(spans) / len(spans) if spans else None


def conversation_state(ctx: AppContext, interaction_id: int, settings: ChatSettings
                       ) -> tuple[Audience | None, str | None, dict[str, Any] | None]:
    """Who may see the conversation, the agent's name, the queue frame (if waiting)."""
    with ctx.read_session() as s:
        interaction = s.get(Interaction, interaction_id)
        if interaction is None or interaction.id is None:
            return None, None, None
        agent = s.get(User, interaction.assignee_id) if interaction.assignee_id else None
        queue = queue_info(ctx, s, [interaction], settings).get(interaction.id)
        return audience_of(interaction), agent.name if agent else None, queue


def queue_frames(ctx: AppContext, interaction_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Queue frames for many waiting conversations (the hub's periodic update)."""
    with ctx.read_session() as s:
        rows = list(s.exec(select(Interaction).where(
            col(Interaction.id).in_(interaction_ids[:MAX_POSITIONS]))).all())
        by_channel: dict[int, list[Interaction]] = {}
        for i in rows:
            by_channel.setdefault(i.channel_id, []).append(i)
        out: dict[int, dict[str, Any]] = {}
        for channel_id, items in by_channel.items():
            channel = s.get(Channel, channel_id)
            try:
                settings = ChatSettings.parse(channel.config if channel else {})
            except ValueError:
                settings = ChatSettings()
            out.update(queue_info(ctx, s, items, settings))
        return out
