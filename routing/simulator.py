"""Discrete-event simulation of a contact centre driving the real routing code.

Contacts arrive as Poisson streams (one per group and channel kind), are
handled for an exponential or log-normal time, and, if a patience is given,
give up after an exponential patience while still waiting.  Every decision is
made by :class:`routing.dispatcher.Dispatcher` — the same push, pull, overflow
and queue code as production.

Arrivals stop after ``hours``; the run goes on until the last contact is
answered or gone, so every arrival counts.  Contacts arriving during the first
``warmup_hours`` are left out of the figures (the centre starts empty).
Service level follows :mod:`routing.sla` with ``short_abandon_seconds`` 0 by
default: every abandon is a miss, as in the Erlang A formula.
"""

from __future__ import annotations

import heapq
import math
import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from routing.config import GroupConfig
from routing.dispatcher import Assignment, Dispatcher
from routing.erlang import erlang_c_metrics
from routing.erlang_a import erlang_a_metrics
from routing.errors import ConfigError
from routing.sim_report import GroupFigures, SimulationReport, Tally
from routing.types import DEFAULT_PRIORITY, Agent, Work

HandleTime = Literal["exponential", "lognormal"]
_ARRIVE, _DONE, _ABANDON, _TICK = 0, 1, 2, 3


@dataclass(frozen=True, slots=True)
class Stream:
    """One Poisson stream of contacts into a group."""

    group_id: int
    kind: str
    arrivals_per_hour: float
    aht_seconds: float
    handle_time: HandleTime = "exponential"
    lognormal_cv: float = 1.0  # standard deviation / mean of a log-normal handle time
    patience_seconds: float | None = None  # mean patience; None = nobody gives up
    priority: int = DEFAULT_PRIORITY
    language: str | None = None

    def __post_init__(self) -> None:
        if not self.arrivals_per_hour >= 0:
            raise ConfigError(f"arrivals per hour must be >= 0, got {self.arrivals_per_hour}")
        if not self.aht_seconds > 0:
            raise ConfigError(f"handle time must be positive, got {self.aht_seconds}")
        if self.handle_time not in ("exponential", "lognormal"):
            raise ConfigError(
                f"handle time must be exponential or lognormal, not {self.handle_time!r}"
            )
        if self.patience_seconds is not None and not self.patience_seconds > 0:
            raise ConfigError(f"patience must be positive seconds, got {self.patience_seconds}")
        if not self.lognormal_cv > 0:
            raise ConfigError(f"log-normal cv must be positive, got {self.lognormal_cv}")


@dataclass(frozen=True)
class Scenario:
    agents: Sequence[Agent]
    streams: Sequence[Stream]
    hours: float
    target_seconds: float | Mapping[int, float]  # one target, or per group
    groups: Mapping[int, GroupConfig] = field(default_factory=dict)
    warmup_hours: float = 0.0
    wrap_up_seconds: float = 0.0
    short_abandon_seconds: float = 0.0
    seed: int | None = None

    def target_for(self, group_id: int) -> float:
        t = self.target_seconds
        return t if isinstance(t, int | float) else t[group_id]


def _sampler(stream: Stream, rng: random.Random) -> object:
    if stream.handle_time == "exponential":
        rate = 1.0 / stream.aht_seconds
        return lambda: rng.expovariate(rate)
    sigma2 = math.log(1.0 + stream.lognormal_cv**2)
    mu, sigma = math.log(stream.aht_seconds) - sigma2 / 2.0, math.sqrt(sigma2)
    return lambda: rng.lognormvariate(mu, sigma)


def simulate_center(scenario: Scenario) -> SimulationReport:
    """Run one scenario: several groups, skills, kinds, strategies."""
    if not scenario.hours > 0:
        raise ConfigError(f"hours must be positive, got {scenario.hours}")
    if not 0 <= scenario.warmup_hours < scenario.hours:
        raise ConfigError("warm-up must be shorter than the run")
    rng = random.Random(scenario.seed)
    end = scenario.hours * 3600.0
    warm = scenario.warmup_hours * 3600.0
    disp = Dispatcher(
        scenario.agents, scenario.groups, wrap_up_seconds=scenario.wrap_up_seconds
    )
    handle = [_sampler(s, rng) for s in scenario.streams]
    events: list[tuple[float, int, int, int]] = []  # (time, seq, type, payload)
    seq = 0

    def push(at: float, kind: int, payload: int) -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(events, (at, seq, kind, payload))

    for i, s in enumerate(scenario.streams):
        if s.arrivals_per_hour > 0:
            push(rng.expovariate(s.arrivals_per_hour / 3600.0), _ARRIVE, i)

    tallies: dict[int, Tally] = {}
    # work id -> (group asked for, arrival time, handle time, inside the measured window)
    origin: dict[int, tuple[int, float, float, bool]] = {}
    capacity = sum(
        a.total_capacity if a.total_capacity is not None else sum(a.capacity.values())
        for a in scenario.agents
    )
    busy = 0.0  # slot-seconds in the measured window
    next_id = 0
    ticks: set[float] = set()
    processed = 0
    started = time.perf_counter()

    def on_assign(assignments: list[Assignment]) -> None:
        nonlocal busy
        for a in assignments:
            group, arrived, service, counted = origin[a.work.id]
            done = a.at + service
            push(done, _DONE, a.work.id)
            busy += max(0.0, min(done, end) - max(a.at, warm))
            if counted:
                tally = tallies.setdefault(a.work.group_id, Tally())
                tally.answer(a.at - arrived, a.at - arrived <= scenario.target_for(group))

    while events:
        now, _, kind, payload = heapq.heappop(events)
        processed += 1
        if kind == _ARRIVE:
            stream = scenario.streams[payload]
            nxt = now + rng.expovariate(stream.arrivals_per_hour / 3600.0)
            if nxt < end:
                push(nxt, _ARRIVE, payload)
            next_id += 1
            work = Work(
                next_id, stream.group_id, stream.kind, now, stream.priority, stream.language
            )
            counted = now >= warm
            origin[next_id] = (stream.group_id, now, handle[payload](), counted)  # type: ignore[operator]
            arrival, earlier = disp.arrive(work, now)
            if counted:
                tallies.setdefault(arrival.work.group_id, Tally()).offered += 1
            on_assign(earlier)
            if arrival.assignment is not None:
                on_assign([arrival.assignment])
            elif stream.patience_seconds is not None:
                push(now + rng.expovariate(1.0 / stream.patience_seconds), _ABANDON, next_id)
        elif kind == _DONE:
            on_assign(disp.release(payload, now))
            del origin[payload]
        elif kind == _ABANDON:
            gone, earlier = disp.abandon(payload, now)
            on_assign(earlier)
            if gone is not None:
                _, arrived, _, counted = origin.pop(payload)
                if counted:
                    tallies.setdefault(gone.group_id, Tally()).abandon(
                        now - arrived, scenario.short_abandon_seconds
                    )
        else:
            ticks.discard(now)
            on_assign(disp.advance(now))
        deadline = disp.next_deadline()
        if deadline is not None and deadline not in ticks:
            ticks.add(deadline)
            push(max(deadline, now), _TICK, 0)

    wall = time.perf_counter() - started
    per_group = {g: t.figures(g) for g, t in sorted(tallies.items())}
    window = end - warm
    return SimulationReport(
        overall=Tally.combine(tallies.values()).figures(None),
        groups=per_group,
        occupancy=busy / (capacity * window) if capacity and window > 0 else 0.0,
        events=processed,
        wall_seconds=wall,
    )


def simulate(
    agents: int | Sequence[Agent],
    arrivals_per_hour: float,
    aht_seconds: float,
    target_seconds: float,
    hours: float,
    patience_seconds: float | None = None,
    seed: int | None = None,
    *,
    handle_time: HandleTime = "exponential",
    lognormal_cv: float = 1.0,
    warmup_hours: float = 0.0,
    short_abandon_seconds: float = 0.0,
) -> SimulationReport:
    """One queue, one skill, N agents of capacity one: the M/M/N(+M) case that
    Erlang C (and Erlang A) predict.  The report carries that prediction."""
    if isinstance(agents, int):
        if agents < 1:
            raise ConfigError(f"agents must be 1 or more, got {agents}")
        staff: Sequence[Agent] = [
            Agent(i, "available", {1: 1}, {"call": 1}) for i in range(1, agents + 1)
        ]
        n = agents
    else:
        staff, n = agents, len(agents)
    stream = Stream(
        1, "call", arrivals_per_hour, aht_seconds, handle_time, lognormal_cv, patience_seconds
    )
    report = simulate_center(
        Scenario(
            staff, [stream], hours, target_seconds,
            warmup_hours=warmup_hours, short_abandon_seconds=short_abandon_seconds, seed=seed,
        )
    )
    c = erlang_c_metrics(n, arrivals_per_hour, aht_seconds, target_seconds)
    report.erlang_c_service_level = c.service_level
    report.erlang_c_asa_seconds = c.asa_seconds
    if patience_seconds is not None:
        report.erlang_a = erlang_a_metrics(
            n, arrivals_per_hour, aht_seconds, patience_seconds, target_seconds
        )
    return report


__all__ = ["GroupFigures", "Scenario", "SimulationReport", "Stream", "simulate", "simulate_center"]
