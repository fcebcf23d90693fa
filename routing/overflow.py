"""Overflow: send new work to another group when its own is swamped or closed.

A group may name one overflow target, taken when the group has at least
``max_waiting`` items waiting or its oldest item has waited at least
``max_oldest_wait_seconds``, and one after-hours target, taken when the group's
hours (or the tenant's) say closed.  Targets chain (A overflows to B, B to C)
but never loop: :func:`check_overflow_graph` refuses any cycle over both kinds
of edge, and :func:`route_group` stops at a group already visited anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from routing.errors import ConfigError
from routing.hours import BusinessHours
from routing.queue_index import QueueStats

if TYPE_CHECKING:
    from routing.config import GroupConfig


@dataclass(frozen=True, slots=True)
class OverflowRule:
    target_group: int
    max_waiting: int | None = None  # overflow when waiting count >= this
    max_oldest_wait_seconds: float | None = None  # ... or the oldest wait >= this

    def __post_init__(self) -> None:
        if self.max_waiting is None and self.max_oldest_wait_seconds is None:
            raise ConfigError(
                f"overflow to group {self.target_group} needs a condition: "
                "max_waiting and/or max_oldest_wait_seconds"
            )
        if self.max_waiting is not None and self.max_waiting < 1:
            raise ConfigError(f"overflow max_waiting must be 1 or more, got {self.max_waiting}")
        if self.max_oldest_wait_seconds is not None and self.max_oldest_wait_seconds < 0:
            raise ConfigError(
                "overflow max_oldest_wait_seconds must not be negative, "
                f"got {self.max_oldest_wait_seconds}"
            )

    def reason(self, stats: QueueStats, now: float) -> str | None:
        """``"max_waiting"`` or ``"max_oldest_wait"`` when the rule fires, else None."""
        if self.max_waiting is not None and stats.waiting >= self.max_waiting:
            return "max_waiting"
        limit = self.max_oldest_wait_seconds
        if limit is not None and stats.waiting > 0 and stats.oldest_wait(now) >= limit:
            return "max_oldest_wait"
        return None


def _label(group_id: int, groups: Mapping[int, GroupConfig]) -> str:
    cfg = groups.get(group_id)
    return f"{cfg.name} ({group_id})" if cfg is not None and cfg.name else str(group_id)


def check_overflow_graph(groups: Mapping[int, GroupConfig]) -> None:
    """Refuse targets that do not exist and loops such as A → B → A."""
    edges: dict[int, list[int]] = {}
    for gid, cfg in groups.items():
        targets = []
        if cfg.overflow is not None:
            targets.append(cfg.overflow.target_group)
        if cfg.after_hours_group is not None:
            targets.append(cfg.after_hours_group)
        for target in targets:
            if target not in groups:
                raise ConfigError(
                    f"group {_label(gid, groups)} overflows to group {target}, which does not exist"
                )
        edges[gid] = targets

    state: dict[int, int] = {}  # 1 = on the current path, 2 = done

    def visit(node: int, path: list[int]) -> None:
        state[node] = 1
        path.append(node)
        for nxt in edges[node]:
            if state.get(nxt) == 1:
                loop = [*path[path.index(nxt) :], nxt]
                raise ConfigError(
                    "overflow loop: " + " → ".join(_label(g, groups) for g in loop)
                )
            if nxt not in state:
                visit(nxt, path)
        path.pop()
        state[node] = 2

    for gid in sorted(edges):
        if gid not in state:
            visit(gid, [])


@dataclass(frozen=True, slots=True)
class Routed:
    """Where new work goes, and the way it went there."""

    group_id: int
    path: tuple[int, ...]  # first = asked-for group, last = group_id
    reasons: tuple[str, ...]  # one per hop: "after_hours", "max_waiting", "max_oldest_wait"

    @property
    def overflowed(self) -> bool:
        return len(self.path) > 1


def route_group(
    group_id: int,
    now: float,
    groups: Mapping[int, GroupConfig],
    stats: Callable[[int], QueueStats] | Mapping[int, QueueStats],
    *,
    tenant_hours: BusinessHours | None = None,
) -> Routed:
    """Follow after-hours and overflow rules from ``group_id`` at ``now``."""
    get_stats = stats if callable(stats) else (lambda g: stats.get(g, QueueStats()))
    path: list[int] = [group_id]
    reasons: list[str] = []
    current = group_id
    while True:
        cfg = groups.get(current)
        if cfg is None:
            raise ConfigError(f"unknown skill group {current}")
        hours = cfg.hours or tenant_hours
        nxt: int | None = None
        why: str | None = None
        if cfg.after_hours_group is not None and hours is not None and not hours.is_open(now):
            nxt, why = cfg.after_hours_group, "after_hours"
        elif cfg.overflow is not None:
            why = cfg.overflow.reason(get_stats(current), now)
            nxt = cfg.overflow.target_group if why else None
        if nxt is None or why is None or nxt in path:
            return Routed(current, tuple(path), tuple(reasons))
        path.append(nxt)
        reasons.append(why)
        current = nxt
