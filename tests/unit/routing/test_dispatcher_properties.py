"""Invariants of the distributor under random sequences of events.

After every step: no ready, skilled agent with a free slot sits beside
waiting work it may take; no agent holds more than their capacity; no
interaction is held by two agents, or both held and waiting.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from routing.config import GroupConfig
from routing.dispatcher import Assignment, Dispatcher
from routing.engine import can_take
from routing.overflow import OverflowRule
from routing.types import Agent, Work

KINDS = ("chat", "email")
GROUPS = {
    1: GroupConfig(1, strategy="longest_idle", overflow=OverflowRule(2, max_waiting=3)),
    2: GroupConfig(2, strategy="least_occupied", language_wait_seconds=20.0),
    3: GroupConfig(3, strategy="round_robin", language_wait_seconds=None, aging_seconds=None),
}


@st.composite
def staff(draw: st.DrawFn) -> list[Agent]:
    out = []
    for i in range(draw(st.integers(2, 6))):
        skills = draw(st.dictionaries(st.integers(1, 3), st.integers(1, 5), min_size=1))
        out.append(
            Agent(
                i + 1,
                draw(st.sampled_from(["available", "available", "away"])),
                skills,
                {k: draw(st.integers(0, 2)) for k in KINDS},
                total_capacity=draw(st.sampled_from([None, 1, 2])),
                languages=frozenset(draw(st.sampled_from([(), ("fr",), ("fr", "en")]))),
            )
        )
    return out


op = st.one_of(
    st.tuples(
        st.just("arrive"),
        st.integers(1, 3),
        st.sampled_from(KINDS),
        st.integers(1, 5),
        st.sampled_from([None, "fr", "en"]),
        st.sampled_from([None, 1, 2]),  # sticky agent
    ),
    st.tuples(st.just("release"), st.integers(0, 50)),
    st.tuples(st.just("abandon"), st.integers(0, 50)),
    st.tuples(st.just("presence"), st.integers(1, 6), st.sampled_from(["available", "away"])),
    st.tuples(st.just("no_pickup"), st.integers(0, 50)),
    st.tuples(st.just("wait"), st.integers(1, 40)),
    st.tuples(st.just("wait"), st.integers(1, 40)),
)


def check(d: Dispatcher, now: float) -> None:
    waiting = list(d.index)
    for a in d.agents.values():
        for kind, n in a.load.items():
            assert 0 <= n <= a.capacity.get(kind, 0), (a, kind)
        total = a.total_capacity if a.total_capacity is not None else sum(a.capacity.values())
        assert sum(a.load.values()) <= total
        for w in waiting:
            assert not can_take(a, w, now), f"agent {a.id} idle beside work {w.id}"
    assert not set(d.assigned) & {w.id for w in waiting}
    held = sum(sum(a.load.values()) for a in d.agents.values())
    assert held == len(d.assigned)


@settings(max_examples=200, deadline=None)
@given(staff(), st.lists(op, min_size=10, max_size=60), st.sampled_from([0.0, 15.0]))
def test_dispatch_invariants(agents: list[Agent], ops: list[tuple], wrap: float) -> None:
    d = Dispatcher(agents, GROUPS, wrap_up_seconds=wrap)
    now = 0.0
    ever: set[int] = set()
    next_id = 0

    def note(assignments: list[Assignment]) -> None:
        for a in assignments:
            assert a.work.id not in ever, f"work {a.work.id} assigned twice"
            ever.add(a.work.id)

    for o in ops:
        now += 1.0
        if o[0] == "arrive":
            _, group, kind, prio, lang, sticky = o
            next_id += 1
            w = Work(next_id, group, kind, now, prio, lang)
            if sticky is not None:
                w = Work(next_id, group, kind, now, prio, lang, reserved_for=sticky,
                         reserved_until=now + 10)
            arrival, earlier = d.arrive(w, now)
            note(earlier)
            if arrival.assignment:
                note([arrival.assignment])
        elif o[0] == "release" and d.assigned:
            note(d.release(sorted(d.assigned)[o[1] % len(d.assigned)], now))
        elif o[0] == "abandon" and len(d.index):
            ids = sorted(w.id for w in d.index)
            _, earlier = d.abandon(ids[o[1] % len(ids)], now)
            note(earlier)
        elif o[0] == "presence" and o[1] in d.agents:
            note(d.set_presence(o[1], o[2], now))
        elif o[0] == "no_pickup" and d.assigned:
            work_id = sorted(d.assigned)[o[1] % len(d.assigned)]
            ever.discard(work_id)  # taken back: it may be offered to someone else
            note(d.take_back(work_id, now))
        elif o[0] == "wait":
            now += o[1]
            note(d.advance(now))
        # The invariant holds at the time of the dispatcher's last step (an op
        # whose precondition failed did nothing, so time did not move for it).
        check(d, d.now)
