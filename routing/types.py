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
    idle_since: float = 0.0  # epoch seconds; the longest idle agent has the smallest value
    languages: frozenset[str] = frozenset()
    wrap_up_until: float = 0.0  # no new work before this instant


@dataclass(slots=True)
class Work:
    """One interaction waiting for (or being offered to) an agent."""

    id: int
    group_id: int
    kind: str  # channel kind
    enqueued_at: float  # epoch seconds
    priority: int = DEFAULT_PRIORITY
    language: str | None = None
