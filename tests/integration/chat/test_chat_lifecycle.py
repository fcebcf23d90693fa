"""Chats that end by themselves: abandoned when the visitor left unanswered, resolved
when an answered chat goes quiet; on SQLite and PostgreSQL, with the clock moved by
hand as the sweeps' tests do."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from app import actions
from app.actions.chat_lifecycle import (
    LEFT,
    abandon_left_chats,
    resolve_idle_chats,
    visitor_back,
    visitor_left,
)
from app.context import AppContext
from app.models import Interaction, InteractionEvent
from app.services.assignment import agent_loads
from app.services.chat_hub import hub_for
from app.services.metrics_facts import FACT_COLUMNS, facts_of
from channels.chat.config import ChannelConfigError, ChatSettings
from channels.types import Identity, InboundMessage
from tests.integration.chat.conftest import (
    ChatWorld,
    chat_world,
    hello,
    next_frame,
    run_outbox,
    say,
)

MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # open hours


class Clock:
    def __init__(self, ctx: AppContext) -> None:
        self.now = MONDAY
        ctx.clock = lambda: self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def world(ctx: AppContext, **config: Any) -> ChatWorld:
    cw = chat_world(ctx, config=config, agents={"awa": {"ventes": 3}})
    actions.set_presence(ctx, cw.world.agents["awa"], "available")
    return cw


def row(ctx: AppContext, iid: int) -> Interaction:
    with ctx.read_session() as s:
        found = s.get(Interaction, iid)
        assert found is not None
        return found


def kinds(ctx: AppContext, iid: int) -> list[str]:
    with ctx.read_session() as s:
        return list(s.exec(select(InteractionEvent.kind).where(
            InteractionEvent.interaction_id == iid).order_by(col(InteractionEvent.id))).all())


def load_of(ctx: AppContext, user_id: int) -> dict[str, int]:
    with ctx.read_session() as s:
        return dict(agent_loads(s, [user_id]).get(user_id, {}))


def wait_left(ctx: AppContext, iid: int, present: bool = True) -> None:
    """The server notices a closed socket in its own thread."""
    for _ in range(200):
        if (LEFT in (row(ctx, iid).meta or {})) == present:
            return
        time.sleep(0.01)
    raise AssertionError(f"visitor_left_at never {'set' if present else 'cleared'}")


def test_unanswered_visitor_who_leaves_is_abandoned_after_the_grace(
        ctx: AppContext, client: TestClient) -> None:
    clock = Clock(ctx)
    cw = world(ctx)
    awa = cw.world.agents["awa"]
    with client.websocket_connect(cw.url) as ws:
        hello(ws)
        iid = say(ws, "a", "je veux acheter")["interaction_id"]
        assert row(ctx, iid).assignee_id == awa.user_id
        assert load_of(ctx, awa.user_id) == {"chat": 1}
    wait_left(ctx, iid)
    clock.advance(seconds=119)
    assert abandon_left_chats(ctx) == 0
    assert row(ctx, iid).status == "assigned"
    clock.advance(seconds=2)
    assert abandon_left_chats(ctx) == 1
    gone = row(ctx, iid)
    assert gone.status == "abandoned" and gone.assignee_id is None
    left_at = MONDAY  # the socket closed before the clock moved
    assert gone.resolved_at == left_at and gone.updated_at == clock.now
    assert LEFT not in gone.meta
    with ctx.read_session() as s:  # the reports count it, at the moment the visitor went
        facts = facts_of(s.exec(select(*FACT_COLUMNS).where(Interaction.id == iid)).one())
    assert facts.abandoned_at == left_at and facts.answered_at is None
    assert kinds(ctx, iid)[-1] == "abandoned"
    assert load_of(ctx, awa.user_id) == {}
    assert abandon_left_chats(ctx) == 0  # once


def test_visitor_back_within_the_grace_is_not_abandoned(
        ctx: AppContext, client: TestClient) -> None:
    clock = Clock(ctx)
    cw = world(ctx)
    with client.websocket_connect(cw.url) as ws:
        token = hello(ws)["visitor_token"]
        iid = say(ws, "a", "je veux acheter")["interaction_id"]
    wait_left(ctx, iid)
    clock.advance(seconds=60)
    with client.websocket_connect(cw.url) as ws:  # a page change, maybe another process
        assert hello(ws, token)["interaction_id"] == iid
        wait_left(ctx, iid, present=False)
        # A visitor who stays and waits patiently is never abandoned.
        clock.advance(hours=2)
        assert abandon_left_chats(ctx) == 0
        assert row(ctx, iid).status == "assigned"
    wait_left(ctx, iid)
    clock.advance(seconds=121)
    assert abandon_left_chats(ctx) == 1


def test_answered_chat_gone_quiet_is_resolved_and_the_visitor_told(
        ctx: AppContext, client: TestClient) -> None:
    clock = Clock(ctx)
    cw = world(ctx)
    awa = cw.world.agents["awa"]
    with client.websocket_connect(cw.url) as ws:
        hello(ws)
        iid = say(ws, "a", "je veux acheter")["interaction_id"]
        actions.reply(ctx, awa, iid, "Bonjour, que voulez-vous acheter ?")
        assert run_outbox(ctx) == 1
        next_frame(ws, "message")
        clock.advance(minutes=29)
        assert resolve_idle_chats(ctx) == 0
        say(ws, "b", "je réfléchis")  # recent activity: the clock starts again
        clock.advance(minutes=29)
        assert resolve_idle_chats(ctx) == 0
        assert row(ctx, iid).status == "assigned"
        clock.advance(minutes=1, seconds=1)
        assert resolve_idle_chats(ctx) == 1
        next_frame(ws, "closed")
        notice = next_frame(ws, "system")
        assert notice["reason"] == "idle" and "30 min" in notice["text"]
        assert notice["text"].startswith("La conversation a été clôturée")
    done = row(ctx, iid)
    assert done.status == "resolved" and done.resolved_at == clock.now
    assert done.assignee_id == awa.user_id  # who handled it, for the reports
    assert load_of(ctx, awa.user_id) == {}  # capacity freed
    with ctx.read_session() as s:
        event = s.exec(select(InteractionEvent).where(
            InteractionEvent.interaction_id == iid, InteractionEvent.kind == "resolved")).one()
    assert event.actor_id is None and event.data["outcome"] == "inactivity"
    assert resolve_idle_chats(ctx) == 0


def test_zero_switches_both_off(ctx: AppContext) -> None:
    clock = Clock(ctx)
    cw = world(ctx, abandon_after_seconds=0, idle_resolve_minutes=0)
    awa = cw.world.agents["awa"]
    assert cw.chat.id is not None
    quiet = actions.ingest(ctx, InboundMessage(
        channel_id=cw.chat.id, sender=Identity("visitor", "v-1"), text="je veux acheter",
        provider_id="v-1:a")).interaction_id
    actions.reply(ctx, awa, quiet, "Bonjour")
    left = actions.ingest(ctx, InboundMessage(
        channel_id=cw.chat.id, sender=Identity("visitor", "v-2"), text="je veux acheter",
        provider_id="v-2:a")).interaction_id
    visitor_left(ctx, left)
    clock.advance(days=3)
    assert abandon_left_chats(ctx) == 0 and resolve_idle_chats(ctx) == 0
    assert row(ctx, quiet).status == "assigned" and row(ctx, left).status != "abandoned"
    visitor_back(ctx, left)
    assert LEFT not in row(ctx, left).meta


def test_settings_are_checked() -> None:
    assert ChatSettings.parse({}).abandon_after_seconds == 120
    assert ChatSettings.parse({}).idle_resolve_minutes == 30
    for bad in ({"abandon_after_seconds": -1}, {"idle_resolve_minutes": "30"},
                {"idle_resolve_minutes": 10_081}, {"abandon_after_seconds": 10},
                {"abandon_after_seconds": False}):
        with pytest.raises(ChannelConfigError):
            ChatSettings.parse(bad)


def test_a_late_left_from_another_process_is_undone_while_the_visitor_is_here(
        ctx: AppContext, client: TestClient) -> None:
    clock = Clock(ctx)
    cw = world(ctx)
    hub_for(client.app).tick_seconds = 0.05
    with client.websocket_connect(cw.url) as ws:
        hello(ws)
        iid = say(ws, "a", "je veux acheter")["interaction_id"]
        # The visitor's old socket on another process was noticed dead only now.
        visitor_left(ctx, iid)
        wait_left(ctx, iid, present=False)  # this process's sockets say "still here"
        clock.advance(minutes=10)
        assert abandon_left_chats(ctx) == 0
        assert row(ctx, iid).status == "assigned"


def test_two_processes_sweeping_at_once_act_once(ctx: AppContext) -> None:
    """Each sweep claims its rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL) and checks
    them again once locked: chats ending by themselves end once."""
    clock = Clock(ctx)
    cw = world(ctx)
    awa = cw.world.agents["awa"]
    assert cw.chat.id is not None
    left, quiet = [actions.ingest(ctx, InboundMessage(
        channel_id=cw.chat.id, sender=Identity("visitor", f"v-{n}"), text="je veux acheter",
        provider_id=f"v-{n}:a")).interaction_id for n in (1, 2)]
    actions.reply(ctx, awa, quiet, "Bonjour")
    visitor_left(ctx, left)
    clock.advance(hours=1)
    with ThreadPoolExecutor(4) as pool:
        abandoned = list(pool.map(lambda _: abandon_left_chats(ctx), range(4)))
        resolved = list(pool.map(lambda _: resolve_idle_chats(ctx), range(4)))
    assert sum(abandoned) == 1 and sum(resolved) == 1
    assert kinds(ctx, left).count("abandoned") == 1
    assert kinds(ctx, quiet).count("resolved") == 1
    assert row(ctx, left).status == "abandoned" and row(ctx, quiet).status == "resolved"


def test_a_chat_locked_by_another_process_is_skipped_not_waited_for(ctx: AppContext) -> None:
    if ctx.dialect != "postgresql":
        pytest.skip("row locks: PostgreSQL")
    clock = Clock(ctx)
    cw = world(ctx)
    assert cw.chat.id is not None
    left = actions.ingest(ctx, InboundMessage(
        channel_id=cw.chat.id, sender=Identity("visitor", "v-1"), text="je veux acheter",
        provider_id="v-1:a")).interaction_id
    visitor_left(ctx, left)
    clock.advance(hours=1)
    with ctx.transaction() as tx:  # another process's sweep holds it
        tx.session.get(Interaction, left, with_for_update=True)
        assert abandon_left_chats(ctx) == 0
    assert abandon_left_chats(ctx) == 1
