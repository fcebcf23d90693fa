"""``ingest_many``: several inbound messages in one transaction (group commit).

Messages that arrive together (chat lines from many visitors, a gateway's concurrent
webhook posts) share one commit and one trip to a worker thread: in process that is
~40 % less CPU per message at 16 a batch on SQLite (``bench/ingest_inprocess.py
--batch 16``). Each message is written exactly as ``ingest`` writes it; the events
of all of them are published after the one commit, in order. On PostgreSQL the
batch's writes are also held back and written a table at a time
(``app.queries.held_writes``), which saves most of its round trips.

One bad message never takes the others down: if one fails inside the shared
transaction, it is rolled back whole and every message is ingested again on its own,
each with its own result or error. If the commit itself fails, nothing is retried here
(it may have happened): every caller gets the error, as a lone ``ingest`` would.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from app.actions.ingest import (
    IngestResult,
    check_and_take_survey_reply,
    count,
    ingest,
    ingest_in,
    sender_value,
)
from app.context import AppContext, Transaction
from app.errors import ActionError
from app.queries import ingest as q
from app.queries.held_writes import held_writes
from channels.types import InboundMessage

log = logging.getLogger(__name__)

Outcome = IngestResult | Exception


def ingest_many(ctx: AppContext, messages: Sequence[InboundMessage]) -> list[Outcome]:
    """One outcome per message, in order: its ``IngestResult``, or the exception
    ``ingest`` would have raised for it alone."""
    outcomes: list[Outcome | None] = [None] * len(messages)
    batch: list[int] = []
    for i, msg in enumerate(messages):
        try:
            taken = check_and_take_survey_reply(ctx, msg)
        except Exception as exc:  # its own error, not its neighbours'
            outcomes[i] = exc
            continue
        if taken is not None:
            outcomes[i] = taken
        else:
            batch.append(i)
    if len(batch) == 1:
        outcomes[batch[0]] = _alone(ctx, messages[batch[0]])
    elif batch:
        together: list[IngestResult] | None = None
        try:
            with ctx.transaction() as tx:
                _check_duplicates(ctx, tx, [messages[i] for i in batch])
                _find_senders(ctx, tx, [messages[i] for i in batch])
                _find_threads(ctx, tx, [messages[i] for i in batch])
                with _writes_held(ctx, tx, len(batch)):
                    results = [ingest_in(ctx, tx, messages[i]) for i in batch]
                together = results  # written: from here on, only the commit can fail
        except Exception as exc:
            if together is not None:
                # The commit itself failed: it may have happened all the same, so every
                # caller hears the error (the sender retries; provider ids dedupe).
                for i in batch:
                    outcomes[i] = exc
            else:  # a message failed: rolled back, and each answers for itself
                log.warning("group commit of %d messages failed (%r); ingesting one by one",
                            len(batch), exc)
                for i in batch:
                    outcomes[i] = _alone(ctx, messages[i])
        else:
            for i, result in zip(batch, together, strict=True):
                count(result)
                outcomes[i] = result
    return [o if o is not None else RuntimeError("not ingested") for o in outcomes]


@contextmanager
def _writes_held(ctx: AppContext, tx: Transaction, n: int) -> Iterator[None]:
    """On PostgreSQL, the batch's writes are held and written a table at a time
    (``app.queries.held_writes``): a few statements per batch instead of five per
    message."""
    if ctx.dialect != "postgresql":
        yield
        return
    with held_writes(tx.session.connection(), n) as later:
        tx.later = later
        try:
            yield
        finally:
            tx.later = None


def _check_duplicates(ctx: AppContext, tx: Transaction, messages: list[InboundMessage]
                      ) -> None:
    """Which provider ids are stored already: one query per channel for the batch,
    answers kept on the transaction for ``ingest_in``."""
    by_channel: dict[int, list[str]] = {}
    for msg in messages:
        if msg.provider_id:
            by_channel.setdefault(msg.channel_id, []).append(msg.provider_id)
    conn = tx.session.connection()
    for channel_id, provider_ids in by_channel.items():
        entry = ctx.config_cache.by_id(channel_id)
        if entry is None or len(provider_ids) < 2:
            continue  # ingest_in refuses the channel, or asks its one question itself
        assert entry.tenant.id is not None
        stored = q.stored_messages(conn, entry.tenant.id, channel_id, provider_ids)
        for pid in provider_ids:
            tx.provider_ids[(channel_id, pid)] = stored.get(pid)


def _find_senders(ctx: AppContext, tx: Transaction, messages: list[InboundMessage]) -> None:
    """The senders' contact cards: one query per tenant and identity kind for the
    batch, kept on the transaction for ``ingest_in`` (None: a card to make)."""
    wanted: dict[tuple[int, str], set[str]] = {}
    for msg in messages:
        key = _sender_key(ctx, msg)
        if key is not None:
            tenant_id, kind, value = key
            wanted.setdefault((tenant_id, kind), set()).add(value)
    conn = tx.session.connection()
    for (tenant_id, kind), values in wanted.items():
        if len(values) < 2:
            continue  # ingest_in asks its one question itself
        found = q.find_contacts(conn, tenant_id, kind, sorted(values))
        for value in values:
            tx.contacts[(tenant_id, kind, value)] = found.get(value)


def _find_threads(ctx: AppContext, tx: Transaction, messages: list[InboundMessage]) -> None:
    """The known senders' latest interactions: one query per channel for the batch,
    locked as ``ingest_in`` would lock each, kept on the transaction."""
    wanted: dict[int, set[int]] = {}
    for msg in messages:
        if msg.interaction_id is not None or msg.thread_refs:
            continue  # threaded by what it names, not by its sender
        key = _sender_key(ctx, msg)
        contact = tx.contacts.get(key) if key is not None else None
        if contact is not None:
            wanted.setdefault(msg.channel_id, set()).add(contact.id)
    conn = tx.session.connection()
    for channel_id, contact_ids in wanted.items():
        if len(contact_ids) < 2:
            continue  # ingest_in asks its one question itself
        found = q.latest_interactions(conn, channel_id, sorted(contact_ids))
        for contact_id in contact_ids:
            tx.threads[(contact_id, channel_id)] = found.get(contact_id)


def _sender_key(ctx: AppContext, msg: InboundMessage) -> tuple[int, str, str] | None:
    """(tenant, identity kind, value as stored) of the sender, or None when
    ``ingest_in`` will refuse the message (it answers for it)."""
    entry = ctx.config_cache.by_id(msg.channel_id)
    if entry is None or entry.tenant.id is None:
        return None
    try:
        value = sender_value(msg.sender, entry.tenant.default_region,
                             trusted=bool(msg.meta.get("sender_not_phone")))
    except ActionError:
        return None
    return entry.tenant.id, msg.sender.kind, value


def _alone(ctx: AppContext, msg: InboundMessage) -> Outcome:
    try:
        return ingest(ctx, msg)
    except Exception as exc:  # handed to the message's own caller
        return exc
