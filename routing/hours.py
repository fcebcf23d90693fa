"""Business hours of a tenant (or of one group): time zone, windows per
weekday, public holidays.

A window is ``[start, end)`` in local wall-clock time, ``"24:00"`` allowed as
an end; a window never crosses midnight (write two).  Adjacent windows
(``12:00-14:00`` then ``14:00-18:00``, or ``…-24:00`` then ``00:00-…`` the
next day) are one open stretch.  A holiday closes the whole local date.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from routing.errors import ConfigError

DAY = 86_400
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = {name: i for i, name in enumerate(WEEKDAYS)} | {
    full: i
    for i, full in enumerate(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    )
}
_HHMM = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")
_HORIZON_DAYS = 400  # how far next_open / next_close look before giving up

Window = tuple[int, int]  # seconds after local midnight, [start, end)


def parse_clock(text: str, *, is_end: bool = False) -> int:
    """``"08:30"`` -> seconds after midnight; ``"24:00"`` only as an end."""
    match = _HHMM.match(text) if isinstance(text, str) else None
    if not match:
        raise ConfigError(f"cannot read time {text!r}: expected HH:MM, e.g. 08:30")
    hours, minutes = int(match[1]), int(match[2])
    if minutes > 59 or hours > 24 or (hours == 24 and (minutes or not is_end)):
        raise ConfigError(
            f"time {text!r} does not exist: hours run 00-23 (24:00 only as an end), "
            "minutes 00-59"
        )
    return hours * 3600 + minutes * 60


def parse_window(spec: str | Sequence[str]) -> Window:
    """``"08:00-12:00"`` or ``("08:00", "12:00")`` -> a window."""
    if isinstance(spec, str):
        parts = spec.split("-")
        if len(parts) != 2:
            raise ConfigError(f"cannot read window {spec!r}: expected HH:MM-HH:MM")
    else:
        parts = list(spec)
        if len(parts) != 2:
            raise ConfigError(f"a window needs a start and an end, got {spec!r}")
    start, end = parse_clock(parts[0]), parse_clock(parts[1], is_end=True)
    if end <= start:
        raise ConfigError(
            f"window {spec!r} ends before it starts; split a window that crosses "
            "midnight into two (…-24:00 and 00:00-…)"
        )
    return start, end


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def _check_windows(day: int, windows: Iterable[Window]) -> tuple[Window, ...]:
    ordered = tuple(sorted(windows))
    for start, end in ordered:
        if not 0 <= start < end <= DAY:
            raise ConfigError(f"{WEEKDAYS[day]}: window {start}-{end} is not within one day")
    for (s1, e1), (s2, e2) in itertools.pairwise(ordered):
        if s2 < e1:
            raise ConfigError(
                f"{WEEKDAYS[day]}: windows {_clock(s1)}-{_clock(e1)} and "
                f"{_clock(s2)}-{_clock(e2)} overlap"
            )
    return ordered


def check_timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ConfigError(
            f"unknown time zone {name!r}: use an IANA name such as 'Africa/Dakar'"
        ) from None


@dataclass(frozen=True)
class BusinessHours:
    """Opening hours in one IANA time zone.  Build with :meth:`parse` from the
    stored JSON, or directly with windows in seconds after local midnight."""

    timezone: str
    weekly: Mapping[int, tuple[Window, ...]]  # weekday 0 = Monday -> windows
    holidays: frozenset[date] = frozenset()
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_zone", check_timezone(self.timezone))
        weekly: dict[int, tuple[Window, ...]] = {}
        for day, windows in self.weekly.items():
            if day not in range(7):
                raise ConfigError(f"weekday must be 0 (Monday) to 6 (Sunday), got {day!r}")
            weekly[day] = _check_windows(day, windows)
        object.__setattr__(self, "weekly", weekly)
        object.__setattr__(self, "holidays", frozenset(self.holidays))

    @classmethod
    def always(cls, timezone: str = "UTC") -> BusinessHours:
        return cls(timezone, {d: ((0, DAY),) for d in range(7)})

    @classmethod
    def parse(cls, spec: Mapping[str, object]) -> BusinessHours:
        """From ``{"timezone": "Africa/Dakar", "weekly": {"mon": ["08:00-12:00",
        "14:00-18:00"], ...}, "holidays": ["2025-04-04", ...]}``."""
        timezone = spec.get("timezone")
        if not isinstance(timezone, str):
            raise ConfigError("business hours need a 'timezone' (IANA name, e.g. 'Africa/Dakar')")
        raw_weekly = spec.get("weekly", {})
        if not isinstance(raw_weekly, Mapping):
            raise ConfigError("'weekly' must map weekday names to lists of windows")
        weekly: dict[int, list[Window]] = {}
        for name, windows in raw_weekly.items():
            day = _DAY_NAMES.get(str(name).strip().lower())
            if day is None:
                raise ConfigError(f"unknown weekday {name!r}; use mon, tue, … sun")
            if isinstance(windows, str) or not isinstance(windows, Sequence):
                raise ConfigError(f"{name}: expected a list of windows like ['08:00-12:00']")
            weekly.setdefault(day, []).extend(parse_window(w) for w in windows)
        holidays = set()
        raw_holidays = spec.get("holidays", [])
        if isinstance(raw_holidays, str) or not isinstance(raw_holidays, Iterable):
            raise ConfigError("'holidays' must be a list of dates (YYYY-MM-DD)")
        for item in raw_holidays:
            try:
                holidays.add(item if isinstance(item, date) else date.fromisoformat(str(item)))
            except ValueError:
                raise ConfigError(f"cannot read holiday {item!r}: expected YYYY-MM-DD") from None
        return cls(timezone, {d: tuple(w) for d, w in weekly.items()}, frozenset(holidays))

    # -- questions ---------------------------------------------------------
    def local(self, at: float) -> datetime:
        return datetime.fromtimestamp(at, self._zone)

    def is_open(self, at: float) -> bool:
        local = self.local(at)
        if local.date() in self.holidays:
            return False
        sec = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6
        return any(s <= sec < e for s, e in self.weekly.get(local.weekday(), ()))

    def _stamp(self, day: date, seconds: int) -> float:
        # Wall-clock arithmetic, then the zone: a DST change gives that day's offset.
        naive = datetime.combine(day, time(0)) + timedelta(seconds=seconds)
        return naive.replace(tzinfo=self._zone).timestamp()

    def _windows_from(self, at: float) -> Iterable[tuple[float, float]]:
        """Open windows as epoch intervals, in order, from the local day of ``at``."""
        first = self.local(at).date()
        for offset in range(_HORIZON_DAYS):
            day = first + timedelta(days=offset)
            if day in self.holidays:
                continue
            for start, end in self.weekly.get(day.weekday(), ()):
                yield self._stamp(day, start), self._stamp(day, end)

    def next_open(self, at: float) -> float | None:
        """``at`` if open then, else the next opening; ``None`` if never open."""
        if self.is_open(at):
            return at
        for start, end in self._windows_from(at):
            if end > at:
                return max(start, at)
        return None

    def next_close(self, at: float) -> float | None:
        """When the open stretch holding ``at`` ends (``at`` itself when closed);
        ``None`` if it never closes within the horizon (24/7)."""
        if not self.is_open(at):
            return at
        close: float | None = None
        for start, end in self._windows_from(at):
            if end <= at:
                continue
            if close is not None and start > close:
                return close
            close = end if close is None else max(close, end)
        return None

    def add_open_seconds(self, start: float, seconds: float) -> float:
        """The instant ``seconds`` of open time after ``start`` (SLA clocks that
        only run during business hours).  Raises if the hours are never open."""
        t, remaining = start, seconds
        while True:
            opened = self.next_open(t)
            if opened is None:
                raise ConfigError("business hours are never open: the clock cannot run")
            close = self.next_close(opened)
            if close is None or close - opened >= remaining:
                return opened + remaining
            remaining -= close - opened
            t = close
