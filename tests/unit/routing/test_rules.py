"""Priorities, SLA, overflow, configuration, sticky agent, no pick-up, transfers."""

from __future__ import annotations

import math

import pytest

from routing.agents import check_agent, check_capacity, check_skills
from routing.config import GroupConfig, TenantConfig
from routing.errors import ConfigError, TransferError
from routing.hours import BusinessHours
from routing.overflow import OverflowRule, check_overflow_graph, route_group
from routing.pickup import Offer, requeue_after_no_pickup, timed_out_offers
from routing.priority import (
    PriorityRules,
    check_priority,
    effective_priority,
    initial_priority,
    static_key,
)
from routing.queue_index import QueueStats
from routing.sla import SlaTarget, WaitRecord, due_at, is_breached, service_level
from routing.sticky import reserve_for_last_agent
from routing.transfer import TransferTarget, check_transfer
from routing.types import Agent, Work

# -- priorities ---------------------------------------------------------------


def test_escalation_and_vip_map_to_priority() -> None:
    assert initial_priority() == 3
    assert [initial_priority(level) for level in (1, 2, 3)] == [2, 3, 4]
    assert initial_priority(3, vip=True) == 5
    assert initial_priority(3, vip=True, rules=PriorityRules(vip_boost=3)) == 5  # capped
    with pytest.raises(ConfigError, match="unknown escalation level 9"):
        initial_priority(9)
    with pytest.raises(ConfigError, match="priority 7"):
        PriorityRules(escalation_priority={1: 7})
    with pytest.raises(ConfigError, match="from 1"):
        check_priority(0)


def test_static_key_orders_like_effective_priority() -> None:
    items = [Work(i, 1, "chat", float(t), p, aging_seconds=60.0)
             for i, (t, p) in enumerate([(0, 1), (30, 2), (100, 5), (200, 3)])]
    by_key = sorted(items, key=lambda w: static_key(w.priority, w.enqueued_at, 60.0))
    for now in (200.0, 1_000.0, 1e6):
        by_eff = sorted(items, key=lambda w: -effective_priority(w, now))
        assert [w.id for w in by_key] == [w.id for w in by_eff]


# -- SLA ----------------------------------------------------------------------


def test_due_and_breach() -> None:
    target = SlaTarget(0.8, 30)
    assert due_at(100.0, target) == 130.0
    assert not is_breached(130.0, now=130.0)
    assert is_breached(130.0, now=131.0)
    assert not is_breached(130.0, now=500.0, answered_at=120.0)
    assert is_breached(130.0, now=500.0, answered_at=140.0)
    with pytest.raises(ConfigError):
        SlaTarget(1.5, 30)
    with pytest.raises(ConfigError):
        SlaTarget(0.8, 0)


def test_due_in_business_hours() -> None:
    hours = BusinessHours.parse({"timezone": "UTC", "weekly": {"mon": ["08:00-18:00"],
                                                              "tue": ["08:00-18:00"]}})
    monday_17 = 1_744_045_200.0  # 2025-04-07 17:00 UTC
    assert due_at(monday_17, SlaTarget(0.8, 4 * 3600), hours=hours) == monday_17 + 18 * 3600


def test_service_level_abandon_convention() -> None:
    records = [(10, True), (40, True), (3, False), (50, False), WaitRecord(20, True)]
    sl = service_level(records, 30)  # the 3 s abandon is short: excluded
    assert (sl.answered, sl.answered_in_target, sl.abandoned, sl.short_abandoned) == (3, 2, 1, 1)
    assert sl.service_level == pytest.approx(2 / 4)
    assert sl.asa_seconds == pytest.approx(70 / 3)
    assert sl.abandon_rate == pytest.approx(2 / 5)
    assert service_level(records, 30, short_abandon_seconds=0).service_level == pytest.approx(2 / 5)
    assert service_level([], 30).service_level is None
    with pytest.raises(ConfigError):
        service_level([(-1, True)], 30)


# -- overflow -----------------------------------------------------------------


def test_overflow_on_count_and_age_chained() -> None:
    groups = {
        1: GroupConfig(1, overflow=OverflowRule(2, max_waiting=5)),
        2: GroupConfig(2, overflow=OverflowRule(3, max_oldest_wait_seconds=60)),
        3: GroupConfig(3),
    }
    calm = {1: QueueStats(4, 90.0)}
    assert route_group(1, 100, groups, calm).group_id == 1
    busy = {1: QueueStats(5, 90.0), 2: QueueStats(1, 20.0)}
    r = route_group(1, 100, groups, busy)
    assert (r.group_id, r.path, r.reasons, r.overflowed) == (
        3, (1, 2, 3), ("max_waiting", "max_oldest_wait"), True
    )
    assert route_group(1, 100, groups, lambda g: QueueStats()).group_id == 1


def test_after_hours_overflow() -> None:
    day = BusinessHours.parse({"timezone": "UTC", "weekly": {"mon": ["08:00-18:00"]}})
    groups = {1: GroupConfig(1, after_hours_group=2, hours=day), 2: GroupConfig(2)}
    monday_20 = 1_744_056_000.0  # 2025-04-07 20:00 UTC
    assert route_group(1, monday_20, groups, {}).reasons == ("after_hours",)
    assert route_group(1, monday_20 - 6 * 3600, groups, {}).group_id == 1
    tenant = {1: GroupConfig(1, after_hours_group=2), 2: GroupConfig(2)}
    assert route_group(1, monday_20, tenant, {}, tenant_hours=day).group_id == 2


def test_overflow_loops_are_refused() -> None:
    loop = r"overflow loop: sales \(1\) → support \(2\) → sales \(1\)"
    with pytest.raises(ConfigError, match=loop):
        TenantConfig(groups={
            1: GroupConfig(1, "sales", overflow=OverflowRule(2, max_waiting=3)),
            2: GroupConfig(2, "support", after_hours_group=1),
        })
    with pytest.raises(ConfigError, match="overflows to itself"):
        GroupConfig(1, overflow=OverflowRule(1, max_waiting=3))
    with pytest.raises(ConfigError, match="which does not exist"):
        check_overflow_graph({1: GroupConfig(1, overflow=OverflowRule(9, max_waiting=1))})
    with pytest.raises(ConfigError, match="needs a condition"):
        OverflowRule(2)
    with pytest.raises(ConfigError, match="1 or more"):
        OverflowRule(2, max_waiting=0)


# -- configuration --------------------------------------------------------------


def test_tenant_config_from_dict() -> None:
    cfg = TenantConfig.from_dict({
        "hours": {"timezone": "Africa/Dakar", "weekly": {"mon": ["08:00-18:00"]}},
        "sla": {"chat": {"share": 0.9, "seconds": 10}, "email": [0.8, 14400]},
        "wrap_up_seconds": 20,
        "wrap_up_by_kind": {"email": 0},
        "priority": {"escalation_priority": {"1": 1, "2": 3, "3": 5}, "vip_boost": 2},
        "groups": [
            {"id": 1, "name": "sales", "strategy": "round_robin",
             "overflow": {"target_group": 2, "max_waiting": 10}},
            {"id": 2, "name": "partner", "hours": {"timezone": "Europe/Paris", "weekly": {}}},
        ],
    })
    assert cfg.sla["chat"] == SlaTarget(0.9, 10)
    assert cfg.wrap_up_for("chat") == 20 and cfg.wrap_up_for("email") == 0
    assert cfg.groups[1].strategy == "round_robin"
    assert cfg.priority.escalation_priority[3] == 5
    assert cfg.sla_due("chat", 100.0) == 110.0
    assert cfg.sla_due("fax", 100.0) is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"groups": [{"id": 1, "strategy": "random"}]}, "unknown routing strategy 'random'"),
        ({"groups": [{"id": 1, "aging_seconds": -5}]}, "aging_seconds cannot be negative"),
        ({"groups": [{"id": 1, "colour": "red"}]}, "colour"),
        ({"groups": [{"name": "x"}]}, "needs its 'id'"),
        ({"wrap_up_seconds": -1}, "wrap_up_seconds cannot be negative"),
        ({"no_pickup_seconds": {"chat": 0}}, "no pick-up time for 'chat'"),
        ({"after_hours": {"sms": "ignore"}}, "after-hours behaviour for 'sms'"),
        ({"sla": {"chat": "fast"}}, "SLA target for 'chat'"),
        ({"priority": {"vip_boost": -1}}, "vip_boost"),
        ({"hours": {"timezone": "Mars/Olympus"}}, "unknown time zone"),
    ],
)
def test_bad_config_names_the_problem(data: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        TenantConfig.from_dict(data)


def test_prepare_attaches_group_rules() -> None:
    w = Work(1, 1, "chat", 100.0, language="en")
    assert GroupConfig(1, language_wait_seconds=30).prepare(w).language_strict_until == 130.0
    assert GroupConfig(1, language_wait_seconds=None).prepare(w).language_strict_until == math.inf
    plain = GroupConfig(1, aging_seconds=None).prepare(Work(2, 1, "chat", 100.0))
    assert plain.language_strict_until == 0.0 and plain.aging_seconds is None


def test_agent_checks() -> None:
    with pytest.raises(ConfigError, match="capacity for 'chat' cannot be negative"):
        check_capacity({"chat": -1})
    with pytest.raises(ConfigError, match="total capacity"):
        check_capacity({"chat": 1}, -2)
    with pytest.raises(ConfigError, match="must be 1-5"):
        check_skills({1: 6})
    with pytest.raises(ConfigError, match="presence"):
        check_agent(Agent(1, "lunch", {1: 1}, {"chat": 1}))  # type: ignore[arg-type]
    assert check_agent(Agent(1, "away", {1: 1}, {"chat": 1}))


# -- sticky, no pick-up, transfer -------------------------------------------------


def test_sticky_reservation() -> None:
    agents = {
        7: Agent(7, "available", {1: 2}, {"chat": 1}, load={"chat": 1}),
        8: Agent(8, "offline", {1: 2}, {"chat": 1}),
    }
    w = Work(1, 1, "chat", 100.0)
    held = reserve_for_last_agent(w, 7, agents, 100.0, 45.0)
    assert (held.reserved_for, held.reserved_until) == (7, 145.0)
    assert reserve_for_last_agent(w, 8, agents, 100.0, 45.0) is w  # offline: no point
    assert reserve_for_last_agent(w, 9, agents, 100.0, 45.0) is w
    assert reserve_for_last_agent(w, 7, agents, 100.0, 0.0) is w
    unskilled = Work(2, 2, "chat", 0.0)
    assert reserve_for_last_agent(unskilled, 7, agents, 100.0, 45.0).reserved_for is None


def test_no_pickup_timeouts() -> None:
    offers = [Offer(1, 7, "chat", 100.0), Offer(2, 8, "chat", 80.0), Offer(3, 9, "email", 0.0)]
    assert [o.work_id for o in timed_out_offers(offers, 130.0)] == [2]  # 100+30 is not < 130
    assert [o.work_id for o in timed_out_offers(offers, 131.0)] == [2, 1]
    assert [o.work_id for o in timed_out_offers(offers, 131.0, 10)] == [3, 2, 1]
    again = requeue_after_no_pickup(Work(1, 1, "chat", 5.0, reserved_for=7, reserved_until=9.0), 7)
    assert again.excluded_agents == {7} and again.reserved_for is None and again.enqueued_at == 5.0


def test_transfer_checks() -> None:
    agents = {
        1: Agent(1, "available", {1: 3, 2: 1}, {"chat": 1}),
        2: Agent(2, "available", {1: 3}, {"email": 2}),
        3: Agent(3, "offline", {2: 3}, {"chat": 1}),
    }
    w = Work(10, 1, "chat", 0.0)
    ok = check_transfer(w, TransferTarget(group_id=2, agent_id=1, reason="billing"),
                        groups={1, 2}, agents=agents, now=5.0, current_agent_id=2)
    assert (ok.group_id, ok.agent_id, ok.agent_can_take_now) == (2, 1, True)
    group_only = check_transfer(w, TransferTarget(group_id=2, reason="x"), groups={1, 2},
                                agents=agents, now=5.0, current_agent_id=1)
    assert group_only.agent_id is None

    def refused(target: TransferTarget, message: str) -> None:
        with pytest.raises(TransferError, match=message):
            check_transfer(w, target, groups={1, 2}, agents=agents, now=5.0, current_agent_id=1)

    refused(TransferTarget(group_id=2), "needs a reason")
    refused(TransferTarget(reason="x"), "target group or agent")
    refused(TransferTarget(group_id=9, reason="x"), "group 9 does not exist")
    refused(TransferTarget(agent_id=9, reason="x"), "agent 9 does not exist")
    refused(TransferTarget(agent_id=1, reason="x"), "already holds")
    refused(TransferTarget(group_id=2, agent_id=2, reason="x"), "does not have the skill")
    refused(TransferTarget(agent_id=2, reason="x"), "does not take chat")
    refused(TransferTarget(group_id=2, agent_id=3, reason="x"), "offline")
