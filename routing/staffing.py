"""Staffing for the supervisor: agents needed per interval, against agents on.

Also the seed's question — "a hotline of 60,000 calls a month, Monday to
Friday, 5-6 minutes each: how many agents for 80 % in 20 s?" — through
:func:`hourly_rate_from_monthly`, whose assumptions are its parameters:
working days per month (22 Monday-Friday days), open hours per day (10, e.g.
08:00-18:00) and a peak factor for the busiest hour (1.0 = calls spread evenly,
which real days never are; 1.3-1.5 is common for the peak hour).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from routing.erlang import agents_needed, erlang_c_metrics
from routing.erlang_a import erlang_a_metrics
from routing.errors import ConfigError


@dataclass(frozen=True, slots=True)
class IntervalForecast:
    label: str  # e.g. "08:00"
    offered: float  # contacts expected in the interval
    aht_seconds: float


@dataclass(frozen=True, slots=True)
class StaffingRow:
    label: str
    offered: float
    aht_seconds: float
    load_erlangs: float
    agents_needed: int  # on the phones, for the target
    agents_to_roster: int  # agents_needed / (1 - shrinkage), rounded up
    agents_on: int | None
    service_level_with_on: float | None  # forecast with the agents on
    gap: int | None  # agents_on - agents_needed (negative: short)


def staffing_table(
    intervals: Sequence[IntervalForecast],
    target_share: float,
    target_seconds: float,
    *,
    agents_on: Sequence[int] | None = None,
    interval_seconds: float = 3600.0,
    patience_seconds: float | None = None,
    shrinkage: float = 0.0,
    max_occupancy: float | None = None,
) -> list[StaffingRow]:
    """One row per interval: offered, AHT, agents needed, agents on, forecast SL."""
    if agents_on is not None and len(agents_on) != len(intervals):
        raise ConfigError("agents_on needs one figure per interval")
    if not 0 <= shrinkage < 1:
        raise ConfigError(f"shrinkage must be in [0, 1), got {shrinkage}")
    if not interval_seconds > 0:
        raise ConfigError(f"interval length must be positive seconds, got {interval_seconds}")
    rows = []
    for i, iv in enumerate(intervals):
        if iv.offered < 0:
            raise ConfigError(f"{iv.label}: offered contacts cannot be negative")
        per_hour = iv.offered * 3600.0 / interval_seconds
        needed = agents_needed(
            per_hour, iv.aht_seconds, target_share, target_seconds,
            patience_seconds=patience_seconds, max_occupancy=max_occupancy,
        )
        on = None if agents_on is None else agents_on[i]
        sl = None
        if on is not None:
            if patience_seconds is None:
                sl = erlang_c_metrics(on, per_hour, iv.aht_seconds, target_seconds).service_level
            else:
                sl = erlang_a_metrics(
                    on, per_hour, iv.aht_seconds, patience_seconds, target_seconds
                ).service_level
        rows.append(
            StaffingRow(
                label=iv.label,
                offered=iv.offered,
                aht_seconds=iv.aht_seconds,
                load_erlangs=per_hour * iv.aht_seconds / 3600.0,
                agents_needed=needed,
                agents_to_roster=math.ceil(needed / (1.0 - shrinkage) - 1e-9),
                agents_on=on,
                service_level_with_on=sl,
                gap=None if on is None else on - needed,
            )
        )
    return rows


def hourly_rate_from_monthly(
    contacts_per_month: float,
    *,
    working_days_per_month: float = 22.0,
    open_hours_per_day: float = 10.0,
    peak_factor: float = 1.0,
) -> float:
    """Arrivals per hour in the hour being staffed."""
    if contacts_per_month < 0:
        raise ConfigError("contacts per month cannot be negative")
    if not working_days_per_month > 0 or not open_hours_per_day > 0:
        raise ConfigError("working days and open hours must be positive")
    if not peak_factor >= 1.0:
        raise ConfigError(f"peak factor must be 1.0 or more, got {peak_factor}")
    return contacts_per_month / working_days_per_month / open_hours_per_day * peak_factor


def agents_for_monthly_volume(
    contacts_per_month: float,
    aht_seconds: float,
    target_share: float,
    target_seconds: float,
    *,
    working_days_per_month: float = 22.0,
    open_hours_per_day: float = 10.0,
    peak_factor: float = 1.0,
    patience_seconds: float | None = None,
) -> int:
    """Agents on the phones for a monthly volume (the seed's hotline question)."""
    rate = hourly_rate_from_monthly(
        contacts_per_month,
        working_days_per_month=working_days_per_month,
        open_hours_per_day=open_hours_per_day,
        peak_factor=peak_factor,
    )
    return agents_needed(
        rate, aht_seconds, target_share, target_seconds, patience_seconds=patience_seconds
    )
