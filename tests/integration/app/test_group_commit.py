"""Group commit: messages arriving together share one transaction, each still gets
its own answer, and one bad message never takes the others down."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlmodel import col, func, select

from app import actions
from app.actions.ingest import IngestResult
from app.actions.ingest_batch import ingest_many
from app.context import AppContext
from app.errors import Invalid, NotFound
from app.events import Event
from app.models import Channel, Interaction, Message
from app.services.group_commit import GroupCommit, group_commit
from channels.types import Identity, InboundMessage
from tests.factories import make_world


def sms(channel_id: int | None, phone: str, text: str, pid: str) -> InboundMessage:
    assert channel_id is not None
    return InboundMessage(channel_id=channel_id, sender=Identity("phone", phone), text=text,
                          provider_id=pid, meta={"provider": "generic"})


def stored(ctx: AppContext) -> list[tuple[str | None, str]]:
    with ctx.read_session() as s:
        return [(m.provider_id, m.text) for m in
                s.exec(select(Message).where(Message.direction == "in")
                       .order_by(col(Message.id))).all()]


async def test_a_batch_is_stored_once_with_each_answer_in_order(ctx: AppContext) -> None:
    w = make_world(ctx)
    actions.set_presence(ctx, w.agents["awa"], "available")
    sub = ctx.bus.subscribe()
    batch = [sms(w.channel.id, "+221771000001", "prix du riz", "g1"),
             sms(w.channel.id, "+221771000002", "ma box est en panne", "g2"),
             sms(w.channel.id, "+221771000001", "encore moi", "g3"),   # same customer
             sms(w.channel.id, "+221771000002", "ma box est en panne", "g2")]  # resent
    outcomes = await asyncio.to_thread(ingest_many, ctx, batch)
    assert all(isinstance(o, IngestResult) for o in outcomes)
    first, second, third, again = outcomes
    assert isinstance(first, IngestResult) and isinstance(third, IngestResult)
    assert isinstance(second, IngestResult) and isinstance(again, IngestResult)
    assert first.new_interaction and second.new_interaction and not third.new_interaction
    assert third.interaction_id == first.interaction_id  # threaded inside the batch
    assert again.duplicate and again.message_id == second.message_id
    assert stored(ctx) == [("g1", "prix du riz"), ("g2", "ma box est en panne"),
                           ("g3", "encore moi")]
    # Every stored message was announced, after the one commit, in order.
    events: list[Event] = []
    while True:
        try:
            events.append(await asyncio.wait_for(sub.get(), timeout=0.5))
        except TimeoutError:
            break
    created = [e.data["id"] for e in events if e.type == "message.created"]
    assert created == [first.message_id, second.message_id, third.message_id]


def test_a_bad_message_does_not_take_the_batch_down(ctx: AppContext) -> None:
    w = make_world(ctx)
    with ctx.transaction() as tx:  # a second channel, switched off: ingest refuses it
        other = Channel(tenant_id=w.channel.tenant_id, kind="sms", name="Old", key="old-sms",
                        secret="s", config={}, is_active=False)
        tx.session.add(other)
        tx.session.flush()
        other_id = other.id
    ctx.config_cache.clear()
    batch = [sms(w.channel.id, "+221771000011", "bonjour", "b1"),
             sms(other_id, "+221771000012", "sur un canal fermé", "b2"),  # fails inside
             sms(w.channel.id, "+221771000013", "x" * (ctx.settings.max_text_chars + 1),
                 "b3"),  # refused before
             sms(w.channel.id, "+221771000014", "au revoir", "b4")]
    good, closed, long, last = ingest_many(ctx, batch)
    assert isinstance(good, IngestResult) and isinstance(last, IngestResult)
    assert isinstance(closed, NotFound) and isinstance(long, Invalid)
    assert stored(ctx) == [("b1", "bonjour"), ("b4", "au revoir")]
    with ctx.read_session() as s:
        assert s.exec(select(func.count()).select_from(Interaction)).one() == 2


async def test_concurrent_callers_share_commits_and_each_hears_its_own(ctx: AppContext
                                                                      ) -> None:
    w = make_world(ctx)
    writer = GroupCommit(ctx, max_batch=16)
    messages = [sms(w.channel.id, f"+2217710001{n:02d}", f"message {n}", f"c{n}")
                for n in range(40)]
    messages.append(sms(w.channel.id, "+221771000199", "y" * (ctx.settings.max_text_chars
                                                              + 1), "too-long"))
    outcomes: list[Any] = await asyncio.gather(*(writer.ingest(m) for m in messages),
                                               return_exceptions=True)
    assert isinstance(outcomes[-1], Invalid)
    results = outcomes[:-1]
    assert all(isinstance(r, IngestResult) and r.new_interaction for r in results)
    assert len({r.message_id for r in results}) == 40
    assert sorted(pid for pid, _ in stored(ctx)) == sorted(f"c{n}" for n in range(40))
    assert writer.messages == 41 and writer.largest == 16 and writer.batches == 3


async def test_one_writer_per_context_and_loop(ctx: AppContext) -> None:
    assert group_commit(ctx) is group_commit(ctx)


async def test_steady_traffic_lingers_so_more_share_a_commit(ctx: AppContext) -> None:
    w = make_world(ctx)

    async def pattern(writer: GroupCommit, prefix: str) -> int:
        def m(n: int) -> InboundMessage:
            return sms(w.channel.id, f"+22177{prefix}{n:05d}", "bonjour", f"{prefix}{n}")

        first = asyncio.create_task(writer.ingest(m(0)))
        await asyncio.sleep(0)  # the first batch is being written...
        second = asyncio.create_task(writer.ingest(m(1)))  # ...so traffic is steady
        await first
        rest = [asyncio.create_task(writer.ingest(m(n))) for n in range(2, 6)]
        await asyncio.gather(second, *rest)
        assert writer.messages == 6
        return writer.batches

    # Without lingering the second message goes alone; with it, the four after it join.
    assert await pattern(GroupCommit(ctx, linger=0.0), "10") == 3
    assert await pattern(GroupCommit(ctx, linger=0.5), "20") == 2


def test_a_full_group_is_asked_once_per_group_commit(ctx: AppContext, monkeypatch: Any
                                                     ) -> None:
    from app.queries import agents as agent_queries

    w = make_world(ctx)
    awa = w.agents["awa"]
    actions.set_presence(ctx, awa, "available")
    calls: list[int] = []
    real = agent_queries.skilled_available

    def counting(conn: Any, group_id: int, now: Any) -> Any:
        calls.append(group_id)
        return real(conn, group_id, now)

    monkeypatch.setattr(agent_queries, "skilled_available", counting)
    with ctx.read_session() as s:
        from app.models import AgentState

        state = s.get(AgentState, awa.user_id)
        assert state is not None
        room = state.capacity["sms"]
    # One more message than awa has room for, then one: all in the same skill group.
    texts = ["prix du riz"] * (room + 2)
    outcomes = ingest_many(ctx, [sms(w.channel.id, f"+2217710002{n:02d}", t, f"f{n}")
                                 for n, t in enumerate(texts)])
    results = [o for o in outcomes if isinstance(o, IngestResult)]
    assert len(results) == room + 2
    assigned = [r for r in results if r.assignee_id == awa.user_id]
    assert len(assigned) == room  # awa filled up, never past her capacity
    # Asked while she had room, once more to find her full, then never again.
    assert len(calls) == room + 1
    with ctx.read_session() as s:
        queued = s.exec(select(func.count()).select_from(Interaction)
                        .where(Interaction.status == "queued")).one()
        assert queued == 2


def test_provider_retries_are_recognised_with_one_question_per_batch(ctx: AppContext
                                                                      ) -> None:
    w = make_world(ctx)
    first = actions.ingest(ctx, sms(w.channel.id, "+221771000301", "bonjour", "r1"))
    outcomes = ingest_many(ctx, [
        sms(w.channel.id, "+221771000302", "salut", "r2"),
        sms(w.channel.id, "+221771000301", "bonjour", "r1"),   # the gateway's retry
        sms(w.channel.id, "+221771000302", "salut", "r2"),     # resent within the batch
        sms(w.channel.id, "+221771000303", "merci", "r3"),
    ])
    new, retry, resent, last = outcomes
    assert isinstance(new, IngestResult) and not new.duplicate
    assert isinstance(retry, IngestResult) and retry.duplicate
    assert retry.message_id == first.message_id
    assert isinstance(resent, IngestResult) and resent.duplicate
    assert resent.message_id == new.message_id
    assert isinstance(last, IngestResult) and not last.duplicate
    assert [pid for pid, _ in stored(ctx)] == ["r1", "r2", "r3"]


def test_known_senders_are_found_with_one_question_per_batch(ctx: AppContext) -> None:
    w = make_world(ctx)
    before = actions.ingest(ctx, sms(w.channel.id, "+221771000401", "bonjour", "k1"))
    again, other, local = ingest_many(ctx, [
        sms(w.channel.id, "+221771000401", "encore moi", "k2"),
        sms(w.channel.id, "+221771000402", "première fois", "k3"),
        sms(w.channel.id, "771000401", "et en format local", "k4"),  # same number
    ])
    assert isinstance(again, IngestResult) and isinstance(local, IngestResult)
    assert isinstance(other, IngestResult) and other.new_interaction
    assert again.interaction_id == local.interaction_id == before.interaction_id
    with ctx.read_session() as s:
        from app.models import Contact

        assert s.exec(select(func.count()).select_from(Contact)).one() == 2


def test_a_failed_commit_is_not_retried_behind_the_senders_back(ctx: AppContext,
                                                                 monkeypatch: Any) -> None:
    from app.context import Transaction

    w = make_world(ctx)

    attempts: list[int] = []

    def failing(self: Transaction) -> None:
        attempts.append(len(self.events))
        raise RuntimeError("the commit failed")

    monkeypatch.setattr(Transaction, "finalize", failing)
    outcomes = ingest_many(ctx, [sms(w.channel.id, "+221771000501", "un", "x1"),
                                 sms(w.channel.id, "+221771000502", "deux", "x2")])
    # Whether a failed commit happened is not known here: each sender hears the error
    # and retries (its provider id makes a retry of a stored message a duplicate).
    assert all(isinstance(o, RuntimeError) for o in outcomes)
    assert len(attempts) == 1  # one commit tried, no one-by-one retries
    assert stored(ctx) == []
