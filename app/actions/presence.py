"""Agents' presence: available, away, offline."""

from __future__ import annotations

from app.access import Actor
from app.actions.dispatch import dispatch_for_agent
from app.context import AppContext
from app.errors import Invalid
from app.events import Event
from app.models import AgentState

PRESENCES = ("available", "away", "offline")


def set_presence(ctx: AppContext, actor: Actor, state: str) -> dict[str, object]:
    if state not in PRESENCES:
        raise Invalid(f"state must be one of {', '.join(PRESENCES)}")
    with ctx.transaction() as tx:
        s = tx.session
        now = ctx.clock()
        row = s.get(AgentState, actor.user_id, with_for_update=True)
        if row is None:
            row = AgentState(user_id=actor.user_id)
        changed = row.presence != state
        if changed:
            row.presence = state
            row.presence_changed_at = now
            if state == "available":
                row.idle_since = now
        s.add(row)
        answer: dict[str, object] = {
            "state": row.presence,
            "since": row.presence_changed_at.isoformat(),
        }
        if changed:
            for tenant_id in actor.tenant_ids:
                tx.emit(Event(type="agent.presence", tenant_id=tenant_id,
                              data={"user_id": actor.user_id, **answer},
                              user_id=actor.user_id))
    if state == "available":
        dispatch_for_agent(ctx, actor.user_id)
    return answer
