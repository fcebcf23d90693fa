"""Erlang A (M/M/N+M, Palm's model): Erlang C plus customers who give up.

Each waiting customer leaves after an exponential patience of mean
``patience_seconds`` (rate θ).  With λ arrivals/s, μ = 1/AHT and
c = Nμ/θ, the state probabilities are Poisson-like up to N busy agents and
then shrink by λ / (Nμ + kθ) for the k-th one waiting.

An arrival who finds N busy and j already waiting enters service after
V_j = Σ_{i=0..j} Exp(Nμ + iθ) (the people ahead leave by service or by
abandoning); its density is θ e^{-Nμv} (1 - e^{-θv})^j / B(c, j+1), so with
x = e^{-θt} (derivation in docs/routing.md)::

    P(served | j)                = c / (c + j + 1)
    P(served within t | j)       = c / (c + j + 1) · (1 - I_x(c + 1, j + 1))
    E[wait · 1{served} | j]      = c / (c + j + 1) · (ψ(c + j + 2) - ψ(c + 1)) / θ

(I = regularised incomplete beta, ψ = digamma).  Sums over j run in
log-space, cut where the terms fall below e^-40 of the largest.

Service level here counts every abandon as a miss: answered within t over
all arrivals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from routing.erlang import _check_agents, _check_rates, _check_target, agents_needed
from routing.errors import ConfigError

_CUT = 40.0  # drop terms below exp(-40) of the largest
_MAX_QUEUE = 5_000_000


@dataclass(frozen=True, slots=True)
class ErlangA:
    agents: int
    load: float  # Erlang
    p_wait: float  # share of arrivals who wait at all
    p_abandon: float  # share of arrivals who give up
    service_level: float  # share of arrivals answered within the target
    asa_seconds: float  # mean wait of answered contacts
    mean_wait_seconds: float  # mean time in queue of all arrivals (answered or not)
    occupancy: float


def _queue_log_weights(n: int, lam: float, mu: float, theta: float) -> np.ndarray:
    """log(π_{N+j} / π_N) for j = 0, 1, ... until negligible."""
    top = max(0.0, (lam - n * mu) / theta)  # the terms grow until j ≈ top
    size = int(top + 12.0 * math.sqrt(lam / theta + 1.0) + 64)
    while True:
        if size > _MAX_QUEUE:
            raise ConfigError("Erlang A: queue too long to compute; add agents or check rates")
        k = np.arange(1, size + 1, dtype=float)
        logs = np.concatenate(([0.0], np.cumsum(np.log(lam / (n * mu + k * theta)))))
        if logs[-1] < logs.max() - _CUT:
            keep = logs >= logs.max() - _CUT
            last = int(np.nonzero(keep)[0][-1])
            return logs[: last + 1]
        size *= 2


def erlang_a_metrics(
    agents: int,
    arrivals_per_hour: float,
    aht_seconds: float,
    patience_seconds: float,
    target_seconds: float,
) -> ErlangA:
    """All Erlang A figures for one staffing level."""
    _check_agents(agents)
    _check_rates(arrivals_per_hour, aht_seconds)
    if not patience_seconds > 0 or math.isinf(patience_seconds):
        raise ConfigError(f"patience must be positive finite seconds, got {patience_seconds}")
    if target_seconds < 0:
        raise ConfigError(f"target time cannot be negative, got {target_seconds}")
    lam, mu, theta = arrivals_per_hour / 3600.0, 1.0 / aht_seconds, 1.0 / patience_seconds
    load = lam / mu
    if lam == 0:
        return ErlangA(agents, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0)
    if agents == 0:
        return ErlangA(0, load, 1.0, 1.0, 0.0, math.inf, patience_seconds, 1.0)
    n = agents
    idx = np.arange(n + 1, dtype=float)
    log_low = idx * math.log(load) - special.gammaln(idx + 1)  # π_n / π_0, n <= N
    log_q = log_low[-1] + _queue_log_weights(n, lam, mu, theta)  # π_{N+j} / π_0
    norm = np.logaddexp(special.logsumexp(log_low[:-1]), special.logsumexp(log_q))
    p_low = np.exp(log_low[:-1] - norm)  # arrival finds a free agent
    p_q = np.exp(log_q - norm)  # arrival finds N busy and j waiting
    j = np.arange(p_q.size, dtype=float)
    c = n * mu / theta
    served = c / (c + j + 1.0)
    x = math.exp(-theta * target_seconds)
    in_time = served * (1.0 - special.betainc(c + 1.0, j + 1.0, x))
    wait_served = served * (special.digamma(c + j + 2.0) - special.digamma(c + 1.0)) / theta
    p_wait = float(p_q.sum())
    p_served = float(p_low.sum() + (p_q * served).sum())
    p_abandon = max(0.0, 1.0 - p_served)
    sl = float(p_low.sum() + (p_q * in_time).sum())
    asa = float((p_q * wait_served).sum()) / p_served if p_served > 0 else math.inf
    # Busy agents = served arrivals × AHT (Little), per agent.
    occupancy = min(1.0, load * p_served / n)
    return ErlangA(
        agents=n,
        load=load,
        p_wait=p_wait,
        p_abandon=p_abandon,
        service_level=min(1.0, sl),
        asa_seconds=asa,
        mean_wait_seconds=p_abandon * patience_seconds,  # λ·P(ab) = θ·E[Q]
        occupancy=occupancy,
    )


def agents_needed_erlang_a(
    arrivals_per_hour: float,
    aht_seconds: float,
    patience_seconds: float,
    target_share: float,
    target_seconds: float,
    *,
    max_agents: int = 100_000,
) -> int:
    """Fewest agents reaching the target when customers may give up.

    Service level rises with N, so a binary search works; the Erlang C answer
    (no one gives up) bounds it from above — abandons only shorten the queue.
    """
    _check_target(target_share, target_seconds)

    def ok(n: int) -> bool:
        m = erlang_a_metrics(n, arrivals_per_hour, aht_seconds, patience_seconds, target_seconds)
        return m.service_level >= target_share

    hi = agents_needed(arrivals_per_hour, aht_seconds, target_share, target_seconds,
                       max_agents=max_agents)
    while not ok(hi):  # guard: should not happen, but never return a failing answer
        hi += 1
        if hi > max_agents:
            raise ConfigError(f"the target needs more than {max_agents} agents")
    lo = 0  # ok(lo) is False or lo == 0
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi
