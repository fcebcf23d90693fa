"""Chats that end by themselves.

- **Abandoned**: the visitor left (no socket on any process) before any agent
  answered, and did not come back within the channel's ``abandon_after_seconds``
  (default 120). Whether the visitor is here is kept on the conversation itself,
  ``meta.visitor_left_at``: written when a process closes the last socket it had for
  the conversation, removed when a socket says hello again (on any process). The
  sweep abandons what has been left longer than the grace period: unassigned, the
  agent's capacity freed, a history entry.
- **Resolved for inactivity**: an answered chat with no line either way for the
  channel's ``idle_resolve_minutes`` (default 30) is resolved by the system with the
  outcome ``inactivity``; the visitor's socket, if any, is told (fr/en).

Both sweeps run in every process; rows are claimed with ``FOR UPDATE SKIP LOCKED``
and checked again once locked, so two processes never act on one chat twice.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select

from app.actions import csat
from app.actions.chat import transcripts_after_resolve
from app.context import AppContext, Transaction
from app.events import Event
from app.models import Channel, Interaction, InteractionEvent, Tenant
from app.models.interactions import OPEN_STATUSES
from app.services import assignment, transcripts
from channels.chat.config import ChannelConfigError, ChatSettings

log = logging.getLogger(__name__)

BATCH = 100
PRESENCE_CHUNK = 500
LEFT = "visitor_left_at"
IDLE_OUTCOME = "inactivity"
# Fixed width, so that stamps compare as text in SQL exactly as they do as times.
STAMP = "%Y-%m-%dT%H:%M:%S.%fZ"

IDLE_NOTICE = {
    "fr": "La conversation a été clôturée après {n} min sans message. "
          "Écrivez pour la reprendre.",
    "en": "This conversation was closed after {n} min without a message. "
          "Write to pick it up again.",
}


def stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime(STAMP)


def parse_stamp(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value, STAMP).replace(tzinfo=UTC)
    except ValueError:
        return None


# -- the visitor's presence --------------------------------------------------------------

def visitor_left(ctx: AppContext, interaction_id: int) -> None:
    """The last socket this process had for the conversation closed."""
    with ctx.transaction() as tx:
        s = tx.session
        interaction = s.get(Interaction, interaction_id, with_for_update=True)
        if interaction is None or interaction.channel_kind != "chat" \
                or interaction.status not in OPEN_STATUSES:
            return
        interaction.meta = {**(interaction.meta or {}), LEFT: stamp(ctx.clock())}
        s.add(interaction)


def visitor_back(ctx: AppContext, interaction_id: int) -> None:
    """A socket said hello (or wrote) for the conversation: the visitor is here."""
    with ctx.transaction() as tx:
        s = tx.session
        interaction = s.get(Interaction, interaction_id)
        if interaction is None or LEFT not in (interaction.meta or {}):
            return  # the usual case, without a write
        s.refresh(interaction, with_for_update=True)
        meta = dict(interaction.meta or {})
        if meta.pop(LEFT, None) is not None:
            interaction.meta = meta
            s.add(interaction)


def visitors_present(ctx: AppContext, interaction_ids: list[int]) -> int:
    """The hub's periodic "still here" for the conversations it has sockets for: a
    ``visitor_left_at`` written late (a dead socket noticed by another process after
    the visitor reconnected here) is removed. One indexed read; writes only for those."""
    left = col(Interaction.meta)[LEFT].as_string()
    stale: list[int] = []
    with ctx.read_session() as s:
        for start in range(0, len(interaction_ids), PRESENCE_CHUNK):
            chunk = interaction_ids[start:start + PRESENCE_CHUNK]
            stale += [i for i in s.exec(select(Interaction.id).where(
                col(Interaction.id).in_(chunk), left.is_not(None))).all() if i is not None]
    for interaction_id in stale:
        visitor_back(ctx, interaction_id)
    return len(stale)


# -- the sweeps ----------------------------------------------------------------------------

def _chat_settings(ctx: AppContext) -> dict[int, ChatSettings]:
    with ctx.read_session() as s:
        rows = s.exec(select(Channel.id, Channel.config).where(
            Channel.kind == "chat", col(Channel.is_active).is_(True))).all()
    out: dict[int, ChatSettings] = {}
    for channel_id, config in rows:
        assert channel_id is not None
        try:
            out[channel_id] = ChatSettings.parse(config or {})
        except ChannelConfigError:
            out[channel_id] = ChatSettings()
    return out


def _by_value(settings: dict[int, ChatSettings], attr: str) -> dict[int, list[int]]:
    """Channels grouped by one of their limits (0, switched off, left out)."""
    groups: dict[int, list[int]] = defaultdict(list)
    for channel_id, chat in settings.items():
        value = getattr(chat, attr)
        if value > 0:
            groups[value].append(channel_id)
    return groups


def abandon_left_chats(ctx: AppContext) -> int:
    """Unanswered chats whose visitor left longer ago than the grace period."""
    settings = _chat_settings(ctx)
    groups = _by_value(settings, "abandon_after_seconds")
    if not groups:
        return 0
    now = ctx.clock()
    left = col(Interaction.meta)[LEFT].as_string()
    due: list[ColumnElement[bool]] = [
        and_(col(Interaction.channel_id).in_(ids),
             left <= stamp(now - timedelta(seconds=grace)))
        for grace, ids in groups.items()]
    freed: set[int] = set()
    done: list[int] = []
    with ctx.transaction() as tx:
        s = tx.session
        rows = s.exec(
            select(Interaction)
            .where(col(Interaction.status).in_(OPEN_STATUSES),
                   Interaction.channel_kind == "chat",
                   col(Interaction.first_response_at).is_(None),
                   left.is_not(None), or_(*due))
            .order_by(col(Interaction.id))
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        ).all()
        for interaction in rows:
            chat = settings.get(interaction.channel_id)
            left_at = parse_stamp((interaction.meta or {}).get(LEFT))
            if chat is None or left_at is None or chat.abandon_after_seconds <= 0 \
                    or left_at + timedelta(seconds=chat.abandon_after_seconds) > now:
                continue
            assert interaction.id is not None
            previous = interaction.assignee_id
            if previous is not None and interaction.status == "assigned":
                freed.add(previous)
            meta = dict(interaction.meta or {})
            meta.pop(LEFT, None)
            meta.pop("reserved_for", None)
            interaction.meta = meta
            interaction.status = "abandoned"
            interaction.assignee_id = None
            interaction.assigned_at = None
            interaction.accepted_at = None
            # The reports' moment of abandonment is when the visitor went, not when the
            # grace ran out: the wait and the short-abandon rule (gone within 5 s) need it.
            interaction.resolved_at = max(left_at, interaction.created_at)
            interaction.updated_at = now
            s.add(interaction)
            s.add(InteractionEvent(
                tenant_id=interaction.tenant_id, interaction_id=interaction.id,
                kind="abandoned", created_at=now,
                data={"reason": "visitor_left", "left_at": left_at.isoformat(),
                      "after_seconds": chat.abandon_after_seconds, "previous": previous}))
            assignment.emit_interaction(tx, interaction, "interaction.updated",
                                        previous_assignee_id=previous)
            done.append(interaction.id)
    _after(ctx, freed, done, survey=False)
    return len(done)


def resolve_idle_chats(ctx: AppContext) -> int:
    """Answered chats with no line either way for the channel's idle time."""
    settings = _chat_settings(ctx)
    groups = _by_value(settings, "idle_resolve_minutes")
    if not groups:
        return 0
    now = ctx.clock()
    due: list[ColumnElement[bool]] = [
        and_(col(Interaction.channel_id).in_(ids),
             col(Interaction.last_message_at) <= now - timedelta(minutes=minutes))
        for minutes, ids in groups.items()]
    freed: set[int] = set()
    done: list[int] = []
    with ctx.transaction() as tx:
        s = tx.session
        rows = s.exec(
            select(Interaction)
            .where(col(Interaction.status).in_(OPEN_STATUSES),
                   Interaction.channel_kind == "chat",
                   col(Interaction.first_response_at).is_not(None), or_(*due))
            .order_by(col(Interaction.id))
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        ).all()
        for interaction in rows:
            chat = settings.get(interaction.channel_id)
            last = interaction.last_message_at
            if chat is None or last is None or chat.idle_resolve_minutes <= 0 \
                    or last + timedelta(minutes=chat.idle_resolve_minutes) > now:
                continue
            assert interaction.id is not None
            if interaction.assignee_id is not None and interaction.status == "assigned":
                freed.add(interaction.assignee_id)
            meta = dict(interaction.meta or {})
            meta.pop(LEFT, None)
            interaction.meta = meta
            interaction.status = "resolved"
            interaction.resolved_at = now
            interaction.updated_at = now
            s.add(interaction)
            s.add(InteractionEvent(
                tenant_id=interaction.tenant_id, interaction_id=interaction.id,
                kind="resolved", created_at=now,
                data={"outcome": IDLE_OUTCOME, "idle_minutes": chat.idle_resolve_minutes,
                      "last_message_at": last.isoformat()}))
            assignment.emit_interaction(tx, interaction, "interaction.updated")
            _tell_visitor(tx, interaction, chat.idle_resolve_minutes)
            done.append(interaction.id)
    _after(ctx, freed, done, survey=True)
    return len(done)


def _tell_visitor(tx: Transaction, interaction: Interaction, minutes: int) -> None:
    """A system line for the visitor's socket, wherever it is (after the "closed")."""
    s = tx.session
    chat = s.get(Channel, interaction.channel_id)
    tenant = s.get(Tenant, interaction.tenant_id)
    visitor = str((interaction.meta or {}).get("customer_address") or "")
    if chat is None or not visitor:
        return
    language = transcripts.language_for(interaction.language, tenant.locale if tenant else None)
    text = IDLE_NOTICE.get(language, IDLE_NOTICE["fr"]).format(n=minutes)
    tx.emit(Event(type="chat.notice", tenant_id=None, channel_key=chat.key,
                  interaction_id=interaction.id,
                  data={"visitor": visitor,
                        "frame": {"type": "system", "reason": "idle", "text": text}}))


def _after(ctx: AppContext, freed: set[int], done: list[int], *, survey: bool) -> None:
    """Once committed: the freed agents take their next work; what follows an end."""
    from app.actions.dispatch import dispatch_for_agent

    for agent_id in sorted(freed):
        try:
            dispatch_for_agent(ctx, agent_id)
        except Exception:
            log.exception("agent %s not refilled yet", agent_id)  # the dispatch sweep will
    for interaction_id in done:
        if survey:
            csat.survey_after_resolve(ctx, interaction_id)
        transcripts_after_resolve(ctx, interaction_id)
