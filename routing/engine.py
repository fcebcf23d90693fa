"""Who takes what: contact-driven push (new work -> best free agent) and
agent-driven pull (an agent frees up -> best waiting work)."""

from __future__ import annotations

from collections.abc import Iterable

from routing.types import Agent, Work


def free_slots(agent: Agent, kind: str) -> int:
    """How many more interactions of ``kind`` the agent can hold right now."""
    per_kind = agent.capacity.get(kind, 0) - agent.load.get(kind, 0)
    total_cap = agent.total_capacity
    if total_cap is None:
        total_cap = sum(agent.capacity.values())
    total = total_cap - sum(agent.load.values())
    return max(0, min(per_kind, total))


def can_take(agent: Agent, work: Work, now: float) -> bool:
    """An agent may take work when available, out of wrap-up, skilled and not full."""
    return (
        agent.presence == "available"
        and agent.wrap_up_until <= now
        and agent.skills.get(work.group_id, 0) > 0
        and free_slots(agent, work.kind) > 0
    )


def pick_agent(work: Work, agents: Iterable[Agent], now: float) -> Agent | None:
    """The best free agent for ``work``: highest skill level, then longest idle."""
    best: Agent | None = None
    best_key: tuple[int, float, int] | None = None
    for agent in agents:
        if not can_take(agent, work, now):
            continue
        key = (-agent.skills[work.group_id], agent.idle_since, agent.id)
        if best_key is None or key < best_key:
            best, best_key = agent, key
    return best


def pick_work(agent: Agent, waiting: Iterable[Work], now: float) -> Work | None:
    """The waiting work this agent should take next: most urgent first, then oldest."""
    best: Work | None = None
    best_key: tuple[int, float, int] | None = None
    for work in waiting:
        if not can_take(agent, work, now):
            continue
        key = (-work.priority, work.enqueued_at, work.id)
        if best_key is None or key < best_key:
            best, best_key = work, key
    return best
