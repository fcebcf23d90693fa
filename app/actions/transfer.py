"""Transfer: hand an interaction to another agent or another skill group, with a reason
that stays in its history.

The target is checked by the routing library (``routing.transfer.check_transfer``):
the agent must have the group's skill, take this channel and not be offline. The
assigned agent or a supervisor of the tenant may transfer; so may any agent who can see
unowned work. A transfer to a group puts the work back in that group's queue; the
distributor offers it right after commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import Session, select

from app.access import Actor
from app.actions import learning
from app.actions.conversation import visible_interaction
from app.actions.dispatch import dispatch_waiting
from app.context import AppContext
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.models import AgentSkill, AgentState, InteractionEvent, Membership, SkillGroup, User
from app.models.interactions import OPEN_STATUSES
from app.services import assignment
from routing.errors import TransferError
from routing.transfer import TransferTarget, check_transfer
from routing.types import Work

MAX_REASON = 500


@dataclass(frozen=True, slots=True)
class TransferResult:
    interaction_id: int
    skill_group_id: int
    assignee_id: int | None


def transfer(
    ctx: AppContext, actor: Actor, interaction_id: int, *, reason: str,
    agent_id: int | None = None, group_id: int | None = None,
) -> TransferResult:
    reason = " ".join(reason.split())
    with ctx.transaction() as tx:
        s = tx.session
        # Whether the interaction exists for this actor is answered before anything else.
        interaction = visible_interaction(s, actor, interaction_id)
        assert interaction.id is not None
        if not reason:
            raise Invalid("a transfer needs a reason")
        if len(reason) > MAX_REASON:
            raise Invalid(f"the reason may be at most {MAX_REASON} characters")
        if agent_id is None and group_id is None:
            raise Invalid("name an agent or a skill group to transfer to")
        if interaction.status not in OPEN_STATUSES:
            raise Conflict(f"the interaction is {interaction.status}")
        if interaction.assignee_id not in (None, actor.user_id) and not actor.is_supervisor:
            raise Forbidden("only the assigned agent or a supervisor can transfer it")
        groups = _tenant_groups(s, interaction.tenant_id)
        if group_id is not None and group_id not in groups:
            raise NotFound("skill group not found")
        if group_id is None and interaction.skill_group_id is None:
            raise Invalid("this interaction has no skill group yet: choose one")
        state = _agent_state(s, interaction.tenant_id, agent_id) if agent_id is not None \
            else None
        now = ctx.clock()
        current_group = interaction.skill_group_id
        work = Work(id=interaction.id, group_id=current_group if current_group is not None
                    else -1, kind=interaction.channel_kind,
                    enqueued_at=interaction.queued_at.timestamp(), priority=interaction.priority,
                    language=interaction.language)
        agents = {}
        if state is not None:
            skills = dict(s.exec(select(AgentSkill.skill_group_id, AgentSkill.level)
                                 .where(AgentSkill.user_id == state.user_id)).all())
            load = assignment.agent_loads(s, [state.user_id]).get(state.user_id, {})
            agents[state.user_id] = assignment.routing_agent(state, skills, load)
        try:
            check = check_transfer(work, TransferTarget(group_id, agent_id, reason),
                                   groups=set(groups), agents=agents, now=now.timestamp(),
                                   current_agent_id=interaction.assignee_id)
        except TransferError as exc:
            names = {agent_id: _name(s, agent_id)} if agent_id is not None else {}
            raise Invalid(_plain(str(exc), groups, names)) from None
        interaction.skill_group_id = check.group_id
        if check.group_id != current_group:
            # An agent moved it: the classifier learns where it should have gone.
            learning.record_example(tx, interaction, "transferred")
        s.add(InteractionEvent(
            tenant_id=interaction.tenant_id, interaction_id=interaction.id, kind="transferred",
            actor_id=actor.user_id, created_at=now,
            data={"reason": reason, "from_agent": interaction.assignee_id,
                  "to_agent": check.agent_id, "from_group": current_group,
                  "to_group": check.group_id, "agent_had_room": check.agent_can_take_now}))
        # A named agent gets it even when full: a hand-off between people is deliberate.
        assignment.assign(tx, interaction, state, now, actor_id=actor.user_id,
                          reason="transfer")
        requeued = state is None and interaction.status == "queued"
        result = TransferResult(interaction.id, check.group_id, interaction.assignee_id)
    if requeued:
        dispatch_waiting(ctx)
    return result


def _tenant_groups(s: Session, tenant_id: int) -> dict[int, str]:
    rows = s.exec(select(SkillGroup.id, SkillGroup.name)
                  .where(SkillGroup.tenant_id == tenant_id)).all()
    return {gid: name for gid, name in rows if gid is not None}


def _agent_state(s: Session, tenant_id: int, agent_id: int) -> AgentState:
    member = s.exec(select(Membership.id).where(Membership.user_id == agent_id,
                                                Membership.tenant_id == tenant_id)).first()
    state = s.get(AgentState, agent_id) if member is not None else None
    if state is None:
        raise NotFound("agent not found")
    return state


def _name(s: Session, user_id: int) -> str:
    user = s.get(User, user_id)
    return user.name if user is not None else str(user_id)


def _plain(message: str, groups: dict[int, str], agents: dict[int, str]) -> str:
    """The routing library speaks in ids; say the names instead."""
    for gid, name in groups.items():
        message = re.sub(rf"\bgroup {gid}\b", f"group '{name}'", message)
    for uid, name in agents.items():
        message = re.sub(rf"\bagent {uid}\b", name, message)
    return message
