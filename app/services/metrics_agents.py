"""Agents of a tenant (or of one skill group) as the wallboard shows them, now."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from app.models import AgentSkill, AgentState, Interaction, Membership, User

AGENT_STATES = ("available", "busy", "wrap_up", "away", "offline")


@dataclass(frozen=True, slots=True)
class AgentNow:
    user_id: int
    name: str
    presence: str  # available | away | offline
    state: str  # one of AGENT_STATES
    load: int  # this tenant's interactions the agent holds (status assigned)
    capacity: int  # interactions the agent may hold at once, all channels
    capacity_by_kind: dict[str, int]


def tenant_agents(s: Session, tenant_id: int, group_id: int | None, now: datetime
                  ) -> list[AgentNow]:
    """Members who answer for this tenant: skilled in one of its groups (or in
    ``group_id``), or with the agent role."""
    members = set(s.exec(select(Membership.user_id).where(Membership.tenant_id == tenant_id)))
    skilled_q = select(AgentSkill.user_id).where(AgentSkill.tenant_id == tenant_id)
    if group_id is not None:
        skilled_q = skilled_q.where(AgentSkill.skill_group_id == group_id)
    skilled = set(s.exec(skilled_q))
    users = s.exec(select(User).where(col(User.id).in_(sorted(members)),
                                      col(User.is_active).is_(True))).all()
    chosen = [u for u in users if u.id in skilled or (group_id is None and u.role == "agent")]
    ids = sorted(u.id for u in chosen if u.id is not None)
    states = {st.user_id: st for st in s.exec(
        select(AgentState).where(col(AgentState.user_id).in_(ids)))}
    # Only this tenant's work: another client's load is not this supervisor's business.
    loads: Counter[int] = Counter()
    for assignee, count in s.exec(
            select(Interaction.assignee_id, func.count()).where(
                Interaction.tenant_id == tenant_id, Interaction.status == "assigned",
                col(Interaction.assignee_id).in_(ids))
            .group_by(col(Interaction.assignee_id))):
        if assignee is not None:
            loads[assignee] = int(count)
    out = []
    for u in sorted(chosen, key=lambda u: u.name.lower()):
        assert u.id is not None
        st = states.get(u.id)
        presence = st.presence if st else "offline"
        by_kind = {str(k): int(v) for k, v in ((st.capacity if st else None) or {}).items()}
        capacity = st.total_capacity if st and st.total_capacity is not None \
            else sum(by_kind.values())
        load = loads[u.id]
        state = presence
        if presence == "available":
            if st is not None and st.wrap_up_until is not None and st.wrap_up_until > now:
                state = "wrap_up"
            elif load > 0:
                state = "busy"
        out.append(AgentNow(u.id, u.name, presence, state, load, capacity, by_kind))
    return out


def agents_summary(agents: list[AgentNow]) -> dict[str, Any]:
    """Counts by state and occupancy: held interactions ÷ capacity of the agents on."""
    counts = Counter(a.state for a in agents)
    on = [a for a in agents if a.presence == "available"]
    capacity = sum(a.capacity for a in on)
    load = sum(a.load for a in on)
    return {
        "by_state": {state: counts.get(state, 0) for state in AGENT_STATES},
        "on": len(on),
        "load": load,
        "capacity": capacity,
        "occupancy": load / capacity if capacity else None,
        "agents": [{"id": a.user_id, "name": a.name, "state": a.state, "load": a.load,
                    "capacity": a.capacity} for a in agents],
    }


def agents_on_for(agents: list[AgentNow], kind: str) -> int:
    """Agents available now who may take work of this channel kind."""
    return sum(1 for a in agents
               if a.presence == "available" and a.capacity_by_kind.get(kind, 0) > 0)
