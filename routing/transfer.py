"""Checks on a transfer target before the app moves an interaction.

A transfer names a group, an agent, or both (an agent within a group), and a
reason.  The move itself, its history entry and its events are app-level state
changes; this module only says whether the target can be right.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from routing.engine import can_take
from routing.errors import TransferError
from routing.types import Agent, Work


@dataclass(frozen=True, slots=True)
class TransferTarget:
    group_id: int | None = None
    agent_id: int | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class TransferCheck:
    group_id: int  # the group the work will belong to
    agent_id: int | None
    agent_can_take_now: bool  # False: the work waits reserved for / queued to them


def check_transfer(
    work: Work,
    target: TransferTarget,
    *,
    groups: Collection[int],
    agents: Mapping[int, Agent],
    now: float,
    current_agent_id: int | None = None,
) -> TransferCheck:
    """Raise :class:`TransferError` naming the problem, or say where it goes."""
    if not target.reason.strip():
        raise TransferError("a transfer needs a reason")
    if target.group_id is None and target.agent_id is None:
        raise TransferError("a transfer needs a target group or agent")
    group_id = target.group_id if target.group_id is not None else work.group_id
    if group_id not in groups:
        raise TransferError(f"skill group {group_id} does not exist")
    if target.agent_id is None:
        if group_id == work.group_id and current_agent_id is None:
            raise TransferError(f"the interaction is already queued in group {group_id}")
        return TransferCheck(group_id, None, False)
    agent = agents.get(target.agent_id)
    if agent is None:
        raise TransferError(f"agent {target.agent_id} does not exist")
    if agent.id == current_agent_id:
        raise TransferError(f"agent {agent.id} already holds the interaction")
    if agent.skills.get(group_id, 0) <= 0:
        raise TransferError(f"agent {agent.id} does not have the skill for group {group_id}")
    if agent.capacity.get(work.kind, 0) <= 0:
        raise TransferError(f"agent {agent.id} does not take {work.kind} interactions")
    if agent.presence == "offline":
        raise TransferError(f"agent {agent.id} is offline")
    moved = Work(work.id, group_id, work.kind, work.enqueued_at, work.priority, work.language)
    return TransferCheck(group_id, agent.id, can_take(agent, moved, now))
