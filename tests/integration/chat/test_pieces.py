"""The pure pieces under the widget: visitor tokens, origins, refusing limits, slots
and retry times. No database here."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.errors import Invalid
from app.services import visitor_tokens
from app.services.callback_schedule import check_slot, next_morning, retry_time, slots
from channels.callback.config import CallbackPolicy
from channels.chat.config import ChannelConfigError, ChatSettings, normalize_origin, origin_allowed
from channels.chat.limits import Buckets, Counter
from routing import BusinessHours

MONDAY_10 = datetime(2025, 6, 2, 10, 0, tzinfo=UTC)
HOURS = BusinessHours.parse({"timezone": "Africa/Dakar", "weekly": {
    d: ["08:00-12:00", "14:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}})


def test_visitor_tokens_are_bound_to_key_channel_and_age() -> None:
    token = visitor_tokens.issue("secret", 7, "abcdefghijklmnop", now=1000)
    assert visitor_tokens.verify("secret", 7, token, now=2000) == "abcdefghijklmnop"
    assert visitor_tokens.verify("other secret", 7, token, now=2000) is None
    assert visitor_tokens.verify("secret", 8, token, now=2000) is None
    assert visitor_tokens.verify("secret", 7, token, now=1000 + 366 * 86_400) is None
    swapped = token.replace(".7.", ".8.")
    assert visitor_tokens.verify("secret", 8, swapped, now=2000) is None
    for junk in ("", "v1", "v1.a.b.c.d", "x" * 500):
        assert visitor_tokens.verify("secret", 7, junk) is None


def test_origins() -> None:
    assert normalize_origin("HTTPS://Shop.SN:443/") == "https://shop.sn"
    assert normalize_origin("http://shop.sn:8080") == "http://shop.sn:8080"
    assert normalize_origin("https://*.Shop.sn") == "https://*.shop.sn"
    for bad in ("shop.sn", "ftp://shop.sn", "https://shop.sn/page", "https://", 5):
        assert normalize_origin(bad) is None  # type: ignore[arg-type]
    allowed = ("https://shop.sn", "https://*.boutique.sn")
    assert origin_allowed("https://shop.sn", allowed)
    assert origin_allowed("https://www.boutique.sn", allowed)
    assert not origin_allowed("https://boutique.sn.evil.test", allowed)
    assert not origin_allowed("https://evilboutique.sn", allowed)
    assert not origin_allowed("http://shop.sn", allowed)
    assert origin_allowed(None, allowed)  # not a web page: the rate limits apply
    assert origin_allowed("https://anything.test", ())
    with pytest.raises(ChannelConfigError, match="allowed_origins"):
        ChatSettings.parse({"allowed_origins": "https://shop.sn"})
    with pytest.raises(ChannelConfigError, match="prechat_fields"):
        ChatSettings.parse({"prechat_fields": ["age"]})


def test_buckets_refuse_then_refill_and_counters_release() -> None:
    now = [0.0]
    buckets = Buckets(clock=lambda: now[0])
    assert [buckets.allow("ip", 3, 60) for _ in range(4)] == [True, True, True, False]
    now[0] += 20  # one token back
    assert buckets.allow("ip", 3, 60) and not buckets.allow("ip", 3, 60)
    assert buckets.allow("other ip", 3, 60)
    counter = Counter()
    assert counter.acquire("a", 2) and counter.acquire("a", 2) and not counter.acquire("a", 2)
    counter.release("a")
    assert counter.acquire("a", 2) and counter.total() == 2


def test_slots_and_retries_follow_business_hours() -> None:
    policy = CallbackPolicy()
    grid = slots(MONDAY_10, HOURS, policy, "Africa/Dakar", days=1)
    assert grid[0] == datetime(2025, 6, 2, 10, 30, tzinfo=UTC)
    assert datetime(2025, 6, 2, 12, 0, tzinfo=UTC) not in grid  # lunch
    assert datetime(2025, 6, 2, 14, 0, tzinfo=UTC) in grid
    with pytest.raises(Invalid, match="outside business hours"):
        check_slot(datetime(2025, 6, 2, 13, 0, tzinfo=UTC), MONDAY_10, HOURS, policy,
                   "Africa/Dakar")
    at_1150 = MONDAY_10.replace(hour=11, minute=50)
    # +10 min lands at 12:00, closed: the retry waits for 14:00.
    assert retry_time(at_1150, 1, policy, HOURS, "Africa/Dakar") == MONDAY_10.replace(hour=14)
    friday = datetime(2025, 6, 6, 16, 0, tzinfo=UTC)
    assert next_morning(friday, HOURS, "Africa/Dakar") == datetime(2025, 6, 9, 8, 0, tzinfo=UTC)
    assert next_morning(friday, None, "Africa/Dakar") == datetime(2025, 6, 7, 9, 0, tzinfo=UTC)
    assert retry_time(MONDAY_10, 9, policy, None, "UTC") == next_morning(MONDAY_10, None, "UTC")
