"""What a simulation run measured, and the contract's JSON shape of it."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from routing.erlang_a import ErlangA


@dataclass(slots=True)
class Tally:
    """Running counts for one group during a run."""

    offered: int = 0
    answered: int = 0
    in_target: int = 0
    abandoned: int = 0
    short_abandoned: int = 0
    wait_total: float = 0.0

    def answer(self, wait: float, in_target: bool) -> None:
        self.answered += 1
        self.wait_total += wait
        self.in_target += in_target

    def abandon(self, wait: float, short_threshold: float) -> None:
        if wait < short_threshold:
            self.short_abandoned += 1
        else:
            self.abandoned += 1

    @staticmethod
    def combine(tallies: Iterable[Tally]) -> Tally:
        out = Tally()
        for t in tallies:
            out.offered += t.offered
            out.answered += t.answered
            out.in_target += t.in_target
            out.abandoned += t.abandoned
            out.short_abandoned += t.short_abandoned
            out.wait_total += t.wait_total
        return out

    def figures(self, group_id: int | None) -> GroupFigures:
        counted = self.answered + self.abandoned
        gone = self.abandoned + self.short_abandoned
        return GroupFigures(
            group_id=group_id,
            offered=self.offered,
            answered=self.answered,
            abandoned=gone,
            service_level=self.in_target / counted if counted else 1.0,
            asa_seconds=self.wait_total / self.answered if self.answered else 0.0,
            abandon_rate=gone / self.offered if self.offered else 0.0,
        )


@dataclass(frozen=True, slots=True)
class GroupFigures:
    group_id: int | None  # None: the whole centre
    offered: int
    answered: int
    abandoned: int
    service_level: float  # answered within target / (answered + counted abandons)
    asa_seconds: float  # mean wait of answered contacts
    abandon_rate: float  # abandoned / offered


@dataclass
class SimulationReport:
    overall: GroupFigures
    groups: dict[int, GroupFigures]
    occupancy: float  # busy slot-time / (total capacity × measured time)
    events: int
    wall_seconds: float
    erlang_c_service_level: float | None = None
    erlang_c_asa_seconds: float | None = None
    erlang_a: ErlangA | None = field(default=None)

    @property
    def service_level(self) -> float:
        return self.overall.service_level

    @property
    def asa_seconds(self) -> float:
        return self.overall.asa_seconds

    @property
    def abandon_rate(self) -> float:
        return self.overall.abandon_rate

    @property
    def offered(self) -> int:
        return self.overall.offered

    @property
    def events_per_second(self) -> float:
        return self.events / self.wall_seconds if self.wall_seconds > 0 else math.inf

    def as_dict(self) -> dict[str, Any]:
        """The ``teranga simulate`` JSON of the contract, exactly these keys."""
        return {
            "service_level": self.service_level,
            "asa_seconds": self.asa_seconds,
            "abandon_rate": self.abandon_rate,
            "occupancy": self.occupancy,
            "offered": self.offered,
            "erlang_c": {
                "service_level": self.erlang_c_service_level,
                "asa_seconds": _finite(self.erlang_c_asa_seconds),
            },
        }

    def details(self) -> dict[str, Any]:
        """Everything: per group, Erlang A when patience was simulated, speed."""
        out = self.as_dict()
        out["groups"] = {str(g): vars_of(f) for g, f in self.groups.items()}
        out["events"] = self.events
        out["events_per_second"] = self.events_per_second
        if self.erlang_a is not None:
            a = self.erlang_a
            out["erlang_a"] = {
                "service_level": a.service_level,
                "asa_seconds": a.asa_seconds,
                "abandon_rate": a.p_abandon,
            }
        return out


def _finite(x: float | None) -> float | None:
    # JSON has no infinity: an unstable queue (agents <= load) has no finite ASA.
    return None if x is None or math.isinf(x) else x


def vars_of(f: GroupFigures) -> dict[str, Any]:
    return {name: getattr(f, name) for name in f.__slots__}
