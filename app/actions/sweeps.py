"""The distributor's clock: what happens because time passed.

- SLA breaches: unanswered work past its due time is marked and announced.
- No pick-up: a chat or call-back offered to an agent who did not accept it in
  time is taken back, the agent is not offered it again (and is set away when the
  tenant says so), and it goes to someone else.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from app.access import Actor
from app.actions.conversation import visible_interaction
from app.context import AppContext
from app.errors import Forbidden
from app.events import Event
from app.models import AgentState, Interaction, InteractionEvent
from app.models.interactions import OPEN_STATUSES
from app.services import assignment
from app.services.routing_config import configs_for

BATCH = 200


def mark_sla_breaches(ctx: AppContext) -> int:
    now = ctx.clock()
    with ctx.transaction() as tx:
        s = tx.session
        late = s.exec(
            select(Interaction)
            .where(col(Interaction.status).in_(OPEN_STATUSES),
                   col(Interaction.first_response_at).is_(None),
                   col(Interaction.sla_breached_at).is_(None),
                   col(Interaction.sla_due_at) <= now)
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        ).all()
        for interaction in late:
            assert interaction.id is not None
            interaction.sla_breached_at = now
            s.add(interaction)
            s.add(InteractionEvent(tenant_id=interaction.tenant_id,
                                   interaction_id=interaction.id, kind="sla_breached",
                                   data={"due_at": interaction.sla_due_at.isoformat()
                                         if interaction.sla_due_at else None},
                                   created_at=now))
            tx.emit_interaction(interaction, "interaction.updated")
            tx.emit(Event(type="interaction.sla_breached", tenant_id=interaction.tenant_id,
                          data={"id": interaction.id}, interaction_id=interaction.id,
                          skill_group_id=interaction.skill_group_id,
                          assignee_id=interaction.assignee_id))
        return len(late)


def accept(ctx: AppContext, actor: Actor, interaction_id: int) -> None:
    """The assigned agent takes the offer (opening it in the UI does this)."""
    with ctx.transaction() as tx:
        interaction = visible_interaction(tx.session, actor, interaction_id)
        if interaction.assignee_id != actor.user_id:
            raise Forbidden("only the assigned agent can accept this interaction")
        if interaction.accepted_at is None:
            interaction.accepted_at = ctx.clock()
            tx.session.add(interaction)
            tx.emit_interaction(interaction, "interaction.updated")


def take_back_unaccepted(ctx: AppContext) -> int:
    now = ctx.clock()
    taken = 0
    with ctx.transaction() as tx:
        s = tx.session
        offered = s.exec(
            select(Interaction)
            .where(Interaction.status == "assigned",
                   col(Interaction.channel_kind).in_(("chat", "callback")),
                   col(Interaction.accepted_at).is_(None),
                   col(Interaction.assigned_at).is_not(None))
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        ).all()
        configs = configs_for(s, {i.tenant_id for i in offered})
        for interaction in offered:
            config = configs[interaction.tenant_id]
            limit = config.no_pickup_seconds.get(interaction.channel_kind)
            assert interaction.assigned_at is not None
            if limit is None or interaction.assigned_at + timedelta(seconds=limit) > now:
                continue
            agent_id = interaction.assignee_id
            assert agent_id is not None and interaction.id is not None
            meta = dict(interaction.meta or {})
            meta["excluded_agents"] = sorted({*meta.get("excluded_agents", []), agent_id})
            meta.pop("reserved_for", None)
            interaction.meta = meta
            s.add(InteractionEvent(tenant_id=interaction.tenant_id,
                                   interaction_id=interaction.id, kind="no_pickup",
                                   data={"agent_id": agent_id, "after_seconds": limit},
                                   created_at=now))
            assignment.assign(tx, interaction, None, now, reason="no_pickup")
            if config.away_after_no_pickup:
                _set_away(tx.session, agent_id, now)
                tx.emit(Event(type="agent.presence", tenant_id=interaction.tenant_id,
                              data={"user_id": agent_id, "state": "away",
                                    "since": now.isoformat(), "reason": "no_pickup"},
                              user_id=agent_id))
            assignment.offer(tx, interaction, now, config)
            taken += 1
    return taken


def _set_away(s: Session, agent_id: int, now: datetime) -> None:
    """An agent who lets offers ring out is probably not at their desk."""
    state = s.get(AgentState, agent_id)
    if state is not None and state.presence == "available":
        state.presence = "away"
        state.presence_changed_at = now
        s.add(state)
