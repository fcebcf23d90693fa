"""A tenant with a call-back channel, on a clock the test moves by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from app import actions
from app.context import AppContext
from app.models import Channel
from tests.factories import World, make_world

# A Monday, 10:00 in Dakar (UTC+0 all year).
MONDAY_10 = datetime(2025, 6, 2, 10, 0, tzinfo=UTC)
WEEKDAYS_8_TO_17 = {"weekly": {d: ["08:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}}


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class CallbackWorld:
    world: World
    channel: Channel
    clock: Clock

    @property
    def url(self) -> str:
        return f"/public/callbacks/{self.channel.key}"


def callback_world(ctx: AppContext, slug: str = "acme", config: dict[str, Any] | None = None,
                   sms_config: dict[str, Any] | None = None) -> CallbackWorld:
    clock = Clock(MONDAY_10)
    ctx.clock = clock
    w = make_world(ctx, slug, agents={"awa": {"triage": 3, "ventes": 3}},
                   channel_config=sms_config)
    channel = actions.create_channel(ctx, w.admin, slug, "callback", "Rappel", config or {})
    return CallbackWorld(w, channel, clock)
