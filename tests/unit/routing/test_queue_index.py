"""The queue index gives the same pull answer as the linear pick_work."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from routing.engine import pick_work
from routing.priority import rank
from routing.queue_index import QueueIndex
from routing.types import Agent, Work

KINDS = ("chat", "email", "sms")
LANGS = (None, "fr", "en", "wo")


@st.composite
def works(draw: st.DrawFn, n: int) -> list[Work]:
    out = []
    for i in range(n):
        lang = draw(st.sampled_from(LANGS))
        strict = draw(st.sampled_from([0.0, 50.0, 150.0, math.inf]))
        reserved = draw(st.sampled_from([None, None, None, 1, 2]))
        out.append(
            Work(
                id=i,
                group_id=draw(st.integers(1, 4)),
                kind=draw(st.sampled_from(KINDS)),
                enqueued_at=float(draw(st.integers(0, 100))),
                priority=draw(st.integers(1, 5)),
                language=lang,
                aging_seconds=draw(st.sampled_from([None, 30.0, 300.0])),
                language_strict_until=strict if lang else 0.0,
                reserved_for=reserved,
                reserved_until=draw(st.sampled_from([80.0, 120.0, 200.0])) if reserved else 0.0,
                excluded_agents=frozenset(draw(st.sampled_from([(), (1,), (2,)]))),
            )
        )
    return out


@st.composite
def agents(draw: st.DrawFn) -> Agent:
    skills = draw(st.dictionaries(st.integers(1, 4), st.integers(1, 5), min_size=1, max_size=4))
    capacity = {k: draw(st.integers(0, 2)) for k in KINDS}
    load = {k: draw(st.integers(0, capacity[k])) for k in KINDS}
    return Agent(
        id=draw(st.integers(1, 3)),
        presence="available",
        skills=skills,
        capacity=capacity,
        load=load,
        total_capacity=draw(st.sampled_from([None, 2, 4])),
        languages=frozenset(draw(st.sets(st.sampled_from(["fr", "en", "wo"])))),
    )


def same_choice(a: Work | None, b: Work | None, now: float) -> bool:
    if a is None or b is None:
        return a is b
    if a.id == b.id:
        return True
    # Different ids can only be an exact tie in effective priority and age.
    ra, rb = rank(a, now), rank(b, now)
    return math.isclose(ra[0], rb[0], abs_tol=1e-9) and ra[1] == rb[1]


@settings(max_examples=300, deadline=None)
@given(works(40), st.lists(agents(), min_size=1, max_size=6), st.lists(st.integers(100, 300)))
def test_index_pull_matches_linear(
    items: list[Work], staff: list[Agent], times: list[int]
) -> None:
    index = QueueIndex()
    for w in items:
        index.add(w, 100.0)
    waiting = {w.id: w for w in items}
    now = 100.0
    for step, agent in enumerate(staff):
        if step < len(times):
            now = max(now, float(times[step]))
        expected = pick_work(agent, waiting.values(), now)
        got = index.pick(agent, now)
        assert same_choice(got, expected, now), (got, expected)
        if got is not None:
            index.remove(got.id)
            del waiting[got.id]
    assert len(index) == len(waiting)


def test_stats_count_and_oldest() -> None:
    index = QueueIndex()
    assert index.stats(1).waiting == 0
    index.add(Work(1, 1, "chat", 50.0), 60.0)
    index.add(Work(2, 1, "chat", 40.0), 60.0)
    index.add(Work(3, 2, "chat", 10.0), 60.0)
    st1 = index.stats(1)
    assert st1.waiting == 2 and st1.oldest_enqueued_at == 40.0
    assert st1.oldest_wait(100.0) == 60.0
    index.remove(2)
    assert index.stats(1).oldest_enqueued_at == 50.0


def test_add_twice_is_refused_and_remove_unknown_is_none() -> None:
    index = QueueIndex()
    index.add(Work(1, 1, "chat", 0.0), 0.0)
    try:
        index.add(Work(1, 1, "chat", 0.0), 0.0)
    except ValueError as exc:
        assert "already waiting" in str(exc)
    else:
        raise AssertionError("second add accepted")
    assert index.remove(99) is None


def test_expiring_constraints_are_released() -> None:
    index = QueueIndex()
    index.add(Work(1, 1, "chat", 0.0, reserved_for=5, reserved_until=30.0), 0.0)
    index.add(Work(2, 1, "chat", 0.0, language="en", language_strict_until=60.0), 0.0)
    assert index.next_deadline() == 30.0
    other = Agent(6, "available", {1: 1}, {"chat": 1}, languages=frozenset({"fr"}))
    assert index.pick(other, 10.0) is None
    assert [w.id for w in index.advance(30.0)] == [1]
    assert index.next_deadline() == 60.0
    assert index.pick(other, 40.0).id == 1  # type: ignore[union-attr]
    index.remove(1)
    assert [w.id for w in index.advance(60.0)] == [2]
    assert index.pick(other, 60.0).id == 2  # type: ignore[union-attr]


def test_excluded_head_is_skipped_not_lost() -> None:
    index = QueueIndex()
    index.add(Work(1, 1, "chat", 0.0, priority=5, excluded_agents=frozenset({7})), 0.0)
    index.add(Work(2, 1, "chat", 5.0), 0.0)
    a7 = Agent(7, "available", {1: 1}, {"chat": 1})
    a8 = Agent(8, "available", {1: 1}, {"chat": 1})
    assert index.pick(a7, 10.0).id == 2  # type: ignore[union-attr]
    assert index.pick(a8, 10.0).id == 1  # type: ignore[union-attr]


def test_large_index_pull_is_correct() -> None:
    index = QueueIndex()
    items = [
        Work(i, i % 20, ("chat", "email")[i % 2], float(i), 1 + i % 5, aging_seconds=300.0)
        for i in range(10_000)
    ]
    for w in items:
        index.add(w, 10_000.0)
    agent = Agent(1, "available", {3: 2, 7: 5}, {"chat": 1, "email": 0})
    assert index.pick(agent, 10_000.0) == pick_work(agent, items, 10_000.0)
