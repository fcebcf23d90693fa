"""The distributor's own moves: fill a freed agent, sweep the queues."""

from __future__ import annotations

from sqlalchemy import or_
from sqlmodel import col, select

from app.context import AppContext
from app.models import AgentSkill, AgentState, Interaction
from app.services import assignment
from routing.engine import free_slots


def dispatch_for_agent(ctx: AppContext, agent_id: int) -> list[int]:
    """Agent-driven pull: the agent freed up or became available."""
    with ctx.transaction() as tx:
        return assignment.fill(tx, agent_id, ctx.clock())


def dispatch_waiting(ctx: AppContext) -> int:
    """A sweep over every queue: catches wrap-up ends, call-backs coming due, and work
    a busy moment left waiting. Longest-idle agents choose first."""
    now = ctx.clock()
    with ctx.read_session() as s:
        waiting = s.exec(
            select(Interaction.skill_group_id, Interaction.channel_kind)
            .where(Interaction.status == "queued", col(Interaction.skill_group_id).is_not(None),
                   Interaction.queued_at <= now)
            .distinct()
        ).all()
        if not waiting:
            return 0
        waiting_groups = {group_id for group_id, _ in waiting}
        waiting_kinds = {kind for _, kind in waiting}
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
        states = s.exec(select(AgentState)
                        .where(col(AgentState.user_id).in_(list(agent_ids)))).all()
        loads = assignment.agent_loads(s, agent_ids)
    # Only agents with a free place for a kind of work that waits can pull (``fill``
    # checks again under the lock): on a busy day most are full, and a transaction
    # each every 2 s was a CPU burst that every request of the process waited behind.
    free = [st for st in states if any(
        free_slots(assignment.routing_agent(st, {}, loads[st.user_id]), kind) > 0
        for kind in waiting_kinds)]
    assigned = 0
    for state in sorted(free, key=lambda st: st.idle_since):
        assigned += len(dispatch_for_agent(ctx, state.user_id))
    return assigned
