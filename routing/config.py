"""What the app stores per skill group and per tenant, as plain dataclasses.

Every constructor validates and raises :class:`routing.errors.ConfigError`
with a message naming the problem; ``from_dict`` reads the JSON shape the API
receives.  :meth:`GroupConfig.prepare` turns a bare :class:`Work` into one
that carries the group's aging and language rules.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from routing.after_hours import DEFAULT_AFTER_HOURS, AfterHoursAction, check_after_hours
from routing.errors import ConfigError
from routing.hours import BusinessHours
from routing.overflow import OverflowRule, check_overflow_graph
from routing.pickup import DEFAULT_NO_PICKUP_SECONDS, check_no_pickup
from routing.priority import PriorityRules
from routing.sla import DEFAULT_SLA_TARGETS, SlaTarget, due_at
from routing.strategies import DEFAULT_STRATEGY, Strategy, check_strategy
from routing.types import Work


def _non_negative(name: str, value: float | None, *, allow_none: bool = True) -> None:
    if value is None:
        if not allow_none:
            raise ConfigError(f"{name} is required")
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise ConfigError(f"{name} must be a number of seconds, got {value!r}")
    if value < 0:
        raise ConfigError(f"{name} cannot be negative, got {value}")


@dataclass(frozen=True)
class GroupConfig:
    """Routing rules of one skill group."""

    id: int
    name: str = ""
    strategy: Strategy = DEFAULT_STRATEGY
    prefer_level: bool = True  # best skill level first, before the strategy
    aging_seconds: float | None = 300.0  # +1 priority level per this many seconds waited
    # Work carrying a language waits this long for a speaker, then anyone skilled
    # may take it (speakers still preferred). 0 = soft at once, None = hard.
    language_wait_seconds: float | None = 60.0
    sticky_wait_seconds: float = 0.0  # how long a returning contact waits for their agent
    overflow: OverflowRule | None = None
    after_hours_group: int | None = None
    hours: BusinessHours | None = None  # None: the tenant's hours

    def __post_init__(self) -> None:
        check_strategy(self.strategy)
        if self.aging_seconds is not None:
            _non_negative("aging_seconds", self.aging_seconds)
            if self.aging_seconds == 0:
                raise ConfigError("aging_seconds must be positive, or null for no aging")
        _non_negative("language_wait_seconds", self.language_wait_seconds)
        _non_negative("sticky_wait_seconds", self.sticky_wait_seconds, allow_none=False)
        if self.overflow is not None and self.overflow.target_group == self.id:
            raise ConfigError(f"overflow loop: group {self.id} overflows to itself")
        if self.after_hours_group == self.id:
            raise ConfigError(f"overflow loop: group {self.id} sends after-hours work to itself")

    def prepare(self, work: Work) -> Work:
        """The work with this group's aging and language rules attached."""
        wait = self.language_wait_seconds
        strict_until = math.inf if wait is None else work.enqueued_at + wait
        return replace(
            work,
            aging_seconds=self.aging_seconds,
            language_strict_until=strict_until if work.language is not None else 0.0,
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GroupConfig:
        data = dict(data)
        if "id" not in data:
            raise ConfigError("a skill group config needs its 'id'")
        overflow = data.pop("overflow", None)
        if overflow is not None:
            if not isinstance(overflow, Mapping) or "target_group" not in overflow:
                raise ConfigError("'overflow' must be an object with a 'target_group'")
            try:
                data["overflow"] = OverflowRule(**overflow)
            except TypeError as exc:
                raise ConfigError(f"overflow: {exc}") from None
        hours = data.pop("hours", None)
        if hours is not None:
            data["hours"] = BusinessHours.parse(hours)
        try:
            return cls(**data)
        except TypeError as exc:
            raise ConfigError(f"skill group config: {exc}") from None


def _default_priority() -> PriorityRules:
    return PriorityRules()


@dataclass(frozen=True)
class TenantConfig:
    """Routing rules of one tenant: hours, SLA targets, wrap-up, pick-up, groups."""

    hours: BusinessHours | None = None  # None: always open
    after_hours: Mapping[str, AfterHoursAction] = field(
        default_factory=lambda: dict(DEFAULT_AFTER_HOURS)
    )
    sla: Mapping[str, SlaTarget] = field(default_factory=lambda: dict(DEFAULT_SLA_TARGETS))
    # Channel kinds whose SLA clock only runs during business hours.
    sla_business_hours_kinds: frozenset[str] = frozenset({"email"})
    wrap_up_seconds: float = 0.0
    wrap_up_by_kind: Mapping[str, float] = field(default_factory=dict)
    no_pickup_seconds: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_NO_PICKUP_SECONDS)
    )
    away_after_no_pickup: bool = True
    priority: PriorityRules = field(default_factory=_default_priority)
    groups: Mapping[int, GroupConfig] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_after_hours(self.after_hours)
        check_no_pickup(self.no_pickup_seconds)
        _non_negative("wrap_up_seconds", self.wrap_up_seconds, allow_none=False)
        for kind, seconds in self.wrap_up_by_kind.items():
            _non_negative(f"wrap-up for {kind!r}", seconds, allow_none=False)
        for kind, target in self.sla.items():
            if not isinstance(target, SlaTarget):
                raise ConfigError(f"SLA target for {kind!r} must be an SlaTarget")
        for gid, cfg in self.groups.items():
            if gid != cfg.id:
                raise ConfigError(f"group stored under id {gid} says its id is {cfg.id}")
        check_overflow_graph(self.groups)

    def wrap_up_for(self, kind: str) -> float:
        return self.wrap_up_by_kind.get(kind, self.wrap_up_seconds)

    def sla_due(self, kind: str, start: float) -> float | None:
        """Due time of an interaction of ``kind`` started (or requested) at ``start``."""
        target = self.sla.get(kind)
        if target is None:
            return None
        hours = self.hours if kind in self.sla_business_hours_kinds else None
        return due_at(start, target, hours=hours)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TenantConfig:
        data = dict(data)
        if data.get("hours") is not None:
            data["hours"] = BusinessHours.parse(data["hours"])
        if "sla" in data:
            data["sla"] = {kind: _parse_target(kind, t) for kind, t in data["sla"].items()}
        if "priority" in data:
            data["priority"] = _parse_priority(data["priority"])
        if "sla_business_hours_kinds" in data:
            data["sla_business_hours_kinds"] = frozenset(data["sla_business_hours_kinds"])
        if "groups" in data:
            groups = [GroupConfig.from_dict(g) for g in data["groups"]]
            data["groups"] = {g.id: g for g in groups}
        try:
            return cls(**data)
        except TypeError as exc:
            raise ConfigError(f"tenant routing config: {exc}") from None


def _parse_target(kind: str, raw: Any) -> SlaTarget:
    if isinstance(raw, SlaTarget):
        return raw
    if isinstance(raw, Mapping) and {"share", "seconds"} <= raw.keys():
        return SlaTarget(float(raw["share"]), float(raw["seconds"]))
    if isinstance(raw, list | tuple) and len(raw) == 2:
        return SlaTarget(float(raw[0]), float(raw[1]))
    raise ConfigError(f"SLA target for {kind!r}: expected {{'share': 0.8, 'seconds': 30}}")


def _parse_priority(raw: Any) -> PriorityRules:
    if isinstance(raw, PriorityRules):
        return raw
    if not isinstance(raw, Mapping):
        raise ConfigError("'priority' must be an object: {escalation_priority, vip_boost}")
    raw = dict(raw)
    try:
        if "escalation_priority" in raw:
            raw["escalation_priority"] = {
                int(k): int(v) for k, v in raw["escalation_priority"].items()
            }
        return PriorityRules(**raw)
    except ConfigError:
        raise
    except (TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(f"priority rules: {exc}") from None
