"""When a call-back may be booked, and when a failed call is tried again.

Times are UTC in and out; slots and "next morning" are reckoned on the tenant's
local clock (its business hours' time zone). No business hours means always open.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.errors import Invalid
from channels.callback.config import NEXT_MORNING, CallbackPolicy
from routing import BusinessHours

# A slot picked a moment ago may be a little in the past when it arrives.
PAST_GRACE = timedelta(minutes=2)
MORNING_WITHOUT_HOURS = time(9, 0)
MAX_LISTED_SLOTS = 500


def _local(at: datetime, timezone: str) -> str:
    return at.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


def asap(now: datetime, hours: BusinessHours | None) -> datetime | None:
    """'As soon as possible' is now when open, else the next opening."""
    if hours is None or hours.is_open(now.timestamp()):
        return None
    opening = hours.next_open(now.timestamp())
    return datetime.fromtimestamp(opening, UTC) if opening is not None else None


def check_slot(when: datetime, now: datetime, hours: BusinessHours | None,
               policy: CallbackPolicy, timezone: str) -> datetime:
    """The requested time if it can be honoured, else ``Invalid`` saying why."""
    if when < now - PAST_GRACE:
        raise Invalid(f"when: {_local(when, timezone)} ({timezone}) has already passed")
    when = max(when, now)
    if when > now + timedelta(days=policy.horizon_days):
        raise Invalid(f"when: call-backs can be booked at most {policy.horizon_days} days ahead")
    if hours is not None and not hours.is_open(when.timestamp()):
        opening = hours.next_open(when.timestamp())
        hint = (f"; the next opening is {_local(datetime.fromtimestamp(opening, UTC), timezone)}"
                if opening is not None else "")
        raise Invalid(f"when: {_local(when, timezone)} ({timezone}) is outside business "
                      f"hours{hint}")
    return when


def slots(now: datetime, hours: BusinessHours | None, policy: CallbackPolicy,
          timezone: str, days: int) -> list[datetime]:
    """Bookable slot starts from now + lead time, on the local clock's slot grid."""
    zone = ZoneInfo(timezone)
    step = timedelta(minutes=policy.slot_minutes)
    earliest = (now + timedelta(minutes=policy.lead_minutes)).astimezone(zone)
    midnight = datetime.combine(earliest.date(), time(0), zone)
    elapsed = earliest - midnight
    t = midnight + step * -(-elapsed // step)  # ceil to the grid
    end = now + timedelta(days=min(days, policy.horizon_days))
    out: list[datetime] = []
    while t <= end and len(out) < MAX_LISTED_SLOTS:
        if hours is None or hours.is_open(t.timestamp()):
            out.append(t.astimezone(UTC))
        t += step
    return out


def next_morning(now: datetime, hours: BusinessHours | None, timezone: str) -> datetime:
    zone = ZoneInfo(timezone)
    tomorrow = now.astimezone(zone).date() + timedelta(days=1)
    if hours is None:
        return datetime.combine(tomorrow, MORNING_WITHOUT_HOURS, zone).astimezone(UTC)
    start = datetime.combine(tomorrow, time(0), zone).timestamp()
    opening = hours.next_open(start)
    return datetime.fromtimestamp(opening if opening is not None else start, UTC)


def retry_time(now: datetime, attempt: int, policy: CallbackPolicy,
               hours: BusinessHours | None, timezone: str) -> datetime:
    """When to call again after the ``attempt``-th failed call, inside business hours."""
    delay = policy.delay_for(attempt)
    if delay == NEXT_MORNING:
        return next_morning(now, hours, timezone)
    assert isinstance(delay, int)
    at = now + timedelta(seconds=delay)
    if hours is not None:
        opening = hours.next_open(at.timestamp())
        if opening is not None:
            at = datetime.fromtimestamp(opening, UTC)
    return at
