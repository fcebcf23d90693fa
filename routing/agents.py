"""Checks on what the app stores per agent: skills with levels, capacities."""

from __future__ import annotations

from collections.abc import Mapping

from routing.errors import ConfigError
from routing.types import Agent

MIN_LEVEL = 1
MAX_LEVEL = 5


def check_skills(skills: Mapping[int, int]) -> dict[int, int]:
    """Levels run 1 (beginner) to 5 (expert); drop a skill rather than set 0."""
    for group, level in skills.items():
        if isinstance(level, bool) or not isinstance(level, int):
            raise ConfigError(f"skill level for group {group} must be an integer, got {level!r}")
        if not MIN_LEVEL <= level <= MAX_LEVEL:
            raise ConfigError(
                f"skill level for group {group} must be {MIN_LEVEL}-{MAX_LEVEL}, got {level}"
            )
    return dict(skills)


def check_capacity(capacity: Mapping[str, int], total: int | None = None) -> dict[str, int]:
    """Per-kind concurrent capacity (0 = does not take that kind) and an optional total."""
    for kind, n in capacity.items():
        if isinstance(n, bool) or not isinstance(n, int):
            raise ConfigError(f"capacity for {kind!r} must be an integer, got {n!r}")
        if n < 0:
            raise ConfigError(f"capacity for {kind!r} cannot be negative, got {n}")
    if total is not None and (isinstance(total, bool) or not isinstance(total, int) or total < 0):
        raise ConfigError(f"total capacity must be a non-negative integer, got {total!r}")
    return dict(capacity)


def check_agent(agent: Agent) -> Agent:
    """Refuse an agent the distributor cannot reason about."""
    check_skills(agent.skills)
    check_capacity(agent.capacity, agent.total_capacity)
    for kind, n in agent.load.items():
        if n < 0:
            raise ConfigError(f"agent {agent.id}: load for {kind!r} cannot be negative")
    if agent.presence not in ("available", "away", "offline"):
        raise ConfigError(
            f"agent {agent.id}: presence must be available, away or offline, "
            f"got {agent.presence!r}"
        )
    return agent
