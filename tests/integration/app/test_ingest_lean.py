"""The lean ingest path says and writes exactly what the ORM reading of the same rows
says: events built from values in hand equal the serialisers' view of the database,
and the per-process configuration cache never hides an edit made in this process."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from app import actions
from app.context import AppContext
from app.errors import NotFound
from app.events import Event
from app.models import Channel, Interaction, InteractionEvent, Message, SkillGroup
from app.serializers import interaction_dicts, message_dicts
from app.services.cache import GENERATION
from channels.types import Identity, InboundMessage
from tests.factories import make_world


def sms(channel_id: int | None, phone: str, text: str, pid: str, **meta: Any) -> InboundMessage:
    assert channel_id is not None
    return InboundMessage(channel_id=channel_id, sender=Identity("phone", phone), text=text,
                          provider_id=pid, meta=dict(meta))


async def drain(sub: Any, n: int) -> list[Event]:
    return [await asyncio.wait_for(sub.get(), timeout=5) for _ in range(n)]


def database_view(ctx: AppContext, interaction_id: int) -> tuple[dict[str, Any], list[Any]]:
    with ctx.read_session() as s:
        row = s.get(Interaction, interaction_id)
        assert row is not None
        [body] = interaction_dicts(s, [row])
        messages = s.exec(select(Message).where(Message.interaction_id == interaction_id)
                          .order_by(col(Message.id))).all()
        return body, message_dicts(s, messages)


async def test_events_equal_the_database_view_through_a_conversation(ctx: AppContext) -> None:
    w = make_world(ctx)
    actions.set_presence(ctx, w.agents["awa"], "available")
    sub = ctx.bus.subscribe()
    # New customer, assigned at once.
    first = await asyncio.to_thread(actions.ingest, ctx,
                                    sms(w.channel.id, "+221771234567", "prix du riz", "a1"))
    created, message = await drain(sub, 2)
    body, messages = database_view(ctx, first.interaction_id)
    assert created.type == "interaction.created" and created.data == body
    assert created.assignee_id == body["assignee"] == w.agents["awa"].user_id
    assert message.type == "message.created" and message.data == messages[-1]
    # The same customer again, then STOP: the open conversation, the contact card updated.
    await asyncio.to_thread(actions.ingest, ctx,
                            sms(w.channel.id, "771234567", "encore", "a2"))
    await asyncio.to_thread(actions.ingest, ctx, sms(w.channel.id, "+221771234567", "STOP",
                                                     "a3", keyword="opt_out"))
    events = await drain(sub, 4)
    body, messages = database_view(ctx, first.interaction_id)
    assert [e.type for e in events] == ["interaction.updated", "message.created"] * 2
    assert events[2].data == body and body["contact"]["sms_opted_out"] is True
    assert body["assignee_name"] == "Awa" and body["preview"] == "STOP"
    assert [e.data for e in events[1::2]] == messages[1:]
    with ctx.read_session() as s:
        kinds = s.exec(select(InteractionEvent.kind)
                       .where(InteractionEvent.interaction_id == first.interaction_id)
                       .order_by(col(InteractionEvent.id))).all()
    assert kinds == ["created", "assigned", "sms_opted_out"]
    sub.close()


async def test_a_chat_visitor_who_leaves_a_phone_gets_it_on_their_card(ctx: AppContext
                                                                       ) -> None:
    w = make_world(ctx)
    chat = actions.create_channel(ctx, w.admin, w.tenant, "chat", "Site", {})
    sub = ctx.bus.subscribe()
    got = await asyncio.to_thread(actions.ingest, ctx, InboundMessage(
        channel_id=chat.id,  # type: ignore[arg-type]
        sender=Identity("visitor", "v-123", "Fatou"), text="bonjour", provider_id="c1",
        other_identities=(Identity("phone", "77 123 45 67"), Identity("phone", "garbage"),
                          Identity("email", "Fatou@Example.sn"))))
    created, _ = await drain(sub, 2)
    body, _ = database_view(ctx, got.interaction_id)
    assert created.data == body
    assert body["contact"]["name"] == "Fatou"
    assert body["contact"]["phones"] == ["+221771234567"]
    assert body["contact"]["emails"] == ["fatou@example.sn"]
    sub.close()


def test_an_edit_in_this_process_applies_to_the_next_message(ctx: AppContext) -> None:
    w = make_world(ctx)
    assert w.channel.id is not None
    first = actions.ingest(ctx, sms(w.channel.id, "+221771234501", "bonjour", "e1"))
    with ctx.read_session() as s:
        assert s.get(Interaction, first.interaction_id).classification_source == "fallback"  # type: ignore[union-attr]
    with ctx.transaction() as tx:  # through the ORM, as the admin API does
        group = tx.session.exec(select(SkillGroup).where(SkillGroup.name == "ventes")).one()
        group.keywords = [*group.keywords, "bonjour"]
        tx.session.add(group)
    second = actions.ingest(ctx, sms(w.channel.id, "+221771234502", "bonjour", "e2"))
    with ctx.read_session() as s:
        row = s.get(Interaction, second.interaction_id)
        assert row is not None and row.classification_label == "ventes"
    actions.update_channel(ctx, w.admin, w.channel.id, is_active=False)
    with pytest.raises(NotFound):
        actions.ingest(ctx, sms(w.channel.id, "+221771234503", "prix", "e3"))


def test_health_writes_do_not_drop_the_cache_but_settings_do(ctx: AppContext) -> None:
    w = make_world(ctx)
    before = GENERATION.value
    with ctx.transaction() as tx:
        channel = tx.session.get(Channel, w.channel.id)
        assert channel is not None
        channel.last_error = "gateway down"
        tx.session.add(channel)
    assert GENERATION.value == before
    with ctx.transaction() as tx:
        channel = tx.session.get(Channel, w.channel.id)
        assert channel is not None
        channel.name = "SMS 21000 (Dakar)"
        tx.session.add(channel)
    assert GENERATION.value > before


def test_a_change_behind_the_orms_back_waits_for_the_ttl(ctx: AppContext) -> None:
    """What another process's edit looks like here: only the TTL applies it."""
    ctx.config_cache.ttl = 3600.0
    w = make_world(ctx)
    assert w.channel.id is not None
    actions.ingest(ctx, sms(w.channel.id, "+221771234511", "prix", "t1"))
    with ctx.engine.begin() as conn:
        conn.execute(text("UPDATE channel SET name = 'renamed elsewhere' WHERE id = :id"),
                     {"id": w.channel.id})
    entry = ctx.config_cache.by_id(w.channel.id)
    assert entry is not None and entry.channel.name == "SMS 21000"
    ctx.config_cache.clear()  # as if the TTL had run out
    entry = ctx.config_cache.by_id(w.channel.id)
    assert entry is not None and entry.channel.name == "renamed elsewhere"
