"""What the ACD decides when work joins a queue: which group (overflow, after
hours), what priority (escalation, VIP), when its SLA falls due, and whether it
waits for the agent who served this customer last."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.context import Transaction
from app.models import AgentSkill, AgentState, Interaction, InteractionEvent, SkillGroup
from app.queries.rows import AnyContact, AnyInteraction
from app.services.assignment import agent_loads, routing_agent, routing_work
from routing.after_hours import AfterHoursDecision, after_hours_decision
from routing.config import TenantConfig
from routing.errors import ConfigError
from routing.overflow import route_group
from routing.priority import initial_priority
from routing.queue_index import QueueStats
from routing.sticky import reserve_for_last_agent


def ts(value: datetime) -> float:
    return value.timestamp()


def from_ts(value: float) -> datetime:
    return datetime.fromtimestamp(value, UTC)


def queue_stats(session: Session, group_id: int, now: datetime) -> QueueStats:
    waiting, oldest = session.exec(
        select(func.count(), func.min(Interaction.queued_at)).where(
            Interaction.status == "queued", Interaction.skill_group_id == group_id,
            Interaction.queued_at <= now)
    ).one()
    return QueueStats(int(waiting), ts(oldest) if oldest is not None else None)


def choose_group(
    session: Session, config: TenantConfig, group: SkillGroup | None, now: datetime
) -> tuple[int | None, tuple[int, ...], tuple[str, ...]]:
    """The group new work goes to, following after-hours and overflow rules."""
    if group is None or group.id is None or group.id not in config.groups:
        return (group.id if group else None), (), ()
    routed = route_group(group.id, ts(now), config.groups,
                         lambda gid: queue_stats(session, gid, now),
                         tenant_hours=config.hours)
    return routed.group_id, routed.path, routed.reasons


def priority_for(config: TenantConfig, contact: AnyContact, escalation: int | None) -> int:
    try:
        return initial_priority(escalation, vip=contact.vip, rules=config.priority)
    except ConfigError:
        return initial_priority(None, vip=contact.vip, rules=config.priority)


def set_sla_due(interaction: AnyInteraction, config: TenantConfig) -> None:
    """The SLA clock starts when the work joins the queue (a call-back: its slot)."""
    due = config.sla_due(interaction.channel_kind, ts(interaction.queued_at))
    interaction.sla_due_at = from_ts(due) if due is not None else None
    interaction.sla_breached_at = None


def arrival_hours(config: TenantConfig, kind: str, now: datetime) -> AfterHoursDecision:
    return after_hours_decision(config.hours, kind, ts(now), config.after_hours)


def reserve_for_last_agent_if_sticky(
    session: Session, interaction: AnyInteraction, config: TenantConfig, now: datetime
) -> None:
    """A returning customer waits (up to the group's budget) for the agent who served
    them last, when that agent is available and skilled. Works on new work not
    stored yet (no id) as well."""
    group = config.groups.get(interaction.skill_group_id or 0)
    if group is None or group.sticky_wait_seconds <= 0:
        return
    earlier = select(Interaction.assignee_id).where(
        Interaction.contact_id == interaction.contact_id,
        col(Interaction.assignee_id).is_not(None))
    if interaction.id is not None:
        earlier = earlier.where(Interaction.id != interaction.id)
    last = session.exec(earlier.order_by(col(Interaction.id).desc())).first()
    if last is None:
        return
    state = session.get(AgentState, last)
    level = session.exec(select(AgentSkill.level).where(
        AgentSkill.user_id == last, AgentSkill.skill_group_id == interaction.skill_group_id)
    ).first()
    if state is None or level is None:
        return
    agent = routing_agent(state, {group.id: level}, agent_loads(session, [last])[last])
    work = reserve_for_last_agent(routing_work(interaction, group), last, {last: agent},
                                  ts(now), group.sticky_wait_seconds)
    if work.reserved_for is not None:
        interaction.meta = {**(interaction.meta or {}), "reserved_for": work.reserved_for,
                            "reserved_until": work.reserved_until}


def overflow_history(path: tuple[int, ...], reasons: tuple[str, ...], now: datetime
                     ) -> dict[str, Any] | None:
    """The history line of work routed past its first group, if it was."""
    if len(path) < 2:
        return None
    return {"kind": "overflowed", "data": {"path": list(path), "reasons": list(reasons)},
            "created_at": now}


def record_overflow(
    tx: Transaction, interaction: Interaction, path: tuple[int, ...], reasons: tuple[str, ...],
    now: datetime,
) -> None:
    line = overflow_history(path, reasons, now)
    if line is None:
        return
    assert interaction.id is not None
    tx.session.add(InteractionEvent(tenant_id=interaction.tenant_id,
                                    interaction_id=interaction.id, **line))
