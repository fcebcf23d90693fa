"""Waiting work, indexed so that a pull decision is fast with thousands waiting.

Work is split into queues that each hold one sorted order:

- *open* queues, one per (group, channel kind, aging rate): anyone skilled in
  the group with a free slot of that kind may take their items;
- *language* queues, one per (group, kind, aging rate, language): items whose
  strict-language period is still running, for speakers only;
- *reserved* items, per agent: sticky work waiting for its last agent.

Each queue is a binary heap on the static key of :mod:`routing.priority`, with
lazy deletion.  A pull for an agent looks only at the heads of the queues of
their groups and the kinds where they have a free slot, and compares those
heads by :func:`routing.priority.rank` at ``now``: the answer is the one
:func:`routing.engine.pick_work` would give over the whole list.  Items whose
constraint expires move to a broader queue in :meth:`QueueIndex.advance`.

``now`` must not go backwards between calls.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator
from dataclasses import dataclass

from routing.engine import can_take, free_slots
from routing.priority import rank, static_key
from routing.types import Agent, Work

_QueueKey = tuple[int, str, float | None, str | None]  # group, kind, aging, language


@dataclass(frozen=True, slots=True)
class QueueStats:
    """What overflow rules and wallboards need to know about one group."""

    waiting: int = 0
    oldest_enqueued_at: float | None = None

    def oldest_wait(self, now: float) -> float:
        return 0.0 if self.oldest_enqueued_at is None else now - self.oldest_enqueued_at


class _Queue:
    """A heap of work with lazy deletion; entries carry an insertion token so an
    item removed and queued again does not resurrect its old entry."""

    __slots__ = ("heap", "members")

    def __init__(self) -> None:
        self.heap: list[tuple[float, float, int, int, Work]] = []
        self.members: dict[int, int] = {}  # work id -> live token

    def push(self, work: Work, token: int) -> None:
        key = static_key(work.priority, work.enqueued_at, work.aging_seconds)
        heapq.heappush(self.heap, (key, work.enqueued_at, work.id, token, work))
        self.members[work.id] = token

    def discard(self, work_id: int) -> None:
        self.members.pop(work_id, None)

    def _clean_top(self) -> None:
        heap = self.heap
        while heap and self.members.get(heap[0][2]) != heap[0][3]:
            heapq.heappop(heap)

    def head_for(self, agent_id: int) -> Work | None:
        """First item in order that ``agent_id`` is not excluded from."""
        self._clean_top()
        if not self.heap:
            return None
        top = self.heap[0][4]
        if agent_id not in top.excluded_agents:
            return top
        # Rare: the agent let this item ring out. Look past it, then restore.
        skipped = []
        found: Work | None = None
        while self.heap:
            self._clean_top()
            if not self.heap:
                break
            entry = heapq.heappop(self.heap)
            skipped.append(entry)
            if agent_id not in entry[4].excluded_agents:
                found = entry[4]
                break
        for entry in skipped:
            heapq.heappush(self.heap, entry)
        return found


class QueueIndex:
    """All waiting work of one installation (or one tenant), indexed for pull."""

    def __init__(self) -> None:
        self._work: dict[int, Work] = {}
        self._home: dict[int, _Queue | int] = {}  # queue, or agent id when reserved
        self._queues: dict[_QueueKey, _Queue] = {}
        self._group_queues: dict[int, list[tuple[_QueueKey, _Queue]]] = {}
        self._reserved: dict[int, dict[int, Work]] = {}
        self._deadlines: list[tuple[float, int, int]] = []  # (when, work id, token)
        self._oldest: dict[int, list[tuple[float, int, int]]] = {}
        self._count: dict[int, int] = {}
        self._tokens = itertools.count()
        self._token_of: dict[int, int] = {}
        self._released: list[Work] = []

    # -- reading -----------------------------------------------------------
    def __len__(self) -> int:
        return len(self._work)

    def __contains__(self, work_id: object) -> bool:
        return work_id in self._work

    def __iter__(self) -> Iterator[Work]:
        return iter(list(self._work.values()))

    def get(self, work_id: int) -> Work | None:
        return self._work.get(work_id)

    def stats(self, group_id: int) -> QueueStats:
        count = self._count.get(group_id, 0)
        if not count:
            return QueueStats()
        heap = self._oldest[group_id]
        while heap and self._token_of.get(heap[0][1]) != heap[0][2]:
            heapq.heappop(heap)
        return QueueStats(count, heap[0][0] if heap else None)

    def next_deadline(self) -> float | None:
        """When some waiting item's constraint next expires."""
        heap = self._deadlines
        while heap and self._token_of.get(heap[0][1]) != heap[0][2]:
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    # -- changing ----------------------------------------------------------
    def add(self, work: Work, now: float) -> None:
        if work.id in self._work:
            raise ValueError(f"work {work.id} is already waiting")
        token = next(self._tokens)
        self._work[work.id] = work
        self._token_of[work.id] = token
        self._count[work.group_id] = self._count.get(work.group_id, 0) + 1
        oldest = self._oldest.setdefault(work.group_id, [])
        heapq.heappush(oldest, (work.enqueued_at, work.id, token))
        self._place(work, now, token)

    def remove(self, work_id: int) -> Work | None:
        work = self._work.pop(work_id, None)
        if work is None:
            return None
        self._token_of.pop(work_id, None)
        self._count[work.group_id] -= 1
        self._unplace(work)
        return work

    def advance(self, now: float) -> list[Work]:
        """Move items whose reservation or strict-language period has ended to
        broader queues; return them (more agents may now take them)."""
        self._advance(now)
        released, self._released = self._released, []
        return released

    def pick(self, agent: Agent, now: float) -> Work | None:
        """Same answer as :func:`routing.engine.pick_work` over all waiting work."""
        self._advance(now)
        if agent.presence != "available" or agent.wrap_up_until > now:
            return None
        mine = self._reserved.get(agent.id)
        if mine:
            own = [w for w in mine.values() if can_take(agent, w, now)]
            if own:
                return min(own, key=lambda w: rank(w, now))
        best: Work | None = None
        best_rank: tuple[float, float, int] | None = None
        slots: dict[str, bool] = {}
        for group_id, level in agent.skills.items():
            if level <= 0:
                continue
            for (_, kind, _, lang), queue in self._group_queues.get(group_id, ()):
                if lang is not None and lang not in agent.languages:
                    continue
                has_slot = slots.get(kind)
                if has_slot is None:
                    has_slot = slots[kind] = free_slots(agent, kind) > 0
                if not has_slot:
                    continue
                head = queue.head_for(agent.id)
                if head is None:
                    continue
                r = rank(head, now)
                if best_rank is None or r < best_rank:
                    best, best_rank = head, r
        return best

    def take(self, agent: Agent, now: float) -> Work | None:
        """:meth:`pick` and remove the answer from the index."""
        work = self.pick(agent, now)
        if work is not None:
            self.remove(work.id)
        return work

    # -- internals ---------------------------------------------------------
    def _place(self, work: Work, now: float, token: int) -> None:
        deadline: float | None = None
        if work.reserved_for is not None and now < work.reserved_until:
            self._reserved.setdefault(work.reserved_for, {})[work.id] = work
            self._home[work.id] = work.reserved_for
            deadline = work.reserved_until
        else:
            lang = None
            if work.language is not None and now < work.language_strict_until:
                lang = work.language
                deadline = work.language_strict_until
            key = (work.group_id, work.kind, work.aging_seconds, lang)
            queue = self._queues.get(key)
            if queue is None:
                queue = self._queues[key] = _Queue()
                self._group_queues.setdefault(work.group_id, []).append((key, queue))
            queue.push(work, token)
            self._home[work.id] = queue
        if deadline is not None and deadline != float("inf"):
            heapq.heappush(self._deadlines, (deadline, work.id, token))

    def _unplace(self, work: Work) -> None:
        home = self._home.pop(work.id)
        if isinstance(home, _Queue):
            home.discard(work.id)
        else:
            self._reserved[home].pop(work.id, None)

    def _advance(self, now: float) -> None:
        heap = self._deadlines
        while heap and heap[0][0] <= now:
            _, work_id, token = heapq.heappop(heap)
            if self._token_of.get(work_id) != token:
                continue
            work = self._work[work_id]
            self._unplace(work)
            self._place(work, now, token)
            self._released.append(work)
