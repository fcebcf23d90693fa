"""Customers writing again, in a group commit: their conversations are looked up
once for the batch, and the batch leaves the database exactly as the same messages
ingested one at a time would."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlmodel import col, select

from app import actions
from app.actions.ingest import IngestResult
from app.actions.ingest_batch import ingest_many
from app.context import AppContext
from app.models import (
    Contact,
    ContactIdentity,
    Interaction,
    InteractionEvent,
    Message,
    SkillGroup,
    Tenant,
    User,
)
from channels.types import Identity, InboundMessage
from tests.factories import make_world


def sms(channel_id: int | None, phone: str, text: str, pid: str) -> InboundMessage:
    assert channel_id is not None
    return InboundMessage(channel_id=channel_id, sender=Identity("phone", phone), text=text,
                          provider_id=pid, meta={"provider": "generic"})


def phone(n: int) -> str:
    return f"+2217730006{n:02d}"


@contextmanager
def statements(ctx: AppContext) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(ctx.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(ctx.engine, "before_cursor_execute", record)


def _same_instant(a: Any, b: Any) -> bool:
    """SQLite hands back naive UTC datetimes, PostgreSQL aware ones."""
    return a is not None and a.replace(tzinfo=None) == b.replace(tzinfo=None)


def scenario(ctx: AppContext, slug: str, batched: bool
             ) -> tuple[list[tuple[Any, ...]], list[tuple[int, bool, bool]], list[str]]:
    """Four customers with conversations in four states, then their follow-ups (and a
    new customer writing twice); returns the tenant's conversations afterwards, the
    answers, and the statements the follow-ups ran."""
    w = make_world(ctx, slug)
    awa = w.agents["awa"]
    actions.set_presence(ctx, awa, "available")
    ch = w.channel.id
    first = [actions.ingest(ctx, sms(ch, phone(n), text, f"{slug}-a{n}"))
             for n, text in enumerate(["prix du riz", "ma box est en panne",
                                       "je veux acheter", "commande 12"])]
    actions.reply(ctx, awa, first[2].interaction_id, "Voici le prix.")  # waits for them
    actions.resolve(ctx, awa, first[3].interaction_id)                 # resolved
    follow_ups = [(0, "encore moi"), (1, "toujours en panne"), (2, "merci, je prends"),
                  (3, "re-bonjour, une autre commande"), (0, "et encore"),
                  (4, "prix du mil ?"), (4, "c'est urgent")]
    messages = [sms(ch, phone(n), text, f"{slug}-b{k}")
                for k, (n, text) in enumerate(follow_ups)]
    with statements(ctx) as seen:
        outcomes: list[Any] = (ingest_many(ctx, messages) if batched
                               else [actions.ingest(ctx, m) for m in messages])
    assert all(isinstance(o, IngestResult) for o in outcomes), outcomes
    with ctx.read_session() as s:
        tenant = s.exec(select(Tenant).where(Tenant.slug == slug)).one()
        by_contact = {i.contact_id: int(i.value[-2:]) for i in s.exec(
            select(ContactIdentity).where(ContactIdentity.tenant_id == tenant.id)).all()}
        groups = {g.id: g.name for g in s.exec(select(SkillGroup)).all()}
        names = {u.id: u.name for u in s.exec(select(User)).all()}
        state = []
        for i in s.exec(select(Interaction).where(Interaction.tenant_id == tenant.id)
                        .order_by(col(Interaction.id))).all():
            texts = s.exec(select(Message.text).where(Message.interaction_id == i.id)
                           .order_by(col(Message.id))).all()
            last_in = max(s.exec(select(Message.created_at).where(
                Message.interaction_id == i.id, Message.direction == "in")).all())
            history = s.exec(select(InteractionEvent.kind)
                             .where(InteractionEvent.interaction_id == i.id)
                             .order_by(col(InteractionEvent.id))).all()
            state.append((by_contact[i.contact_id], i.status, names.get(i.assignee_id or 0),
                          groups.get(i.skill_group_id or 0), i.priority,
                          _same_instant(i.last_message_at, last_in), list(texts),
                          list(history)))
        assert len(s.exec(select(Contact).where(Contact.tenant_id == tenant.id)).all()) == 5
        ids = {i.id: by_contact[i.contact_id] for i in s.exec(
            select(Interaction).where(Interaction.tenant_id == tenant.id)).all()}
    answers = [(ids[o.interaction_id], o.new_interaction, o.assignee_id is not None)
               for o in outcomes]
    return state, answers, seen


def test_a_batch_of_follow_ups_leaves_what_one_at_a_time_leaves(ctx: AppContext) -> None:
    alone_state, alone_answers, _ = scenario(ctx, "seule", batched=False)
    batch_state, batch_answers, seen = scenario(ctx, "groupe", batched=True)
    assert batch_answers == alone_answers
    assert batch_state == alone_state
    # Each conversation's last-message time is its latest inbound message's.
    assert all(row[5] for row in batch_state), batch_state
    # The states it went through, as one at a time: continued, still waiting, back
    # from waiting for the customer, reopened, and a new customer writing twice.
    statuses = {row[0]: row[1] for row in alone_state}
    assert statuses[2] == "assigned" and statuses[3] in ("queued", "assigned")
    assert "reopened" in next(row[7] for row in alone_state if row[0] == 3)
    # The four known customers' conversations: one question for the batch.
    latest = [s for s in seen if "max(interaction.id)" in s]
    per_message = [s for s in seen if "ORDER BY interaction.id DESC" in s]
    assert len(latest) == 1 and per_message == [], seen
