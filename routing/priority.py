"""Priorities: 1 (lowest) .. 5 (most urgent), escalation levels, VIPs and aging.

Aging is linear: a work item gains one priority level every ``aging_seconds``
of waiting, so its effective priority at ``now`` is::

    priority + (now - enqueued_at) / aging_seconds

For two items with the same ``aging_seconds`` the order of that quantity does
not depend on ``now``: sorting by the static key
``enqueued_at / aging_seconds - priority`` (ascending) is the same order.  That
is what lets :class:`routing.queue_index.QueueIndex` keep each queue sorted
once, on entry, instead of re-sorting at every decision.

Effective priority is deliberately not capped at 5: capping would make every
old item tie at 5 and the order would stop being static.  It is a sort
quantity, not a label shown to people.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from routing.errors import ConfigError
from routing.types import DEFAULT_PRIORITY, MAX_PRIORITY, MIN_PRIORITY, Work

# Escalation levels of the seed: 1 information, 2 sales / hotline, 3 complaints.
ESCALATION_INFORMATION = 1
ESCALATION_SALES = 2
ESCALATION_COMPLAINT = 3


def _default_escalation_map() -> dict[int, int]:
    return {ESCALATION_INFORMATION: 2, ESCALATION_SALES: 3, ESCALATION_COMPLAINT: 4}


@dataclass(frozen=True, slots=True)
class PriorityRules:
    """How a new interaction's priority is set (stored per tenant)."""

    # escalation level -> base priority
    escalation_priority: Mapping[int, int] = field(default_factory=_default_escalation_map)
    vip_boost: int = 1  # levels added for a VIP contact, capped at 5

    def __post_init__(self) -> None:
        for level, prio in self.escalation_priority.items():
            if not MIN_PRIORITY <= prio <= MAX_PRIORITY:
                raise ConfigError(
                    f"escalation level {level} maps to priority {prio}; "
                    f"priorities run from {MIN_PRIORITY} to {MAX_PRIORITY}"
                )
        if self.vip_boost < 0:
            raise ConfigError(f"vip_boost must be 0 or more, got {self.vip_boost}")


def check_priority(priority: int) -> int:
    """Refuse a base priority outside 1..5."""
    if not isinstance(priority, int) or not MIN_PRIORITY <= priority <= MAX_PRIORITY:
        raise ConfigError(
            f"priority must be an integer from {MIN_PRIORITY} (lowest) "
            f"to {MAX_PRIORITY} (most urgent), got {priority!r}"
        )
    return priority


def initial_priority(
    escalation: int | None = None,
    *,
    vip: bool = False,
    rules: PriorityRules | None = None,
) -> int:
    """Base priority of a new interaction from its escalation level and VIP flag."""
    rules = rules or PriorityRules()
    if escalation is None:
        base = DEFAULT_PRIORITY
    else:
        try:
            base = rules.escalation_priority[escalation]
        except KeyError:
            known = ", ".join(str(k) for k in sorted(rules.escalation_priority))
            raise ConfigError(
                f"unknown escalation level {escalation!r}; known levels: {known}"
            ) from None
    if vip:
        base += rules.vip_boost
    return min(MAX_PRIORITY, base)


def effective_priority(work: Work, now: float) -> float:
    """Priority raised by waiting time; higher is served first."""
    if work.aging_seconds is None:
        return float(work.priority)
    # No clamp at zero: the static key below must give exactly this order.
    return work.priority + (now - work.enqueued_at) / work.aging_seconds


def static_key(priority: int, enqueued_at: float, aging_seconds: float | None) -> float:
    """Sort key (ascending = served first) that stays valid as time passes.

    Only comparable between items with the same ``aging_seconds``; without
    aging, ties on priority are broken by ``enqueued_at`` separately.
    """
    if aging_seconds is None:
        return float(-priority)
    return enqueued_at / aging_seconds - priority


def rank(work: Work, now: float) -> tuple[float, float, int]:
    """Total order of waiting work at ``now``: most urgent, then oldest, then id."""
    return (-effective_priority(work, now), work.enqueued_at, work.id)
