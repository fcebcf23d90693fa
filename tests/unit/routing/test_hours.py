"""Business hours: parsing, bad input, open/closed, next opening, holidays, DST."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from routing.after_hours import after_hours_decision, check_after_hours
from routing.errors import ConfigError
from routing.hours import BusinessHours

DAKAR = {
    "timezone": "Africa/Dakar",
    "weekly": {
        "mon": ["08:00-12:00", "14:00-18:00"],
        "tue": ["08:00-12:00", "14:00-18:00"],
        "wed": ["08:00-12:00", "14:00-18:00"],
        "thu": ["08:00-12:00", "14:00-18:00"],
        "fri": ["08:00-12:00", "14:00-17:00"],
        "sat": ["09:00-13:00"],
    },
    "holidays": ["2025-04-04"],  # Independence Day, a Friday
}


def at(y: int, mo: int, d: int, h: int, mi: int = 0, tz: str = "Africa/Dakar") -> float:
    return datetime(y, mo, d, h, mi, tzinfo=ZoneInfo(tz)).timestamp()


@pytest.fixture()
def hours() -> BusinessHours:
    return BusinessHours.parse(DAKAR)


def test_open_and_closed(hours: BusinessHours) -> None:
    assert hours.is_open(at(2025, 4, 7, 8, 0))  # Monday 08:00, start included
    assert hours.is_open(at(2025, 4, 7, 11, 59))
    assert not hours.is_open(at(2025, 4, 7, 12, 0))  # end excluded
    assert not hours.is_open(at(2025, 4, 7, 13, 0))  # lunch
    assert not hours.is_open(at(2025, 4, 6, 10, 0))  # Sunday
    assert not hours.is_open(at(2025, 4, 4, 10, 0))  # holiday


def test_next_open(hours: BusinessHours) -> None:
    monday_lunch = at(2025, 4, 7, 12, 30)
    assert hours.next_open(monday_lunch) == at(2025, 4, 7, 14, 0)
    open_now = at(2025, 4, 7, 9, 0)
    assert hours.next_open(open_now) == open_now
    # Thursday evening -> Friday is a holiday -> Saturday 09:00.
    assert hours.next_open(at(2025, 4, 3, 19, 0)) == at(2025, 4, 5, 9, 0)
    # Saturday afternoon -> Monday 08:00.
    assert hours.next_open(at(2025, 4, 5, 15, 0)) == at(2025, 4, 7, 8, 0)


def test_next_close_joins_adjacent_windows() -> None:
    h = BusinessHours.parse(
        {
            "timezone": "UTC",
            "weekly": {"mon": ["08:00-12:00", "12:00-24:00"], "tue": ["00:00-02:00"]},
        }
    )
    monday = datetime(2025, 4, 7, 9, tzinfo=UTC).timestamp()
    assert h.next_close(monday) == datetime(2025, 4, 8, 2, tzinfo=UTC).timestamp()
    assert BusinessHours.always().next_close(monday) is None


def test_never_open_has_no_next_open() -> None:
    h = BusinessHours.parse({"timezone": "UTC", "weekly": {}})
    assert h.next_open(0.0) is None
    with pytest.raises(ConfigError, match="never open"):
        h.add_open_seconds(0.0, 60)


def test_add_open_seconds_skips_closed_time(hours: BusinessHours) -> None:
    # 4 h from Monday 11:00: 1 h before lunch, 3 h after -> 17:00.
    assert hours.add_open_seconds(at(2025, 4, 7, 11, 0), 4 * 3600) == at(2025, 4, 7, 17, 0)
    # From Thursday 17:00, 2 h: 1 h Thursday, holiday Friday, 1 h Saturday -> 10:00.
    assert hours.add_open_seconds(at(2025, 4, 3, 17, 0), 2 * 3600) == at(2025, 4, 5, 10, 0)


def test_dst_day_uses_local_wall_clock() -> None:
    # Paris moves to summer time on Sunday 2025-03-30.
    h = BusinessHours.parse({"timezone": "Europe/Paris", "weekly": {"sun": ["09:00-17:00"]}})
    opening = h.next_open(at(2025, 3, 30, 1, 0, "Europe/Paris"))
    assert opening == at(2025, 3, 30, 9, 0, "Europe/Paris")
    assert h.is_open(at(2025, 3, 30, 16, 59, "Europe/Paris"))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"timezone": "Africa/Nowhere", "weekly": {}}, "unknown time zone 'Africa/Nowhere'"),
        ({"weekly": {}}, "need a 'timezone'"),
        ({"timezone": "UTC", "weekly": {"mon": ["25:00-26:00"]}}, "'25:00' does not exist"),
        ({"timezone": "UTC", "weekly": {"mon": ["08:60-09:00"]}}, "'08:60' does not exist"),
        ({"timezone": "UTC", "weekly": {"mon": ["24:00-24:00"]}}, "'24:00' does not exist"),
        ({"timezone": "UTC", "weekly": {"mon": ["8h-9h"]}}, "cannot read"),
        ({"timezone": "UTC", "weekly": {"mon": ["18:00-08:00"]}}, "ends before it starts"),
        (
            {"timezone": "UTC", "weekly": {"mon": ["08:00-12:00", "11:00-13:00"]}},
            "mon: windows 08:00-12:00 and 11:00-13:00 overlap",
        ),
        ({"timezone": "UTC", "weekly": {"funday": []}}, "unknown weekday 'funday'"),
        ({"timezone": "UTC", "weekly": {"mon": "08:00-12:00"}}, "expected a list"),
        ({"timezone": "UTC", "holidays": ["2025-13-01"]}, "cannot read holiday"),
    ],
)
def test_bad_hours_are_refused_with_a_clear_message(spec: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        BusinessHours.parse(spec)


def test_direct_construction_validates() -> None:
    with pytest.raises(ConfigError, match="weekday"):
        BusinessHours("UTC", {7: ((0, 60),)})
    h = BusinessHours("UTC", {0: ((3600, 7200),)}, frozenset({date(2025, 1, 6)}))
    assert not h.is_open(datetime(2025, 1, 6, 1, 30, tzinfo=UTC).timestamp())


def test_after_hours_behaviour_per_kind(hours: BusinessHours) -> None:
    night = at(2025, 4, 7, 22, 0)
    sms = after_hours_decision(hours, "sms", night)
    assert (sms.open, sms.action, sms.reopens_at) == (False, "auto_reply", at(2025, 4, 8, 8, 0))
    assert after_hours_decision(hours, "chat", night).action == "offer_callback"
    assert after_hours_decision(hours, "email", night).action == "queue"
    assert after_hours_decision(hours, "fax", night).action == "queue"
    assert after_hours_decision(hours, "chat", at(2025, 4, 7, 9, 0)).open
    assert after_hours_decision(None, "chat", night).open
    with pytest.raises(ConfigError, match="'chat' is 'voicemail'"):
        check_after_hours({"chat": "voicemail"})
