"""A group commit's inserts held back and written a table at a time (PostgreSQL):
fewer statements, the same rows, ids that match the events, and whatever reads in
the middle of the batch sees what the batch wrote before it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select

from app import actions
from app.actions.ingest import IngestResult
from app.actions.ingest_batch import ingest_many
from app.context import AppContext
from app.events import Event
from app.models import Contact, ContactIdentity, Interaction, InteractionEvent, Message
from app.queries.held_writes import HeldWrites
from channels.types import Identity, InboundMessage
from tests.factories import make_world


@pytest.fixture
def pg(ctx: AppContext) -> AppContext:
    if ctx.dialect != "postgresql":
        pytest.skip("inserts are held back on PostgreSQL only")
    return ctx


def sms(channel_id: int | None, phone: str, text: str, pid: str) -> InboundMessage:
    assert channel_id is not None
    return InboundMessage(channel_id=channel_id, sender=Identity("phone", phone), text=text,
                          provider_id=pid, meta={"provider": "generic"})


@contextmanager
def statements(ctx: AppContext) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement[:60])

    event.listen(ctx.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(ctx.engine, "before_cursor_execute", record)


async def drain(sub: Any) -> list[Event]:
    out: list[Event] = []
    while True:
        try:
            out.append(await asyncio.wait_for(sub.get(), timeout=0.2))
        except TimeoutError:
            return out


async def test_new_senders_are_written_a_table_at_a_time(pg: AppContext) -> None:
    ctx = pg
    w = make_world(ctx)  # no agent available: every message waits in the queue
    sub = ctx.bus.subscribe()
    batch = [sms(w.channel.id, f"+2217720000{n:02d}", f"bonjour {n}", f"d{n}")
             for n in range(16)]
    with statements(ctx) as seen:
        outcomes = await asyncio.to_thread(ingest_many, ctx, batch)
    results = [o for o in outcomes if isinstance(o, IngestResult)]
    assert len(results) == 16 and all(r.new_interaction for r in results)
    # One message at a time wrote five rows in five statements each: 80 INSERTs.
    # Held back, each table is written in one statement. Neither "is anyone in this
    # group free?" (it sees only assigned work, and none was) nor the channel's
    # health stamp makes the batch write early.
    inserts = [s for s in seen if s.startswith("INSERT")]
    assert len(inserts) == 5, "\n".join(seen)
    assert len(seen) <= 16, "\n".join(seen)
    with ctx.read_session() as s:
        messages = s.exec(select(Message).order_by(col(Message.id))).all()
        assert [(m.id, m.interaction_id, m.text) for m in messages] == [
            (r.message_id, r.interaction_id, f"bonjour {n}") for n, r in enumerate(results)]
        interactions = {i.id: i for i in s.exec(select(Interaction)).all()}
        assert set(interactions) == {r.interaction_id for r in results}
        identities = {i.value: i.contact_id for i in s.exec(select(ContactIdentity)).all()}
        for n, r in enumerate(results):
            assert interactions[r.interaction_id].contact_id == identities[f"+2217720000{n:02d}"]
        assert s.exec(select(func.count()).select_from(Contact)).one() == 16
        history = s.exec(select(InteractionEvent.interaction_id, InteractionEvent.kind)
                         .order_by(col(InteractionEvent.id))).all()
        assert [(iid, kind) for iid, kind in history] == [
            (r.interaction_id, "created") for r in results]
    events = await drain(sub)
    assert [e.data["id"] for e in events if e.type == "message.created"] == [
        r.message_id for r in results]
    assert [e.data["id"] for e in events if e.type == "interaction.created"] == [
        r.interaction_id for r in results]
    # The ids were reserved from the sequences: a message written alone comes after.
    alone = actions.ingest(ctx, sms(w.channel.id, "+221772000099", "seul", "d99"))
    assert alone.message_id > max(r.message_id for r in results)


def test_what_reads_mid_batch_sees_what_the_batch_held_back(pg: AppContext,
                                                           caplog: Any) -> None:
    ctx = pg
    w = make_world(ctx)
    earlier = actions.ingest(ctx, sms(w.channel.id, "+221772000101", "déjà là", "m0"))
    actions.set_presence(ctx, w.agents["awa"], "available")
    batch = [
        sms(w.channel.id, "+221772000101", "je reviens", "m1"),     # continues, held back
        sms(w.channel.id, "+221772000102", "le prix du riz", "m2"),  # new rows after it
        sms(w.channel.id, "+221772000102", "encore moi", "m3"),     # threads onto m2's
        sms(w.channel.id, "+221772000103", "je veux acheter", "m4"),  # offered to awa
    ]
    with caplog.at_level(logging.WARNING):
        back, new, again, other = ingest_many(ctx, batch)
    assert "one by one" not in caplog.text  # written together, not retried alone
    assert isinstance(back, IngestResult) and isinstance(new, IngestResult)
    assert isinstance(again, IngestResult) and isinstance(other, IngestResult)
    assert back.interaction_id == earlier.interaction_id and not back.new_interaction
    assert new.new_interaction and again.interaction_id == new.interaction_id
    assert other.new_interaction and other.interaction_id != new.interaction_id
    with ctx.read_session() as s:
        rows = s.exec(select(Message.provider_id, Message.interaction_id)
                      .order_by(col(Message.id))).all()
        assert [tuple(r) for r in rows] == [
            ("m0", earlier.interaction_id), ("m1", back.interaction_id),
            ("m2", new.interaction_id), ("m3", new.interaction_id),
            ("m4", other.interaction_id)]
        # The agents query read awa's load with the batch's new work in it.
        awa = w.agents["awa"].user_id
        assert new.assignee_id == other.assignee_id == awa
        assignees = dict(s.exec(select(Interaction.id, Interaction.assignee_id)).all())
        assert assignees[new.interaction_id] == assignees[other.interaction_id] == awa


def test_a_held_back_insert_that_fails_sends_the_batch_one_by_one(
        pg: AppContext, monkeypatch: Any) -> None:
    ctx = pg
    w = make_world(ctx)
    real = HeldWrites.flush
    failed: list[bool] = []

    def fail_once(self: HeldWrites) -> None:
        if not failed and self._pending:
            failed.append(True)
            raise IntegrityError("INSERT", {}, Exception("a race with another process"))
        real(self)

    monkeypatch.setattr(HeldWrites, "flush", fail_once)
    outcomes = ingest_many(ctx, [sms(w.channel.id, "+221772000201", "un", "f1"),
                                 sms(w.channel.id, "+221772000202", "deux", "f2")])
    # Not a failed commit: nothing was written, so each message is ingested alone.
    assert failed and all(isinstance(o, IngestResult) for o in outcomes)
    with ctx.read_session() as s:
        assert s.exec(select(Message.provider_id).order_by(col(Message.id))).all() == [
            "f1", "f2"]
