"""How a skill group chooses among several free agents.

- ``longest_idle`` (default): the agent whose load changed longest ago
  (``Agent.idle_since``) — the "fair distribution" of the seed.
- ``least_occupied``: the agent holding the smallest share of their total
  capacity, then longest idle.  Suits multi-chat agents.
- ``round_robin``: agents in id order, starting after the one who got the
  group's previous item (the cursor the app keeps per group).

Skill level and language come before the strategy (see
:func:`routing.engine.pick_agent`); the strategy only breaks the remaining ties.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, get_args

from routing.errors import ConfigError
from routing.types import Agent

Strategy = Literal["longest_idle", "least_occupied", "round_robin"]
STRATEGIES: tuple[str, ...] = get_args(Strategy)
DEFAULT_STRATEGY: Strategy = "longest_idle"

AgentKey = Callable[[Agent], tuple[float, float]]


def check_strategy(name: str) -> Strategy:
    if name not in STRATEGIES:
        raise ConfigError(
            f"unknown routing strategy {name!r}; choose one of {', '.join(STRATEGIES)}"
        )
    return name  # type: ignore[return-value]


def total_capacity(agent: Agent) -> int:
    if agent.total_capacity is not None:
        return agent.total_capacity
    return sum(agent.capacity.values())


def occupancy(agent: Agent) -> float:
    """Share of the agent's total capacity in use (1.0 when they hold no capacity)."""
    cap = total_capacity(agent)
    if cap <= 0:
        return 1.0
    return sum(agent.load.values()) / cap


def strategy_key(strategy: str, last_agent_id: int | None = None) -> AgentKey:
    """Key function, smaller is better, for the tie-break of ``strategy``."""
    if strategy == "longest_idle":
        return lambda a: (a.idle_since, 0.0)
    if strategy == "least_occupied":
        return lambda a: (occupancy(a), a.idle_since)
    if strategy == "round_robin":
        if last_agent_id is None:
            return lambda a: (0.0, float(a.id))
        cursor = last_agent_id
        # Agents after the cursor come first, then the wrap-around.
        return lambda a: (0.0 if a.id > cursor else 1.0, float(a.id))
    check_strategy(strategy)
    raise AssertionError("unreachable")
