"""Who takes what: contact-driven push (new work -> best free agent) and
agent-driven pull (an agent frees up -> best waiting work).

These are the linear, obviously-correct versions; :mod:`routing.queue_index`
gives the same pull answer quickly over thousands of waiting items.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from routing.priority import rank
from routing.strategies import DEFAULT_STRATEGY, strategy_key
from routing.types import Agent, Work


def free_slots(agent: Agent, kind: str) -> int:
    """How many more interactions of ``kind`` the agent can hold right now."""
    per_kind = agent.capacity.get(kind, 0) - agent.load.get(kind, 0)
    total_cap = agent.total_capacity
    if total_cap is None:
        total_cap = sum(agent.capacity.values())
    total = total_cap - sum(agent.load.values())
    return max(0, min(per_kind, total))


def is_ready(agent: Agent, now: float) -> bool:
    """Available and out of wrap-up: may receive work of some kind."""
    return agent.presence == "available" and agent.wrap_up_until <= now


def has_room(agent: Agent, kind: str, now: float) -> bool:
    """Available, out of wrap-up, and not full for this channel kind nor in total:
    what any work of that kind needs of an agent, before its own constraints."""
    if agent.presence != "available" or agent.wrap_up_until > now:
        return False
    load = agent.load
    if agent.capacity.get(kind, 0) - load.get(kind, 0) <= 0:
        return False
    total_cap = agent.total_capacity
    if total_cap is None:
        total_cap = sum(agent.capacity.values())
    return total_cap - sum(load.values()) > 0


def can_take(agent: Agent, work: Work, now: float) -> bool:
    """An agent may take work when available, out of wrap-up, skilled, not full,
    and the work's own constraints (sticky reservation, strict language, agents
    excluded after a no pick-up) allow it."""
    # Cheapest refusals first: this runs for every agent of a group at every push.
    if not has_room(agent, work.kind, now):
        return False
    if agent.skills.get(work.group_id, 0) <= 0:
        return False
    reserved_elsewhere = work.reserved_for is not None and work.reserved_for != agent.id
    if reserved_elsewhere and now < work.reserved_until:
        return False
    lang = work.language
    if lang is not None and now < work.language_strict_until and lang not in agent.languages:
        return False
    return agent.id not in work.excluded_agents


def pick_agent(
    work: Work,
    agents: Iterable[Agent],
    now: float,
    *,
    strategy: str = DEFAULT_STRATEGY,
    last_agent_id: int | None = None,
    prefer_level: bool = True,
    exclude: Collection[int] = (),
) -> Agent | None:
    """The best free agent for ``work``, or ``None`` (the work waits).

    Order: speaks the work's language (a preference once the strict period is
    over), then highest skill level (unless ``prefer_level`` is off), then the
    group's ``strategy`` (``last_agent_id`` is the round-robin cursor), then id.
    """
    tie = strategy_key(strategy, last_agent_id)
    lang = work.language
    best: Agent | None = None
    best_key: tuple[int, int, tuple[float, float], int] | None = None
    for agent in agents:
        if agent.id in exclude or not can_take(agent, work, now):
            continue
        key = (
            0 if lang is None or lang in agent.languages else 1,
            -agent.skills[work.group_id] if prefer_level else 0,
            tie(agent),
            agent.id,
        )
        if best_key is None or key < best_key:
            best, best_key = agent, key
    return best


def pick_work(agent: Agent, waiting: Iterable[Work], now: float) -> Work | None:
    """The waiting work this agent should take next, or ``None``.

    Work still reserved for this agent (sticky) comes first; then the highest
    effective priority (with aging), then the oldest, then the lowest id.
    """
    best: Work | None = None
    best_key: tuple[int, tuple[float, float, int]] | None = None
    for work in waiting:
        if not can_take(agent, work, now):
            continue
        mine = work.reserved_for == agent.id and now < work.reserved_until
        key = (0 if mine else 1, rank(work, now))
        if best_key is None or key < best_key:
            best, best_key = work, key
    return best
