"""The bridge between the database and the pure ``routing`` library.

Rows become ``routing.Agent`` / ``routing.Work``; the library decides; the decision
is written back here. On PostgreSQL the agent rows are the locks that keep two
processes from overfilling one agent, and waiting interactions are claimed with
``FOR UPDATE SKIP LOCKED`` so that none is handed out twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, or_
from sqlmodel import Session, col, select

import routing
from app.context import Transaction
from app.models import AgentSkill, AgentState, Interaction, InteractionEvent
from app.queries import agents as agent_queries
from app.queries.rows import AnyInteraction, InteractionRow
from app.services.routing_config import configs_for
from routing.config import GroupConfig, TenantConfig

# How many waiting interactions one pull looks at: the queue index orders them, so
# the best candidates are always among the first few.
PULL_WINDOW = 50


def agent_loads(session: Session, user_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Interactions each agent holds right now, per channel kind.

    Only ``assigned`` work counts: an e-mail waiting for the customer's answer does
    not take the agent's attention, a live chat does (chats stay ``assigned``).
    """
    ids = sorted(set(user_ids))
    loads: dict[int, dict[str, int]] = defaultdict(dict)
    if not ids:
        return loads
    rows = session.exec(
        select(Interaction.assignee_id, Interaction.channel_kind, func.count())
        .where(col(Interaction.assignee_id).in_(ids), Interaction.status == "assigned")
        .group_by(col(Interaction.assignee_id), col(Interaction.channel_kind))
    )
    for assignee_id, kind, count in rows:
        if assignee_id is not None:
            loads[assignee_id][kind] = count
    return loads


def routing_agent(
    state: AgentState, skills: dict[int, int], load: dict[str, int]
) -> routing.Agent:
    return routing.Agent(
        id=state.user_id,
        presence=state.presence,  # type: ignore[arg-type]
        skills=skills,
        capacity={k: int(v) for k, v in (state.capacity or {}).items()},
        load=load,
        total_capacity=state.total_capacity,
        idle_since=state.idle_since.timestamp(),
        languages=agent_queries.agent_languages(state.languages),
        wrap_up_until=state.wrap_up_until.timestamp() if state.wrap_up_until else 0.0,
    )


def routing_work(interaction: AnyInteraction, group: GroupConfig | None = None) -> routing.Work:
    """The interaction as the distributor sees it, carrying its group's rules and the
    reservations and exclusions recorded on it. Work not stored yet (a push decided
    before the insert) has id 0: choosing an agent never looks at it."""
    assert interaction.skill_group_id is not None
    meta = interaction.meta or {}
    work = routing.Work(
        id=interaction.id or 0,
        group_id=interaction.skill_group_id,
        kind=interaction.channel_kind,
        enqueued_at=interaction.queued_at.timestamp(),
        priority=interaction.priority,
        language=interaction.language,
        contact_id=interaction.contact_id,
        reserved_for=meta.get("reserved_for"),
        reserved_until=float(meta.get("reserved_until") or 0.0),
        excluded_agents=frozenset(meta.get("excluded_agents") or ()),
    )
    return group.prepare(work) if group is not None else work


# Round-robin needs to know who got the last one; per process is fair enough.
_round_robin: dict[int, int] = {}


def _available_filter(now: datetime) -> list[ColumnElement[bool]]:
    return [
        col(AgentState.presence) == "available",
        or_(col(AgentState.wrap_up_until).is_(None), col(AgentState.wrap_up_until) <= now),
    ]


def offer(
    tx: Transaction, interaction: Interaction, now: datetime, config: TenantConfig
) -> int | None:
    """Contact-driven push: hand new work to the best free agent, if any."""
    if interaction.skill_group_id is None or interaction.status != "queued":
        return None
    if interaction.queued_at > now:
        return None  # a call-back booked for later: the sweep offers it when due
    session = tx.session
    rows = session.exec(
        select(AgentState, AgentSkill.level)
        .join(AgentSkill, col(AgentSkill.user_id) == col(AgentState.user_id))
        .where(AgentSkill.skill_group_id == interaction.skill_group_id, *_available_filter(now))
        .with_for_update(skip_locked=True, of=AgentState)
    ).all()
    if not rows:
        return None
    states = [state for state, _ in rows]
    levels = {state.user_id: level for state, level in rows}
    loads = agent_loads(session, [s.user_id for s in states])
    group_id = interaction.skill_group_id
    group = config.groups.get(group_id)
    agents = [routing_agent(s, {group_id: levels[s.user_id]}, loads[s.user_id]) for s in states]
    chosen = routing.pick_agent(
        routing_work(interaction, group), agents, now.timestamp(),
        strategy=group.strategy if group else "longest_idle",
        last_agent_id=_round_robin.get(group_id),
        prefer_level=group.prefer_level if group else True,
    )
    if chosen is None:
        return None
    state = next(s for s in states if s.user_id == chosen.id)
    assign(tx, interaction, state, now, reason="acd")
    _round_robin[group_id] = chosen.id
    return chosen.id


@dataclass(frozen=True, slots=True)
class Offer:
    """A push decided on a plain row: who, and the history line to write for it."""

    user_id: int
    name: str
    previous_assignee_id: int | None
    history: dict[str, Any]


def offer_row(
    conn: Connection, row: InteractionRow, now: datetime, config: TenantConfig,
    full: set[tuple[int, str]] | None = None,
) -> Offer | None:
    """``offer`` for the lean ingest path: the same decision, on a plain row, in Core.

    The row is updated in place (the caller writes it, new or changed, once); the
    agent's row is locked and touched here, exactly as ``assign`` does.

    ``full``: the (group, channel kind) pairs found with no agent who has room,
    earlier in the same transaction (a group commit). Nothing in it frees an agent, so
    the next message for a full pair skips the agents query; an agent freed meanwhile
    by another transaction pulls the work after this one commits, or the sweep does.
    """
    if row.skill_group_id is None or row.status != "queued":
        return None
    if row.queued_at > now:
        return None  # a call-back booked for later: the sweep offers it when due
    group_id = row.skill_group_id
    if full is not None and (group_id, row.channel_kind) in full:
        return None
    agents, names = agent_queries.skilled_available(conn, group_id, now)
    if full is not None and not any(routing.engine.has_room(a, row.channel_kind,
                                                            now.timestamp()) for a in agents):
        full.add((group_id, row.channel_kind))
    if not agents:
        return None
    group = config.groups.get(group_id)
    work = routing_work(row, group)
    # SQLite has one writer at a time: what was read is what holds. Elsewhere the
    # choice is confirmed under the agent's lock, or the next best is tried.
    confirm = conn.dialect.name != "sqlite"
    tried: set[int] = set()
    while True:
        chosen = routing.pick_agent(
            work, agents, now.timestamp(),
            strategy=group.strategy if group else "longest_idle",
            last_agent_id=_round_robin.get(group_id),
            prefer_level=group.prefer_level if group else True,
            exclude=tried,
        )
        if chosen is None:
            return None
        if not confirm:
            break
        tried.add(chosen.id)
        load = agent_queries.lock_agent(conn, chosen.id, now)
        if load is None:
            continue
        chosen.load = load
        if routing.engine.can_take(chosen, work, now.timestamp()):
            break
    agent_queries.touch_agent(conn, chosen.id, now)
    previous = row.assignee_id
    row.assignee_id = chosen.id
    row.assigned_at = now
    row.accepted_at = None
    row.status = "assigned"
    row.updated_at = now
    _round_robin[group_id] = chosen.id
    return Offer(chosen.id, names[chosen.id], previous, {
        "kind": "assigned", "created_at": now,
        "data": {"assignee_id": chosen.id, "previous": previous, "reason": "acd"}})


def fill(tx: Transaction, agent_id: int, now: datetime) -> list[int]:
    """Agent-driven pull: give a freed agent the best waiting work, until full."""
    session = tx.session
    state = session.exec(
        select(AgentState)
        .where(AgentState.user_id == agent_id, *_available_filter(now))
        .with_for_update()
    ).first()
    if state is None:
        return []
    skill_rows = session.exec(
        select(AgentSkill.skill_group_id, AgentSkill.level, AgentSkill.tenant_id)
        .where(AgentSkill.user_id == agent_id)
    ).all()
    if not skill_rows:
        return []
    skills = {group_id: level for group_id, level, _ in skill_rows}
    configs = configs_for(session, {tenant_id for _, _, tenant_id in skill_rows})
    groups = {gid: cfg for c in configs.values() for gid, cfg in c.groups.items()}
    agent = routing_agent(state, skills, agent_loads(session, [agent_id])[agent_id])
    taken: list[int] = []
    while True:
        kinds = [k for k in agent.capacity if routing.engine.free_slots(agent, k) > 0]
        if not kinds:
            break
        candidates = _pull_candidates(session, list(skills), kinds, now)
        by_id = {i.id: i for i in candidates}
        works = [routing_work(i, groups.get(i.skill_group_id or 0)) for i in candidates]
        work = routing.pick_work(agent, works, now.timestamp())
        if work is None:
            break
        assign(tx, by_id[work.id], state, now, reason="acd")
        load = dict(agent.load)
        load[work.kind] = load.get(work.kind, 0) + 1
        agent.load = load
        taken.append(work.id)
    return taken


def _pull_candidates(
    session: Session, group_ids: list[int], kinds: list[str], now: datetime
) -> list[Interaction]:
    """The most urgent and the longest waiting: aging can lift an old item above a
    fresh urgent one, so both ends of the queue are looked at."""
    base = (
        select(Interaction)
        .where(
            Interaction.status == "queued",
            col(Interaction.skill_group_id).in_(group_ids),
            col(Interaction.channel_kind).in_(kinds),
            Interaction.queued_at <= now,
        )
        .limit(PULL_WINDOW)
        .with_for_update(skip_locked=True)
    )
    urgent = session.exec(base.order_by(
        col(Interaction.priority).desc(), col(Interaction.queued_at), col(Interaction.id))).all()
    oldest = session.exec(base.order_by(col(Interaction.queued_at), col(Interaction.id))).all()
    seen: dict[int | None, Interaction] = {i.id: i for i in urgent}
    for i in oldest:
        seen.setdefault(i.id, i)
    return list(seen.values())


def assign(
    tx: Transaction,
    interaction: Interaction,
    state: AgentState | None,
    now: datetime,
    *,
    actor_id: int | None = None,
    reason: str,
) -> None:
    """Write an assignment (or, with ``state=None``, put the work back in the queue)."""
    previous = interaction.assignee_id
    if state is None:
        interaction.assignee_id = None
        interaction.assigned_at = None
        interaction.accepted_at = None
        if interaction.status == "assigned":
            interaction.status = "queued"
            interaction.queued_at = now
    else:
        interaction.assignee_id = state.user_id
        interaction.assigned_at = now
        interaction.accepted_at = now if actor_id == state.user_id else None
        if interaction.status in ("queued", "assigned"):
            interaction.status = "assigned"
        state.idle_since = now
        tx.session.add(state)
    interaction.updated_at = now
    tx.session.add(interaction)
    assert interaction.id is not None
    tx.session.add(
        InteractionEvent(
            tenant_id=interaction.tenant_id,
            interaction_id=interaction.id,
            kind="assigned" if state is not None else "unassigned",
            actor_id=actor_id,
            data={"assignee_id": interaction.assignee_id, "previous": previous, "reason": reason},
            created_at=now,
        )
    )
    emit_interaction(tx, interaction, "interaction.updated", previous_assignee_id=previous)


def emit_interaction(
    tx: Transaction,
    interaction: AnyInteraction,
    event_type: str,
    *,
    previous_assignee_id: int | None = None,
) -> None:
    tx.emit_interaction(interaction, event_type, previous_assignee_id)
