"""The simulator: contract shape, determinism, and agreement with Erlang C / A.

Sizes: the unmarked agreement runs simulate ~300,000 calls (a few seconds);
at that length the standard deviation of the simulated service level is about
0.35 percentage point for these loads (measured over seeds), so the 1-point
tolerance is close to three standard deviations.
"""

from __future__ import annotations

import statistics

import pytest

from routing.config import GroupConfig
from routing.errors import ConfigError
from routing.overflow import OverflowRule
from routing.simulator import Scenario, Stream, simulate, simulate_center
from routing.types import Agent

CONTRACT_KEYS = {"service_level", "asa_seconds", "abandon_rate", "occupancy", "offered", "erlang_c"}


def test_as_dict_is_the_contract_shape_and_runs_are_reproducible() -> None:
    a = simulate(4, 100, 120, 20, 5, seed=7)
    d = a.as_dict()
    assert set(d) == CONTRACT_KEYS
    assert set(d["erlang_c"]) == {"service_level", "asa_seconds"}
    assert d == simulate(4, 100, 120, 20, 5, seed=7).as_dict()
    assert d["abandon_rate"] == 0.0 and d["offered"] > 300
    assert 0 <= d["service_level"] <= 1 and 0 < d["occupancy"] < 1


def test_saturated_run_has_no_finite_erlang_asa() -> None:
    d = simulate(2, 200, 60, 20, 1, seed=1).as_dict()  # 3.3 Erlang on 2 agents
    assert d["erlang_c"]["service_level"] == 0.0 and d["erlang_c"]["asa_seconds"] is None


def test_agrees_with_erlang_c_on_a_long_mmn_run() -> None:
    """8 agents, 5.6 Erlang, 80-90 % band: simulated SL within 1 point."""
    r = simulate(8, 201.6, 100, 30, 1500, seed=2024, warmup_hours=2)
    assert r.offered > 290_000
    assert r.erlang_c_service_level is not None and r.erlang_c_asa_seconds is not None
    assert abs(r.service_level - r.erlang_c_service_level) < 0.01
    assert r.asa_seconds == pytest.approx(r.erlang_c_asa_seconds, rel=0.08)
    assert r.occupancy == pytest.approx(5.6 / 8, abs=0.01)


def test_agrees_with_erlang_a_when_customers_give_up() -> None:
    r = simulate(10, 160, 180, 20, 600, patience_seconds=120, seed=99)
    assert r.erlang_a is not None
    assert abs(r.service_level - r.erlang_a.service_level) < 0.01
    assert abs(r.abandon_rate - r.erlang_a.p_abandon) < 0.005
    assert r.asa_seconds == pytest.approx(r.erlang_a.asa_seconds, rel=0.08)


def test_several_groups_skills_overflow_and_lognormal() -> None:
    agents = [
        Agent(1, "available", {1: 5}, {"chat": 2}),
        Agent(2, "available", {1: 3, 2: 3}, {"chat": 2, "email": 3}, total_capacity=3),
        Agent(3, "available", {2: 5}, {"email": 4}),
        Agent(4, "available", {3: 2}, {"chat": 1}, languages=frozenset({"en"})),
    ]
    groups = {
        1: GroupConfig(1, "sales", overflow=OverflowRule(3, max_waiting=4)),
        2: GroupConfig(2, "support", strategy="least_occupied"),
        3: GroupConfig(3, "partner", strategy="round_robin"),
    }
    streams = [
        Stream(1, "chat", 40, 240, "lognormal", lognormal_cv=0.8, patience_seconds=300),
        Stream(2, "email", 20, 600),
        Stream(1, "chat", 5, 240, language="en", priority=5),
    ]
    r = simulate_center(Scenario(agents, streams, 40, {1: 30, 2: 3600, 3: 30}, groups, seed=3,
                                 wrap_up_seconds=10))
    assert r.offered == sum(g.offered for g in r.groups.values())
    assert set(r.groups) <= {1, 2, 3}
    assert r.groups[2].abandoned == 0 and r.groups[2].answered == r.groups[2].offered
    assert 0 < r.occupancy < 1 and r.events > 3 * r.offered
    assert "groups" in r.details()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"agents": 0}, "agents must be 1 or more"),
        ({"hours": 0}, "hours must be positive"),
        ({"aht_seconds": 0}, "handle time must be positive"),
        ({"patience_seconds": -3}, "patience"),
    ],
)
def test_bad_simulation_input(kwargs: dict, message: str) -> None:
    args = {"agents": 3, "arrivals_per_hour": 60, "aht_seconds": 120, "target_seconds": 20,
            "hours": 1} | kwargs
    with pytest.raises(ConfigError, match=message):
        simulate(**args)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("agents", "rate", "aht", "target"),
    [(10, 160, 180, 20), (20, 180, 300, 20), (5, 210, 60, 20), (50, 900, 180, 15)],
)
def test_agreement_over_seeds(agents: int, rate: float, aht: float, target: float) -> None:
    """Mean over independent seeds within 0.5 point of Erlang C."""
    runs = [simulate(agents, rate, aht, target, 300_000 / rate, seed=1000 + s, warmup_hours=2)
            for s in range(8)]
    mean = statistics.mean(r.service_level for r in runs)
    assert runs[0].erlang_c_service_level is not None
    assert abs(mean - runs[0].erlang_c_service_level) < 0.005
