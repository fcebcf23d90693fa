"""Service-level targets, due times and the service-level figure.

A target ``SlaTarget(share=0.8, seconds=30)`` reads "80 % answered within
30 s".  An interaction's due time is its start plus ``seconds`` — the start
being its creation, or for a call-back the time the customer asked to be
called — optionally counting only business hours.

Service level, the convention used everywhere in Teranga::

    SL = answered within T / (answered + abandoned after the short-abandon threshold)

- an abandon counts as a miss (the customer was not answered);
- *short abandons*, customers who left within ``short_abandon_seconds``
  (default 5 s), are dropped from both numerator and denominator: they gave
  up before anyone could have answered (misdials, second thoughts);
- ``short_abandon_seconds=0`` counts every abandon.

The Erlang C comparison in the simulator has no abandonment, so there all
conventions agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from routing.errors import ConfigError
from routing.hours import BusinessHours

DEFAULT_SHORT_ABANDON_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class SlaTarget:
    share: float  # 0 < share <= 1
    seconds: float  # > 0

    def __post_init__(self) -> None:
        if not 0 < self.share <= 1:
            raise ConfigError(f"SLA share must be in (0, 1], e.g. 0.8 for 80 %, got {self.share}")
        if not self.seconds > 0:
            raise ConfigError(f"SLA time must be positive seconds, got {self.seconds}")


# Defaults of the seed: chat 80 % in 30 s, SMS 15 min, email 4 h, call-back
# 10 min after the requested time.
DEFAULT_SLA_TARGETS: Mapping[str, SlaTarget] = {
    "chat": SlaTarget(0.8, 30),
    "sms": SlaTarget(0.8, 15 * 60),
    "email": SlaTarget(0.8, 4 * 3600),
    "callback": SlaTarget(0.8, 10 * 60),
}


def due_at(
    start: float, target: SlaTarget, *, hours: BusinessHours | None = None
) -> float:
    """When the interaction must have been answered.  With ``hours`` the clock
    only runs while open (an email at 17:55 with a 4 h target is due the next
    morning, not at 21:55)."""
    if hours is None:
        return start + target.seconds
    return hours.add_open_seconds(start, target.seconds)


def is_breached(due: float, now: float, answered_at: float | None = None) -> bool:
    """Past due without an answer, or answered after the due time."""
    return (answered_at if answered_at is not None else now) > due


@dataclass(frozen=True, slots=True)
class WaitRecord:
    wait_seconds: float  # until answer, or until the customer left
    answered: bool  # False: abandoned


@dataclass(frozen=True, slots=True)
class ServiceLevel:
    service_level: float | None  # None when nothing counts yet
    answered: int
    answered_in_target: int
    abandoned: int  # counted abandons (after the short-abandon threshold)
    short_abandoned: int
    asa_seconds: float | None  # mean wait of answered contacts

    @property
    def abandon_rate(self) -> float | None:
        offered = self.answered + self.abandoned + self.short_abandoned
        return None if not offered else (self.abandoned + self.short_abandoned) / offered


def service_level(
    records: Iterable[WaitRecord | tuple[float, bool]],
    target_seconds: float,
    *,
    short_abandon_seconds: float = DEFAULT_SHORT_ABANDON_SECONDS,
) -> ServiceLevel:
    """Service level of finished contacts under the convention of this module."""
    if target_seconds < 0 or short_abandon_seconds < 0:
        raise ConfigError("target and short-abandon threshold must not be negative")
    answered = in_target = abandoned = short = 0
    total_wait = 0.0
    for record in records:
        wait, was_answered = (
            (record.wait_seconds, record.answered) if isinstance(record, WaitRecord) else record
        )
        if wait < 0:
            raise ConfigError(f"a wait cannot be negative, got {wait}")
        if was_answered:
            answered += 1
            total_wait += wait
            in_target += wait <= target_seconds
        elif wait < short_abandon_seconds:
            short += 1
        else:
            abandoned += 1
    counted = answered + abandoned
    return ServiceLevel(
        service_level=in_target / counted if counted else None,
        answered=answered,
        answered_in_target=in_target,
        abandoned=abandoned,
        short_abandoned=short,
        asa_seconds=total_wait / answered if answered else None,
    )
