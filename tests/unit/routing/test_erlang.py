"""Erlang C and Erlang A against independent computations; staffing."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from scipy import linalg, special

from routing.erlang import (
    agents_needed,
    asa_seconds,
    erlang_b,
    erlang_c,
    erlang_c_metrics,
    offered_load,
    service_level,
)
from routing.erlang_a import erlang_a_metrics
from routing.errors import ConfigError
from routing.staffing import (
    IntervalForecast,
    agents_for_monthly_volume,
    hourly_rate_from_monthly,
    staffing_table,
)


def textbook_erlang_c(n: int, a: int) -> float:
    """The factorial formula, in exact fractions."""
    top = Fraction(a**n, math.factorial(n)) * Fraction(n, n - a)
    bottom = sum(Fraction(a**k, math.factorial(k)) for k in range(n)) + top
    return float(top / bottom)


@pytest.mark.parametrize(("n", "a"), [(2, 1), (11, 10), (12, 10), (30, 25), (60, 50)])
def test_erlang_c_matches_textbook_formula(n: int, a: int) -> None:
    assert erlang_c(n, a) == pytest.approx(textbook_erlang_c(n, a), rel=1e-12)


def test_erlang_b_small_case() -> None:
    # B(2, 1) = (1/2) / (1 + 1 + 1/2) = 0.2
    assert erlang_b(2, 1.0) == pytest.approx(0.2)
    assert erlang_b(0, 3.0) == 1.0


def test_large_n_is_stable_and_matches_log_space() -> None:
    n, a = 1000, 950.0
    log_terms = [k * math.log(a) - special.gammaln(k + 1) for k in range(n + 1)]
    log_b = log_terms[-1] - special.logsumexp(log_terms)
    assert erlang_b(n, a) == pytest.approx(math.exp(log_b), rel=1e-9)
    c = erlang_c(n, a)
    assert 0 < c < 1
    m = erlang_c_metrics(n, a * 3600 / 300, 300, 20)
    assert 0 < m.service_level < 1 and math.isfinite(m.asa_seconds)


def test_metrics_formulae() -> None:
    m = erlang_c_metrics(12, 10 * 3600 / 180, 180, 20)
    c = textbook_erlang_c(12, 10)
    assert m.load == pytest.approx(10)
    assert m.service_level == pytest.approx(1 - c * math.exp(-(12 - 10) * 20 / 180))
    assert m.asa_seconds == pytest.approx(c * 180 / 2)
    assert m.occupancy == pytest.approx(10 / 12)
    assert service_level(12, 200, 180, 20) == pytest.approx(m.service_level)
    assert asa_seconds(12, 200, 180) == pytest.approx(m.asa_seconds)


def test_saturated_queue() -> None:
    m = erlang_c_metrics(5, 3600, 5, 20)  # load 5 = agents
    assert (m.p_wait, m.service_level, m.asa_seconds) == (1.0, 0.0, math.inf)


def test_agents_needed_is_the_smallest_that_meets_the_target() -> None:
    for rate, aht in [(100, 180), (272.7, 330), (5000, 240), (30, 600)]:
        n = agents_needed(rate, aht, 0.8, 20)
        assert service_level(n, rate, aht, 20) >= 0.8
        assert n == 1 or service_level(n - 1, rate, aht, 20) < 0.8
    assert agents_needed(0, 300, 0.8, 20) == 0
    assert agents_needed(100, 180, 0.8, 20, max_occupancy=0.7) >= math.ceil(5 / 0.7)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((100, 0, 0.8, 20), "handle time"),
        ((-1, 100, 0.8, 20), "arrivals per hour"),
        ((100, 100, 1.0, 20), "100 % cannot be promised"),
        ((100, 100, 0.8, -1), "cannot be negative"),
    ],
)
def test_agents_needed_bad_input(args: tuple, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        agents_needed(*args)


def test_seed_hotline_example() -> None:
    """60,000 calls a month, Monday-Friday, 5-6 min each, 80 % in 20 s.

    Assumptions: 22 working days, 10 open hours a day (08:00-18:00), calls spread
    evenly over the day (peak factor 1), nobody hangs up.  That is 272.7 calls
    an hour, 22.7-27.3 Erlang: 28 agents at 5 min, 33 at 6 min on the phones.
    A peak hour 40 % above the average needs 37-44.
    """
    assert hourly_rate_from_monthly(60_000) == pytest.approx(272.73, abs=0.01)
    assert offered_load(hourly_rate_from_monthly(60_000), 330) == pytest.approx(25.0, abs=0.01)
    assert agents_for_monthly_volume(60_000, 300, 0.8, 20) == 28
    assert agents_for_monthly_volume(60_000, 330, 0.8, 20) == 30
    assert agents_for_monthly_volume(60_000, 360, 0.8, 20) == 33
    assert agents_for_monthly_volume(60_000, 360, 0.8, 20, peak_factor=1.4) == 44
    # Customers who hang up after ~2 min on average shorten the queue.
    assert agents_for_monthly_volume(60_000, 330, 0.8, 20, patience_seconds=120) < 30


def erlang_a_by_hand(n: int, lam: float, mu: float, theta: float, t: float) -> tuple[float, float]:
    """(P(abandon), service level) from the birth-death chain and matrix exponentials."""
    weights = [1.0]
    for k in range(1, 400):
        rate_down = min(k, n) * mu + max(0, k - n) * theta
        weights.append(weights[-1] * lam / rate_down)
    total = sum(weights)
    p = [w / total for w in weights]
    queue = sum(max(0, k - n) * pk for k, pk in enumerate(p))
    p_abandon = theta * queue / lam
    sl = sum(p[:n])
    for j in range(len(p) - n):
        if p[n + j] < 1e-14:
            break
        # Customer with j waiting ahead: states "i ahead" (0..j), then served
        # (index j+1) or gone (index j+2).  Ahead shrinks at n mu + i theta,
        # the customer leaves at theta.
        size = j + 3
        q = np.zeros((size, size))
        for i in range(j + 1):
            q[i, i - 1 if i else j + 1] += n * mu + i * theta
            q[i, j + 2] += theta
            q[i, i] = -q[i].sum()
        sl += p[n + j] * linalg.expm(q * t)[j, j + 1]
    return p_abandon, sl


@pytest.mark.parametrize(("n", "rate", "aht", "patience"), [(3, 60, 150, 60), (4, 100, 120, 200)])
def test_erlang_a_matches_the_chain(n: int, rate: float, aht: float, patience: float) -> None:
    m = erlang_a_metrics(n, rate, aht, patience, 20)
    p_ab, sl = erlang_a_by_hand(n, rate / 3600, 1 / aht, 1 / patience, 20)
    assert m.p_abandon == pytest.approx(p_ab, rel=1e-6)
    assert m.service_level == pytest.approx(sl, rel=1e-5)
    assert m.mean_wait_seconds == pytest.approx(p_ab * patience, rel=1e-6)


def test_erlang_a_tends_to_erlang_c_when_nobody_leaves() -> None:
    c = erlang_c_metrics(30, 272.7, 330, 20)
    a = erlang_a_metrics(30, 272.7, 330, 1e8, 20)
    assert a.service_level == pytest.approx(c.service_level, abs=1e-5)
    assert a.asa_seconds == pytest.approx(c.asa_seconds, rel=1e-4)
    assert a.p_wait == pytest.approx(c.p_wait, rel=1e-4)


def test_erlang_a_handles_overload_and_large_n() -> None:
    over = erlang_a_metrics(20, 400, 300, 60, 20)  # 33 Erlang on 20 agents
    assert 0.3 < over.p_abandon < 1 and over.occupancy <= 1
    big = erlang_a_metrics(1000, 1000 * 3600 / 300 * 0.97, 300, 120, 20)
    assert 0 < big.service_level <= 1 and math.isfinite(big.asa_seconds)
    with pytest.raises(ConfigError, match="patience"):
        erlang_a_metrics(3, 60, 150, 0, 20)


def test_staffing_table() -> None:
    rows = staffing_table(
        [IntervalForecast("08:00", 150, 300), IntervalForecast("09:00", 300, 300),
         IntervalForecast("10:00", 0, 300)],
        0.8, 20, agents_on=[15, 20, 2], shrinkage=0.3,
    )
    assert [r.agents_needed for r in rows] == [
        agents_needed(150, 300, 0.8, 20), agents_needed(300, 300, 0.8, 20), 0
    ]
    assert rows[1].agents_to_roster == math.ceil(rows[1].agents_needed / 0.7)
    assert rows[1].gap == 20 - rows[1].agents_needed
    assert rows[0].service_level_with_on == pytest.approx(service_level(15, 150, 300, 20))
    half_hours = staffing_table([IntervalForecast("08:00", 75, 300)], 0.8, 20,
                                interval_seconds=1800)
    assert half_hours[0].agents_needed == rows[0].agents_needed
    with pytest.raises(ConfigError, match="one figure per interval"):
        staffing_table(rows and [IntervalForecast("x", 1, 1)], 0.8, 20, agents_on=[1, 2])
    with pytest.raises(ConfigError, match="shrinkage"):
        staffing_table([], 0.8, 20, shrinkage=1.0)
