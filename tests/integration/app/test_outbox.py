"""The outbox: durable replies, retries with backoff, exactly one delivery."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import select

from app import actions
from app.context import AppContext
from app.errors import Conflict
from app.models import Channel, Contact, DeliveryAttempt, Message, OutboxItem
from app.services.senders import Senders
from app.workers.outbox import OutboxWorker
from channels.types import Identity, InboundMessage
from tests.factories import World, make_world
from tests.support.http_gateway import RecordingGateway, recording_gateway


@pytest.fixture
def gateway() -> Iterator[RecordingGateway]:
    with recording_gateway() as gw:
        yield gw


def world_with_reply(ctx: AppContext, gateway: RecordingGateway) -> tuple[World, int, int]:
    w = make_world(ctx, channel_config={"provider": "generic", "send_url": gateway.url,
                                        "sender": "21000"})
    assert w.channel.id is not None
    awa = w.agents["awa"]
    actions.set_presence(ctx, awa, "available")
    got = actions.ingest(ctx, InboundMessage(channel_id=w.channel.id,
                                             sender=Identity("phone", "+221771234567"),
                                             text="commande", provider_id="in-1"))
    reply = actions.reply(ctx, awa, got.interaction_id, "Merci, c'est noté ✓")
    return w, got.interaction_id, reply.message_id


async def drain(ctx: AppContext, rounds: int = 50) -> None:
    """Run the worker until nothing is due or pending (with real backoff sleeps)."""
    senders = Senders()
    worker = OutboxWorker(ctx, senders)
    try:
        for _ in range(rounds):
            await worker.run_once()
            with ctx.read_session() as s:
                open_items = s.exec(select(OutboxItem).where(
                    OutboxItem.status.in_(("pending", "sending")))).all()  # type: ignore[attr-defined]
            if not open_items:
                return
            await asyncio.sleep(0.1)
    finally:
        await senders.aclose()


def message(ctx: AppContext, message_id: int) -> Message:
    with ctx.read_session() as s:
        m = s.get(Message, message_id)
        assert m is not None
        return m


async def test_reply_reaches_gateway_once_after_two_failures(
    ctx: AppContext, gateway: RecordingGateway
) -> None:
    _, _, message_id = world_with_reply(ctx, gateway)
    gateway.fail_next(503, 500)
    await drain(ctx)
    assert len(gateway.received) == 3
    assert len(gateway.accepted) == 1
    body = gateway.accepted[0]["body"]
    assert body == {"id": str(message_id), "to": "+221771234567", "from": "21000",
                    "text": "Merci, c'est noté ✓"}
    m = message(ctx, message_id)
    assert m.delivery_status == "sent" and m.provider_id == "gw-3"
    with ctx.read_session() as s:
        attempts = s.exec(select(DeliveryAttempt).order_by(DeliveryAttempt.attempt)).all()  # type: ignore[arg-type]
        assert [a.ok for a in attempts] == [False, False, True]
        assert "503" in (attempts[0].error or "")
        item = s.exec(select(OutboxItem)).one()
        assert (item.status, item.attempts) == ("sent", 3)


async def test_gateway_refusal_is_permanent_and_shown(
    ctx: AppContext, gateway: RecordingGateway
) -> None:
    _, _, message_id = world_with_reply(ctx, gateway)
    gateway.fail_next(400)
    await drain(ctx)
    m = message(ctx, message_id)
    assert m.delivery_status == "failed"
    assert m.delivery_error and "400" in m.delivery_error
    assert len(gateway.received) == 1


async def test_gives_up_after_max_attempts(ctx: AppContext, gateway: RecordingGateway) -> None:
    ctx.settings.outbox_max_attempts = 3
    _, _, message_id = world_with_reply(ctx, gateway)
    gateway.fail_next(503, 503, 503, 503)
    await drain(ctx)
    assert message(ctx, message_id).delivery_status == "failed"
    assert len(gateway.received) == 3 and not gateway.accepted


async def test_crashed_worker_lease_is_taken_over_and_late_result_ignored(
    ctx: AppContext, gateway: RecordingGateway
) -> None:
    _, _, message_id = world_with_reply(ctx, gateway)
    first = actions.claim_due(ctx, lease_seconds=30)
    assert len(first) == 1
    assert actions.claim_due(ctx) == []  # leased
    later = ctx.clock() + timedelta(seconds=31)
    ctx.clock = lambda: later
    second = actions.claim_due(ctx)
    assert len(second) == 1 and second[0].attempt == 2
    from channels.types import SendResult

    actions.record_success(ctx, first[0], SendResult(provider_id="stale"))  # fenced off
    assert message(ctx, message_id).delivery_status == "queued"
    actions.record_success(ctx, second[0], SendResult(provider_id="fresh"))
    m = message(ctx, message_id)
    assert (m.delivery_status, m.provider_id) == ("sent", "fresh")


def test_delivery_reports_only_move_forward(ctx: AppContext, gateway: RecordingGateway) -> None:
    w, _, message_id = world_with_reply(ctx, gateway)
    assert w.channel.id is not None
    assert actions.delivery_update(ctx, w.channel.id, "delivered", message_id=message_id)
    assert actions.delivery_update(ctx, w.channel.id, "sent", message_id=message_id)
    assert message(ctx, message_id).delivery_status == "delivered"
    assert not actions.delivery_update(ctx, w.channel.id, "delivered", provider_id="nope")


def test_reply_to_opted_out_contact_is_refused(ctx: AppContext, gateway: RecordingGateway) -> None:
    w, interaction_id, _ = world_with_reply(ctx, gateway)
    with ctx.transaction() as tx:
        contact = tx.session.exec(select(Contact)).one()
        contact.sms_opted_out = True
        tx.session.add(contact)
    with pytest.raises(Conflict, match="opted out"):
        actions.reply(ctx, w.agents["awa"], interaction_id, "hello")
    with ctx.read_session() as s:
        assert len(s.exec(select(OutboxItem)).all()) == 1


def test_channel_health_records_errors(ctx: AppContext, gateway: RecordingGateway) -> None:
    w, _, _ = world_with_reply(ctx, gateway)
    gateway.fail_next(500)
    asyncio.run(drain(ctx))
    with ctx.read_session() as s:
        channel = s.get(Channel, w.channel.id)
        assert channel is not None
        assert channel.last_error and "500" in channel.last_error
        assert channel.last_success_at is not None
