"""Push and pull decisions of the linear engine."""

from __future__ import annotations

import math

from routing.engine import can_take, free_slots, pick_agent, pick_work
from routing.types import Agent, Work


def agent(i: int, **kw: object) -> Agent:
    base: dict[str, object] = {
        "presence": "available",
        "skills": {1: 3},
        "capacity": {"chat": 2, "email": 3},
    }
    base.update(kw)
    return Agent(i, **base)  # type: ignore[arg-type]


def work(i: int = 1, **kw: object) -> Work:
    base: dict[str, object] = {"group_id": 1, "kind": "chat", "enqueued_at": 100.0}
    base.update(kw)
    return Work(i, **base)  # type: ignore[arg-type]


def test_free_slots_respects_kind_and_total() -> None:
    a = agent(1, load={"chat": 1, "email": 1}, total_capacity=3)
    assert free_slots(a, "chat") == 1
    assert free_slots(a, "email") == 1  # total 3 - 2 held
    assert free_slots(a, "sms") == 0
    full = agent(2, load={"chat": 2, "email": 1}, total_capacity=3)
    assert free_slots(full, "email") == 0


def test_can_take_needs_presence_skill_capacity_and_no_wrap_up() -> None:
    w = work()
    assert can_take(agent(1), w, 200)
    assert not can_take(agent(1, presence="away"), w, 200)
    assert not can_take(agent(1, presence="offline"), w, 200)
    assert not can_take(agent(1, skills={2: 5}), w, 200)
    assert not can_take(agent(1, load={"chat": 2}), w, 200)
    assert not can_take(agent(1, wrap_up_until=201.0), w, 200)
    assert can_take(agent(1, wrap_up_until=200.0), w, 200)


def test_language_is_strict_until_its_deadline_then_soft() -> None:
    w = work(language="wo", language_strict_until=130.0)
    french = agent(1, languages=frozenset({"fr"}))
    wolof = agent(2, languages=frozenset({"fr", "wo"}))
    assert not can_take(french, w, 120)
    assert can_take(wolof, w, 120)
    assert can_take(french, w, 130)
    hard = work(language="wo", language_strict_until=math.inf)
    assert not can_take(french, hard, 1e12)


def test_reservation_and_exclusion() -> None:
    w = work(reserved_for=2, reserved_until=150.0, excluded_agents=frozenset({3}))
    assert not can_take(agent(1), w, 149)
    assert can_take(agent(2), w, 149)
    assert can_take(agent(1), w, 150)
    assert not can_take(agent(3), w, 1000)


def test_pick_agent_prefers_level_then_longest_idle() -> None:
    agents = [
        agent(1, skills={1: 2}, idle_since=10.0),
        agent(2, skills={1: 4}, idle_since=50.0),
        agent(3, skills={1: 4}, idle_since=20.0),
        agent(4, skills={2: 5}, idle_since=0.0),  # unskilled for group 1
    ]
    assert pick_agent(work(), agents, 200).id == 3  # type: ignore[union-attr]
    flat = pick_agent(work(), agents, 200, prefer_level=False)
    assert flat is not None and flat.id == 1


def test_pick_agent_never_unskilled_and_none_when_nobody_fits() -> None:
    assert pick_agent(work(), [agent(1, skills={2: 5})], 0) is None
    assert pick_agent(work(), [], 0) is None


def test_pick_agent_prefers_speakers_after_strict_period() -> None:
    w = work(language="en", language_strict_until=0.0)
    agents = [
        agent(1, skills={1: 5}, languages=frozenset({"fr"})),
        agent(2, skills={1: 1}, languages=frozenset({"fr", "en"})),
    ]
    assert pick_agent(w, agents, 200).id == 2  # type: ignore[union-attr]
    assert pick_agent(w, agents[:1], 200).id == 1  # type: ignore[union-attr]


def test_least_occupied() -> None:
    agents = [
        agent(1, load={"chat": 1}, idle_since=0.0),
        agent(2, load={"email": 2}, idle_since=5.0),
        agent(3, load={}, idle_since=9.0),
    ]
    assert pick_agent(work(), agents, 200, strategy="least_occupied").id == 3  # type: ignore[union-attr]


def test_round_robin_cycles_from_cursor() -> None:
    agents = [agent(i) for i in (5, 2, 9)]
    order = []
    cursor = None
    for _ in range(4):
        chosen = pick_agent(work(), agents, 0, strategy="round_robin", last_agent_id=cursor)
        assert chosen is not None
        order.append(chosen.id)
        cursor = chosen.id
    assert order == [2, 5, 9, 2]


def test_pick_agent_exclude() -> None:
    agents = [agent(1, idle_since=0.0), agent(2, idle_since=1.0)]
    assert pick_agent(work(), agents, 0, exclude={1}).id == 2  # type: ignore[union-attr]


def test_pick_work_priority_then_age_then_reserved_first() -> None:
    a = agent(7)
    waiting = [
        work(1, enqueued_at=10.0, priority=3),
        work(2, enqueued_at=20.0, priority=5),
        work(3, enqueued_at=5.0, priority=3),
        work(4, group_id=2, enqueued_at=0.0, priority=5),  # not a's group
    ]
    assert pick_work(a, waiting, 100).id == 2  # type: ignore[union-attr]
    assert pick_work(a, waiting[:1] + waiting[2:], 100).id == 3  # type: ignore[union-attr]
    mine = work(9, enqueued_at=99.0, priority=1, reserved_for=7, reserved_until=200.0)
    assert pick_work(a, [*waiting, mine], 100).id == 9  # type: ignore[union-attr]
    # Once the reservation ran out it is ordinary low-priority work again.
    assert pick_work(a, [*waiting, mine], 300).id == 2  # type: ignore[union-attr]


def test_aging_lets_old_low_priority_work_overtake() -> None:
    a = agent(1)
    old_low = work(1, enqueued_at=0.0, priority=1, aging_seconds=60.0)
    new_high = work(2, enqueued_at=100.0, priority=3, aging_seconds=60.0)
    # t=100: 1 + 100/60 = 2.67 against 3 + 0 = 3, the new urgent one goes first.
    assert pick_work(a, [old_low, new_high], 100).id == 2  # type: ignore[union-attr]
    # t=200: 1 + 200/60 = 4.33 against 3 + 70/60 = 4.17, the old one has caught up.
    later = work(3, enqueued_at=130.0, priority=3, aging_seconds=60.0)
    assert pick_work(a, [old_low, later], 200).id == 1  # type: ignore[union-attr]


def test_pick_work_respects_capacity_per_kind() -> None:
    a = agent(1, load={"chat": 2})
    waiting = [work(1, kind="chat", priority=5), work(2, kind="email", priority=1)]
    assert pick_work(a, waiting, 200).id == 2  # type: ignore[union-attr]
