"""Staffing advice: forecast from past weeks (or recent hours), Erlang C against
agents on, checked against figures worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from app import actions
from app.context import AppContext
from app.models import Tenant
from app.services.metrics_staffing import staffing
from channels.types import Identity, InboundMessage
from tests.factories import make_world
from tests.integration.supervisor.scenario import Clock

MONDAY = datetime(2026, 3, 30, 8, 30, tzinfo=UTC)  # Africa/Dakar is UTC all year


def _advice(ctx: AppContext) -> dict:
    with ctx.read_session() as s:
        tenant = s.exec(select(Tenant).where(Tenant.slug == "acme")).one()
        return staffing(s, tenant, None, ctx.clock(), hours=3)


def test_same_hour_of_past_weeks_and_erlang_c(ctx: AppContext) -> None:
    clock = Clock(MONDAY - timedelta(weeks=5))
    ctx.clock = clock
    w = make_world(ctx)
    web = actions.create_channel(ctx, w.admin, "acme", "chat", "Site")
    assert web.id is not None
    n = 0
    for week in range(1, 5):
        day = MONDAY - timedelta(weeks=week)
        for i in range(20):  # 20 chats between 09:00 and 10:00, four Mondays running
            clock.now = day.replace(hour=9, minute=0) + timedelta(minutes=3 * i)
            n += 1
            actions.ingest(ctx, InboundMessage(channel_id=web.id,
                                               sender=Identity("visitor", f"v{n}"),
                                               text="bonjour"))
    clock.now = (MONDAY - timedelta(weeks=1)).replace(hour=10, minute=30)
    actions.ingest(ctx, InboundMessage(channel_id=web.id, sender=Identity("visitor", "late"),
                                       text="bonjour"))
    clock.now = MONDAY - timedelta(weeks=6)  # an SMS long ago: history of over a week
    actions.ingest(ctx, InboundMessage(channel_id=w.channel.id or 0,
                                       sender=Identity("phone", "+221770000001"), text="x"))
    clock.now = MONDAY
    actions.set_presence(ctx, w.agents["awa"], "available")
    advice = _advice(ctx)
    assert advice["method"] == "same_hour_last_weeks"
    chat = advice["channels"]["chat"]
    assert chat["aht_seconds"] == 300.0 and chat["aht_assumed"] is True
    assert chat["agents_on"] == 1
    nine, ten, eleven = chat["rows"]
    assert (nine["hour"], ten["hour"], eleven["hour"]) == ("09:00", "10:00", "11:00")
    assert nine["offered"] == 20.0 and ten["offered"] == 0.25 and eleven["offered"] == 0
    # 20 chats an hour × 300 s = 1.667 Erlang; by hand, Erlang C gives for 80 % in 30 s:
    # 3 agents 73.8 %, 4 agents 91.9 % → 4 needed.
    assert nine["load_erlangs"] == pytest.approx(20 * 300 / 3600)
    assert nine["agents_needed"] == 4 and nine["gap"] == -3
    assert ten["agents_needed"] == 1 and eleven["agents_needed"] == 0
    # One agent facing 1.667 Erlang: the queue grows without end.
    assert nine["service_level_with_on"] == 0.0
    assert advice["channels"]["sms"]["rows"][0]["offered"] == 0


def test_recent_hours_when_history_is_short(ctx: AppContext) -> None:
    clock = Clock(MONDAY - timedelta(hours=5))
    ctx.clock = clock
    w = make_world(ctx)
    assert w.channel.id is not None
    for i, minutes in enumerate((-280, -170, -120, -60, -30, -10)):  # 5 within 3 h
        clock.now = MONDAY + timedelta(minutes=minutes)
        actions.ingest(ctx, InboundMessage(channel_id=w.channel.id,
                                           sender=Identity("phone", f"+22177000001{i}"),
                                           text="commande"))
    clock.now = MONDAY
    advice = _advice(ctx)
    assert advice["method"] == "recent_hours"
    rows = advice["channels"]["sms"]["rows"]
    assert [r["offered"] for r in rows] == [pytest.approx(5 / 3)] * 3
    # 5/3 an hour × 180 s = 0.083 Erlang; one agent answers 80 % within 15 min.
    assert rows[0]["agents_needed"] == 1 and rows[0]["agents_on"] == 0 and rows[0]["gap"] == -1
    assert rows[0]["service_level_with_on"] == 0.0
