"""An in-memory distributor: agents, waiting work and assignments, kept so that
after every step no ready, skilled agent with a free slot sits beside work it
may take.

It is the piece the simulator runs and the app may run in-process; every
decision inside is :func:`routing.engine.pick_agent` (push),
:meth:`routing.queue_index.QueueIndex.take` (pull) and
:func:`routing.overflow.route_group` — the same code as everywhere else.

Why the invariant holds: eligibility of a pair (agent, work) only changes when
the work arrives, the agent frees a slot, ends wrap-up or becomes available, or
a time limit on the work runs out.  Each of those re-decides for exactly the
agent (pull until full or nothing fits) or the work (push) concerned, and
every public method first processes the time limits due by ``now``.  ``now``
must not go backwards.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

from routing.config import GroupConfig
from routing.engine import pick_agent
from routing.hours import BusinessHours
from routing.overflow import Routed, route_group
from routing.pickup import requeue_after_no_pickup
from routing.queue_index import QueueIndex
from routing.types import Agent, Presence, Work


@dataclass(frozen=True, slots=True)
class Assignment:
    work: Work
    agent_id: int
    at: float

    @property
    def waited(self) -> float:
        return self.at - self.work.enqueued_at


@dataclass(frozen=True, slots=True)
class Arrival:
    """What became of new work: assigned at once, or waiting in ``routed.group_id``."""

    work: Work  # as queued: in its final group, with the group's rules attached
    routed: Routed
    assignment: Assignment | None


class Dispatcher:
    def __init__(
        self,
        agents: Iterable[Agent] = (),
        groups: Mapping[int, GroupConfig] | None = None,
        *,
        wrap_up_seconds: float | Callable[[str], float] = 0.0,
        tenant_hours: BusinessHours | None = None,
        now: float = 0.0,
    ) -> None:
        self.groups: dict[int, GroupConfig] = dict(groups or {})
        self.index = QueueIndex()
        self.agents: dict[int, Agent] = {}
        self.assigned: dict[int, tuple[int, Work]] = {}  # work id -> (agent id, work)
        self._by_group: dict[int, list[Agent]] = {}
        # Per group, the agents that could take *something* now (available, out of
        # wrap-up, not full): push scans these only, not the whole group.
        self._ready: dict[int, dict[int, Agent]] = {}
        self._cursor: dict[int, int] = {}  # round-robin: last agent given work, per group
        self._wrap_ups: list[tuple[float, int]] = []
        self._wrap = wrap_up_seconds
        self._hours = tenant_hours
        self.now = now
        for agent in agents:
            self.add_agent(agent, now)

    # -- configuration -----------------------------------------------------
    def group(self, group_id: int) -> GroupConfig:
        cfg = self.groups.get(group_id)
        if cfg is None:
            cfg = self.groups[group_id] = GroupConfig(group_id)
        return cfg

    def add_agent(self, agent: Agent, now: float) -> list[Assignment]:
        if agent.id in self.agents:
            raise ValueError(f"agent {agent.id} is already known")
        agent = replace(agent, load=dict(agent.load), skills=dict(agent.skills))
        self.agents[agent.id] = agent
        for group_id, level in agent.skills.items():
            if level > 0:
                self._by_group.setdefault(group_id, []).append(agent)
        self._refresh(agent, now)
        if agent.wrap_up_until > now:
            heapq.heappush(self._wrap_ups, (agent.wrap_up_until, agent.id))
        out = self.advance(now)
        out += self._pull(agent, now)
        return out

    def agents_in(self, group_id: int) -> list[Agent]:
        return self._by_group.get(group_id, [])

    # -- events ------------------------------------------------------------
    def advance(self, now: float) -> list[Assignment]:
        """Process wrap-ups ended and work constraints expired by ``now``."""
        self.now = now
        out: list[Assignment] = []
        while self._wrap_ups and self._wrap_ups[0][0] <= now:
            _, agent_id = heapq.heappop(self._wrap_ups)
            agent = self.agents[agent_id]
            if agent.wrap_up_until <= now:
                self._refresh(agent, now)
                out += self._pull(agent, now)
        for work in self.index.advance(now):
            if work.id in self.index:
                out += self._push_waiting(work, now)
        return out

    def next_deadline(self) -> float | None:
        """When :meth:`advance` next has something to do (or None)."""
        times = [t for t in (self.index.next_deadline(),) if t is not None]
        if self._wrap_ups:
            times.append(self._wrap_ups[0][0])
        return min(times) if times else None

    def arrive(self, work: Work, now: float) -> tuple[Arrival, list[Assignment]]:
        """New work: overflow rules, then push to the best free agent, else queue.
        Also returns assignments made by time limits that ran out before ``now``."""
        earlier = self.advance(now)
        self.group(work.group_id)  # a group nobody configured routes with the defaults
        routed = route_group(
            work.group_id, now, self.groups, self.index.stats, tenant_hours=self._hours
        )
        cfg = self.group(routed.group_id)
        work = cfg.prepare(replace(work, group_id=routed.group_id))
        agent = self._best_agent(work, now)
        if agent is not None:
            assignment = self._assign(agent, work, now)
            return Arrival(work, routed, assignment), earlier
        self.index.add(work, now)
        return Arrival(work, routed, None), earlier

    def release(self, work_id: int, now: float, *, wrap_up: bool = True) -> list[Assignment]:
        """The agent finished ``work_id``: free the slot, wrap up, then pull."""
        out = self.advance(now)
        agent_id, work = self.assigned.pop(work_id)
        agent = self.agents[agent_id]
        load = agent.load
        load[work.kind] = load.get(work.kind, 0) - 1  # type: ignore[index]
        agent.idle_since = now
        wrap = 0.0
        if wrap_up:
            wrap = self._wrap(work.kind) if callable(self._wrap) else self._wrap
        if wrap > 0:
            agent.wrap_up_until = max(agent.wrap_up_until, now + wrap)
            heapq.heappush(self._wrap_ups, (agent.wrap_up_until, agent.id))
        self._refresh(agent, now)
        out += self._pull(agent, now)
        return out

    def abandon(self, work_id: int, now: float) -> tuple[Work | None, list[Assignment]]:
        """The customer left: drop the work if still waiting."""
        out = self.advance(now)
        return self.index.remove(work_id), out

    def set_presence(self, agent_id: int, presence: Presence, now: float) -> list[Assignment]:
        out = self.advance(now)
        agent = self.agents[agent_id]
        if presence == "available" and agent.presence != "available":
            agent.idle_since = now
        agent.presence = presence
        self._refresh(agent, now)
        out += self._pull(agent, now)
        return out

    def take_back(self, work_id: int, now: float, *, set_away: bool = True) -> list[Assignment]:
        """No pick-up: withdraw the offer, exclude that agent, route it again."""
        out = self.advance(now)
        agent_id, work = self.assigned.pop(work_id)
        agent = self.agents[agent_id]
        agent.load[work.kind] -= 1  # type: ignore[index]
        if set_away:
            agent.presence = "away"
        self._refresh(agent, now)
        work = requeue_after_no_pickup(work, agent_id)
        best = self._best_agent(work, now)
        if best is not None:
            out.append(self._assign(best, work, now))
        else:
            self.index.add(work, now)
        out += self._pull(agent, now)
        return out

    # -- decisions ---------------------------------------------------------
    def _best_agent(self, work: Work, now: float) -> Agent | None:
        cfg = self.group(work.group_id)
        return pick_agent(
            work,
            self._ready.get(work.group_id, {}).values(),
            now,
            strategy=cfg.strategy,
            last_agent_id=self._cursor.get(work.group_id),
            prefer_level=cfg.prefer_level,
        )

    def _push_waiting(self, work: Work, now: float) -> list[Assignment]:
        agent = self._best_agent(work, now)
        if agent is None:
            return []
        self.index.remove(work.id)
        return [self._assign(agent, work, now)]

    def _pull(self, agent: Agent, now: float) -> list[Assignment]:
        out: list[Assignment] = []
        while True:
            work = self.index.take(agent, now)
            if work is None:
                return out
            out.append(self._assign(agent, work, now))

    def _assign(self, agent: Agent, work: Work, now: float) -> Assignment:
        if work.id in self.assigned:
            raise AssertionError(f"work {work.id} assigned twice")
        load = agent.load
        load[work.kind] = load.get(work.kind, 0) + 1  # type: ignore[index]
        agent.idle_since = now
        self.assigned[work.id] = (agent.id, work)
        self._cursor[work.group_id] = agent.id
        self._refresh(agent, now)
        return Assignment(work, agent.id, now)

    def _refresh(self, agent: Agent, now: float) -> None:
        cap = agent.total_capacity
        if cap is None:
            cap = sum(agent.capacity.values())
        ready = (
            agent.presence == "available"
            and agent.wrap_up_until <= now
            and sum(agent.load.values()) < cap
        )
        for group_id, level in agent.skills.items():
            if level <= 0:
                continue
            if ready:
                self._ready.setdefault(group_id, {})[agent.id] = agent
            else:
                self._ready.get(group_id, {}).pop(agent.id, None)
