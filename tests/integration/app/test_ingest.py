"""ingest: dedupe, contacts, threading, classification, routing, events."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

import pytest
from sqlmodel import col, func, select

from app import actions
from app.context import AppContext
from app.errors import Invalid
from app.models import Contact, ContactIdentity, Interaction, InteractionEvent, Message
from channels.types import Identity, InboundMessage
from tests.factories import make_world


def sms(channel_id: int, phone: str, text: str, pid: str | None) -> InboundMessage:
    return InboundMessage(channel_id=channel_id, sender=Identity("phone", phone), text=text,
                          provider_id=pid)


def count(ctx: AppContext, model: type) -> int:
    with ctx.read_session() as s:
        return int(s.exec(select(func.count()).select_from(model)).one())


def test_new_sms_is_classified_and_waits_without_agents(ctx: AppContext) -> None:
    w = make_world(ctx)
    assert w.channel.id is not None
    text = "Je veux passer une COMMANDE"
    result = actions.ingest(ctx, sms(w.channel.id, "77 123 45 67", text, "p1"))
    assert result.new_interaction and not result.duplicate
    with ctx.read_session() as s:
        interaction = s.get(Interaction, result.interaction_id)
        assert interaction is not None
        assert interaction.status == "queued"  # agents are offline
        assert interaction.classification_label == "ventes"
        assert interaction.classification_source == "keyword"
        ident = s.exec(select(ContactIdentity)).one()
        assert (ident.kind, ident.value) == ("phone", "+221771234567")
        kinds = s.exec(select(InteractionEvent.kind)).all()
        assert kinds == ["created"]


def test_unknown_text_goes_to_the_fallback_group(ctx: AppContext) -> None:
    w = make_world(ctx)
    assert w.channel.id is not None
    result = actions.ingest(ctx, sms(w.channel.id, "+221771234567", "Bonjour", "p1"))
    with ctx.read_session() as s:
        interaction = s.get(Interaction, result.interaction_id)
        assert interaction is not None
        assert (interaction.classification_label, interaction.classification_source) == (
            "triage", "fallback")
        assert interaction.skill_group_id is not None


def test_same_provider_id_twice_makes_one_message(ctx: AppContext) -> None:
    w = make_world(ctx)
    assert w.channel.id is not None
    first = actions.ingest(ctx, sms(w.channel.id, "+221771234567", "commande", "dup"))
    again = actions.ingest(ctx, sms(w.channel.id, "+221771234567", "commande", "dup"))
    assert again.duplicate and again.message_id == first.message_id
    assert count(ctx, Message) == 1


def test_concurrent_retries_of_one_sms_store_it_once(ctx: AppContext) -> None:
    """Gateways retry while the first post is still in flight."""
    w = make_world(ctx)
    channel_id = w.channel.id
    assert channel_id is not None
    barrier = threading.Barrier(6)
    results = []

    def post(n: int) -> None:
        barrier.wait()
        results.append(actions.ingest(ctx, sms(channel_id, f"+22177000000{n % 2}", "commande",
                                               "same-id")))

    threads = [threading.Thread(target=post, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 6
    assert count(ctx, Message) == 1
    assert len({r.message_id for r in results}) == 1
    assert sum(not r.duplicate for r in results) == 1


def test_next_sms_of_contact_joins_the_open_interaction(ctx: AppContext) -> None:
    w = make_world(ctx)
    assert w.channel.id is not None
    a = actions.ingest(ctx, sms(w.channel.id, "+221771234567", "commande", "1"))
    b = actions.ingest(ctx, sms(w.channel.id, "00221 77 123 45 67", "et le prix ?", "2"))
    assert b.interaction_id == a.interaction_id and not b.new_interaction
    assert count(ctx, Contact) == 1
    assert count(ctx, Interaction) == 1


def test_available_skilled_agent_gets_the_work(ctx: AppContext) -> None:
    w = make_world(ctx)
    assert w.channel.id is not None
    actions.set_presence(ctx, w.agents["awa"], "available")
    actions.set_presence(ctx, w.agents["moussa"], "available")
    sale = actions.ingest(ctx, sms(w.channel.id, "+221771234567", "prix du riz", "1"))
    fault = actions.ingest(ctx, sms(w.channel.id, "+221771234568", "ma box est en panne", "2"))
    assert sale.assignee_id == w.agents["awa"].user_id
    assert fault.assignee_id == w.agents["moussa"].user_id


def test_customer_answer_brings_work_back_to_its_agent(ctx: AppContext) -> None:
    w = make_world(ctx)
    assert w.channel.id is not None
    awa = w.agents["awa"]
    actions.set_presence(ctx, awa, "available")
    first = actions.ingest(ctx, sms(w.channel.id, "+221771234567", "commande", "1"))
    actions.reply(ctx, awa, first.interaction_id, "Combien de sacs ?")
    with ctx.read_session() as s:
        assert s.get(Interaction, first.interaction_id).status == "waiting_customer"  # type: ignore[union-attr]
    actions.ingest(ctx, sms(w.channel.id, "+221771234567", "Deux sacs", "2"))
    with ctx.read_session() as s:
        interaction = s.get(Interaction, first.interaction_id)
        assert interaction is not None
        assert (interaction.status, interaction.assignee_id) == ("assigned", awa.user_id)


def test_resolved_interaction_reopens_within_window_only(ctx: AppContext) -> None:
    w = make_world(ctx)
    assert w.channel.id is not None
    awa = w.agents["awa"]
    actions.set_presence(ctx, awa, "available")
    first = actions.ingest(ctx, sms(w.channel.id, "+221771234567", "commande", "1"))
    actions.resolve(ctx, awa, first.interaction_id)
    again = actions.ingest(ctx, sms(w.channel.id, "+221771234567", "encore moi", "2"))
    assert again.interaction_id == first.interaction_id
    actions.resolve(ctx, awa, first.interaction_id)
    later = ctx.clock() + timedelta(days=30)
    ctx.clock = lambda: later
    fresh = actions.ingest(ctx, sms(w.channel.id, "+221771234567", "bonjour", "3"))
    assert fresh.new_interaction and fresh.interaction_id != first.interaction_id


def test_bad_phone_is_refused_and_leaves_nothing(ctx: AppContext) -> None:
    w = make_world(ctx)
    assert w.channel.id is not None
    with pytest.raises(Invalid):
        actions.ingest(ctx, sms(w.channel.id, "not a phone at all", "commande", "x"))
    assert count(ctx, Message) == 0 and count(ctx, Contact) == 0


async def test_events_follow_the_commit_and_match_the_database(ctx: AppContext) -> None:
    w = make_world(ctx)
    assert w.channel.id is not None
    sub = ctx.bus.subscribe()
    actions.set_presence(ctx, w.agents["awa"], "available")
    await asyncio.to_thread(actions.ingest, ctx, sms(w.channel.id, "+221771234567", "prix", "1"))
    seen = []
    while len(seen) < 3:
        seen.append(await asyncio.wait_for(sub.get(), timeout=5))
    types = [e.type for e in seen]
    assert types == ["agent.presence", "interaction.created", "message.created"]
    created = seen[1]
    with ctx.read_session() as s:
        row = s.get(Interaction, created.interaction_id)
        assert row is not None
        assert created.data["status"] == row.status == "assigned"
        assert created.data["assignee"] == row.assignee_id == w.agents["awa"].user_id
        ids = s.exec(select(Message.id).where(col(Message.interaction_id) == row.id)).all()
    assert seen[2].data["id"] in ids
    sub.close()
