"""Calendar and target helpers for the supervisor's figures.

Days, months and hours are the tenant's (``Africa/Dakar`` by default) and are cut
in Python, never with a database's date functions: SQLite and PostgreSQL then agree,
and the database only ever compares UTC timestamps.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.errors import Invalid
from app.models import Tenant
from routing.errors import ConfigError
from routing.sla import DEFAULT_SHORT_ABANDON_SECONDS, DEFAULT_SLA_TARGETS, SlaTarget

CHANNEL_KINDS = ("chat", "sms", "email", "callback")
# The longest report we compute in one request (a year and a day, for leap years).
MAX_REPORT_DAYS = 367


def tenant_zone(tenant: Tenant) -> ZoneInfo:
    try:
        return ZoneInfo(tenant.timezone or "Africa/Dakar")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Africa/Dakar")


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant a local day starts (zoneinfo resolves DST gaps forward)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Period:
    """Local days ``first`` to ``last`` inclusive, as a half-open UTC interval."""

    first: date
    last: date
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def period(first: date, last: date, zone: ZoneInfo) -> Period:
    if last < first:
        raise Invalid("the end date is before the start date")
    if (last - first).days + 1 > MAX_REPORT_DAYS:
        raise Invalid(f"a report covers at most {MAX_REPORT_DAYS} days")
    if last >= date.max - timedelta(days=1):
        raise Invalid("that date is too far in the future")
    if first.year < 1970:
        raise Invalid("dates before 1970 hold no contacts")
    return Period(first, last, local_midnight(first, zone),
                  local_midnight(last + timedelta(days=1), zone))


def month_period(month: str, zone: ZoneInfo) -> Period:
    """``"2026-03"`` → the whole of March in the tenant's time zone."""
    try:
        year_s, month_s = month.split("-")
        first = date(int(year_s), int(month_s), 1)
    except ValueError:
        raise Invalid("month must look like 2026-03") from None
    if first.year >= 9999:
        raise Invalid("that month is too far in the future")
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return period(first, following - timedelta(days=1), zone)


def today(now: datetime, zone: ZoneInfo) -> Period:
    day = now.astimezone(zone).date()
    return period(day, day, zone)


def local_hour(moment: datetime, zone: ZoneInfo) -> int:
    return moment.astimezone(zone).hour


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def sla_targets(tenant: Tenant) -> dict[str, SlaTarget]:
    """The tenant's service-level target per channel kind.

    Read from the routing rules (``settings["routing"]["sla"]``) or a plain
    ``settings["sla"]``, shape ``{"chat": {"share": 0.8, "seconds": 30}}``; a channel
    without a valid target of its own gets ``routing.sla.DEFAULT_SLA_TARGETS``.
    Kept in this one function so the source of targets can change in one place.
    """
    settings: Mapping[str, Any] = tenant.settings or {}
    routing_rules = settings.get("routing")
    raw = routing_rules.get("sla") if isinstance(routing_rules, Mapping) else None
    if not isinstance(raw, Mapping):
        raw = settings.get("sla")
    targets = dict(DEFAULT_SLA_TARGETS)
    if isinstance(raw, Mapping):
        for kind, value in raw.items():
            try:
                targets[str(kind)] = SlaTarget(float(value["share"]), float(value["seconds"]))
            except (ConfigError, TypeError, ValueError, KeyError):
                continue  # an unreadable target keeps the default rather than hide the board
    return targets


def short_abandon_seconds(tenant: Tenant) -> float:
    value = (tenant.settings or {}).get("short_abandon_seconds")
    try:
        seconds = float(value) if value is not None else DEFAULT_SHORT_ABANDON_SECONDS
    except (TypeError, ValueError):
        return DEFAULT_SHORT_ABANDON_SECONDS
    return seconds if seconds >= 0 and math.isfinite(seconds) else DEFAULT_SHORT_ABANDON_SECONDS


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def p90(values: Sequence[float]) -> float | None:
    """Nearest rank: at least 90 % of the values are at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None
