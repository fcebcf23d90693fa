"""Erlang C (M/M/N): probability of waiting, service level, ASA, staffing.

Assumptions of the model: Poisson arrivals at a steady rate, exponential
handle times, N identical agents, an infinite queue, nobody abandons, first
come first served.  Offered load ``A = arrivals_per_second × AHT`` Erlang.

Numerics: the Erlang B recursion ``B(n) = A·B(n-1) / (n + A·B(n-1))`` stays
in [0, 1] for any N (no factorials, no overflow), and
``C = N·B / (N - A·(1 - B))``.  Fine for N in the thousands.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from routing.errors import ConfigError


def offered_load(arrivals_per_hour: float, aht_seconds: float) -> float:
    """Traffic in Erlang: how many agents would be busy on average."""
    _check_rates(arrivals_per_hour, aht_seconds)
    return arrivals_per_hour * aht_seconds / 3600.0


def _check_rates(arrivals_per_hour: float, aht_seconds: float) -> None:
    if not arrivals_per_hour >= 0 or math.isinf(arrivals_per_hour):
        raise ConfigError(
            f"arrivals per hour must be a finite number >= 0, got {arrivals_per_hour}"
        )
    if not aht_seconds > 0 or math.isinf(aht_seconds):
        raise ConfigError(f"average handle time must be positive seconds, got {aht_seconds}")


def _check_agents(agents: int) -> None:
    if isinstance(agents, bool) or not isinstance(agents, int) or agents < 0:
        raise ConfigError(f"agents must be a whole number >= 0, got {agents!r}")


def erlang_b(agents: int, load: float) -> float:
    """Blocking probability of N servers with no queue (M/M/N/N)."""
    _check_agents(agents)
    b = 1.0
    for n in range(1, agents + 1):
        b = load * b / (n + load * b)
    return b


def _c_from_b(agents: int, load: float, b: float) -> float:
    if agents <= load:
        return 1.0
    return agents * b / (agents - load * (1.0 - b))


def erlang_c(agents: int, load: float) -> float:
    """Probability that an arriving contact waits (1.0 when N <= A: the queue grows)."""
    return _c_from_b(agents, load, erlang_b(agents, load))


@dataclass(frozen=True, slots=True)
class ErlangC:
    agents: int
    load: float  # Erlang
    p_wait: float
    service_level: float  # share answered within target_seconds
    asa_seconds: float  # mean wait over all contacts (inf when N <= A)
    occupancy: float  # share of agent time busy (1.0 when saturated)


def _metrics(agents: int, load: float, aht: float, target: float, p_wait: float) -> ErlangC:
    if agents <= load:
        return ErlangC(agents, load, 1.0, 0.0, math.inf, 1.0)
    spare = agents - load
    sl = 1.0 - p_wait * math.exp(-spare * target / aht)
    asa = p_wait * aht / spare
    return ErlangC(agents, load, p_wait, max(0.0, sl), asa, load / agents)


def erlang_c_metrics(
    agents: int, arrivals_per_hour: float, aht_seconds: float, target_seconds: float
) -> ErlangC:
    """All Erlang C figures for one staffing level."""
    if target_seconds < 0:
        raise ConfigError(f"target time cannot be negative, got {target_seconds}")
    load = offered_load(arrivals_per_hour, aht_seconds)
    return _metrics(agents, load, aht_seconds, target_seconds, erlang_c(agents, load))


def service_level(
    agents: int, arrivals_per_hour: float, aht_seconds: float, target_seconds: float
) -> float:
    return erlang_c_metrics(agents, arrivals_per_hour, aht_seconds, target_seconds).service_level


def asa_seconds(agents: int, arrivals_per_hour: float, aht_seconds: float) -> float:
    return erlang_c_metrics(agents, arrivals_per_hour, aht_seconds, 0.0).asa_seconds


def _check_target(target_share: float, target_seconds: float) -> None:
    if not 0 < target_share < 1:
        raise ConfigError(
            f"target share must be between 0 and 1 (e.g. 0.8), got {target_share}; "
            "100 % cannot be promised under random arrivals"
        )
    if target_seconds < 0:
        raise ConfigError(f"target time cannot be negative, got {target_seconds}")


def agents_needed(
    arrivals_per_hour: float,
    aht_seconds: float,
    target_share: float,
    target_seconds: float,
    *,
    patience_seconds: float | None = None,
    max_occupancy: float | None = None,
    max_agents: int = 100_000,
) -> int:
    """Fewest agents that reach "``target_share`` answered within
    ``target_seconds``" (Erlang C, or Erlang A when ``patience_seconds`` is
    given), and keep occupancy at or under ``max_occupancy`` if set.

    Counts agents on the phones: divide by ``1 - shrinkage`` to roster.
    """
    _check_target(target_share, target_seconds)
    load = offered_load(arrivals_per_hour, aht_seconds)
    if load == 0:
        return 0
    if max_occupancy is not None and not 0 < max_occupancy <= 1:
        raise ConfigError(f"max occupancy must be in (0, 1], got {max_occupancy}")
    floor_occ = 0 if max_occupancy is None else math.ceil(load / max_occupancy - 1e-9)
    if patience_seconds is not None:
        from routing.erlang_a import agents_needed_erlang_a

        n = agents_needed_erlang_a(
            arrivals_per_hour, aht_seconds, patience_seconds, target_share, target_seconds,
            max_agents=max_agents,
        )
        return max(n, floor_occ)
    # Walk N upwards, carrying the Erlang B recursion along: O(answer) in total.
    b = 1.0
    for n in range(1, max_agents + 1):
        b = load * b / (n + load * b)
        if n <= load or n < floor_occ:
            continue
        p_wait = _c_from_b(n, load, b)
        if _metrics(n, load, aht_seconds, target_seconds, p_wait).service_level >= target_share:
            return n
    raise ConfigError(f"the target needs more than {max_agents} agents")
