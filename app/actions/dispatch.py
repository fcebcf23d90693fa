"""The distributor's own moves: fill a freed agent, sweep the queues."""

from __future__ import annotations

from sqlalchemy import or_
from sqlmodel import col, select

from app.context import AppContext
from app.models import AgentSkill, AgentState, Interaction
from app.services import assignment


def dispatch_for_agent(ctx: AppContext, agent_id: int) -> list[int]:
    """Agent-driven pull: the agent freed up or became available."""
    with ctx.transaction() as tx:
        return assignment.fill(tx, agent_id, ctx.clock())


def dispatch_waiting(ctx: AppContext) -> int:
    """A sweep over every queue: catches wrap-up ends, call-backs coming due, and work
    a busy moment left waiting. Longest-idle agents choose first."""
    now = ctx.clock()
    with ctx.read_session() as s:
        waiting_groups = set(s.exec(
            select(Interaction.skill_group_id)
            .where(Interaction.status == "queued", col(Interaction.skill_group_id).is_not(None),
                   Interaction.queued_at <= now)
            .distinct()
        ).all())
        if not waiting_groups:
            return 0
        agent_ids = s.exec(
            select(AgentState.user_id)
            .join(AgentSkill, col(AgentSkill.user_id) == col(AgentState.user_id))
            .where(
                AgentState.presence == "available",
                or_(col(AgentState.wrap_up_until).is_(None), col(AgentState.wrap_up_until) <= now),
                col(AgentSkill.skill_group_id).in_(list(waiting_groups)),
            )
            .distinct()
        ).all()
        order = dict(s.exec(select(AgentState.user_id, AgentState.idle_since)
                            .where(col(AgentState.user_id).in_(list(agent_ids)))).all())
    assigned = 0
    for agent_id in sorted(agent_ids, key=lambda a: order[a]):
        assigned += len(dispatch_for_agent(ctx, agent_id))
    return assigned
