"""Plain data the distributor decides on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Presence = Literal["available", "away", "offline"]

# Priority runs from 1 (lowest) to 5 (most urgent); 3 is normal.
MIN_PRIORITY = 1
MAX_PRIORITY = 5
DEFAULT_PRIORITY = 3


@dataclass(slots=True)
class Agent:
    """An agent as the distributor sees them at one instant."""

    id: int
    presence: Presence
    skills: Mapping[int, int]  # skill group id -> level 1..5
    capacity: Mapping[str, int]  # channel kind -> concurrent interactions allowed
    load: Mapping[str, int] = field(default_factory=dict)  # channel kind -> interactions held
    total_capacity: int | None = None  # cap across all kinds; None = sum of the per-kind caps
    # When the agent's load last changed (an assignment or a release) or they became
    # available: the longest idle agent has the smallest value.
    idle_since: float = 0.0
    languages: frozenset[str] = frozenset()
    wrap_up_until: float = 0.0  # no new work before this instant


@dataclass(slots=True)
class Work:
    """One interaction waiting for (or being offered to) an agent.

    The optional fields carry the constraints the app derived from configuration
    when it queued the work, so every decision needs only the work and the agent:

    - ``aging_seconds``: waiting this long raises the effective priority by one
      level (``None``: no aging). See :mod:`routing.priority`.
    - ``language_strict_until``: before this instant only agents speaking
      ``language`` may take the work; after it anyone skilled may (speakers are
      still preferred by :func:`routing.engine.pick_agent`). ``0`` means soft
      from the start, ``math.inf`` means a hard constraint.
    - ``reserved_for`` / ``reserved_until``: sticky agent; until then only that
      agent may take the work. See :mod:`routing.sticky`.
    - ``excluded_agents``: agents who must not be offered it again (no pick-up).
    """

    id: int
    group_id: int
    kind: str  # channel kind
    enqueued_at: float  # epoch seconds
    priority: int = DEFAULT_PRIORITY
    language: str | None = None
    aging_seconds: float | None = None
    language_strict_until: float = 0.0
    contact_id: int | None = None
    reserved_for: int | None = None
    reserved_until: float = 0.0
    excluded_agents: frozenset[int] = frozenset()
