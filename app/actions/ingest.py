"""``ingest``: one inbound message from any channel becomes durable, threaded,
classified and routed in one transaction; events follow the commit.

This runs for every SMS, e-mail, chat line and call-back, so it is written for
speed without changing what it does: the channel, tenant and rules come from a
short-lived per-process cache (``app.services.cache``), statements are Core and
built once (``app.queries``), each row is written once with its final values
(a new interaction is inserted already assigned), and the events are built from
the values in hand. The rare branches (after-hours auto-reply, sticky agent,
overflow statistics) reuse the ORM services as they are.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from app.context import AppContext, Transaction
from app.errors import Invalid, NotFound
from app.events import Event
from app.models import Interaction
from app.models.interactions import OPEN_STATUSES
from app.observability import METRICS
from app.queries import ingest as q
from app.queries.held_writes import HeldWrites
from app.queries.rows import ContactRow, InteractionRow, MessageRow
from app.serializers import message_dict
from app.services import assignment, auto_reply, queueing, spam
from app.services.cache import ChannelEntry
from app.services.html import sanitize_html
from app.services.identities import normalize_identity
from channels.types import Identity, InboundMessage

log = logging.getLogger(__name__)

# Two ingests racing on the same new contact or provider id: the loser retries and
# then finds the winner's rows.
RACE_RETRIES = 3
# Channel health ("last message at") is precise to this much.
HEALTH_STRIDE = timedelta(seconds=10)


@dataclass(frozen=True, slots=True)
class IngestResult:
    message_id: int
    interaction_id: int
    duplicate: bool = False
    new_interaction: bool = False
    assignee_id: int | None = None
    channel_kind: str = ""


def ingest(ctx: AppContext, msg: InboundMessage) -> IngestResult:
    taken = check_and_take_survey_reply(ctx, msg)
    if taken is not None:
        return taken
    for attempt in range(RACE_RETRIES):
        try:
            result = _ingest_once(ctx, msg)
        except IntegrityError:
            if attempt == RACE_RETRIES - 1:
                raise
            log.info("ingest race on channel %s, retrying", msg.channel_id)
            continue
        count(result)
        return result
    raise AssertionError("unreachable")


def check_and_take_survey_reply(ctx: AppContext, msg: InboundMessage) -> IngestResult | None:
    """What comes before the transaction: the length limit (``Invalid``), and an SMS
    answering a satisfaction survey ("4" is a score, not a new request), which is
    recorded in its own transaction and returned."""
    if len(msg.text) > ctx.settings.max_text_chars:
        raise Invalid(f"text is longer than {ctx.settings.max_text_chars} characters")
    from app.actions.csat import take_sms_survey_reply  # csat imports this module

    return take_sms_survey_reply(ctx, msg)


def count(result: IngestResult) -> None:
    counter = METRICS.duplicates if result.duplicate else METRICS.ingested
    counter.labels(result.channel_kind).inc()


@dataclass
class _Thread:
    """The interaction a message lands in, and what to write for it."""

    row: InteractionRow
    created: bool
    before: dict[str, Any]  # column values as read (empty for a new one)
    assignee_name: str | None = None
    # The work (re)joined the queue with this message: new, reopened, woken, or the
    # customer answered. Only then is it offered here; work already waiting keeps its
    # place, so a customer who writes again does not jump ahead of those who wait.
    requeued: bool = False
    # The contact's latest interaction on the channel (found as such, or new): what
    # the next message of theirs in the same group commit continues.
    latest: bool = False


def _ingest_once(ctx: AppContext, msg: InboundMessage) -> IngestResult:
    with ctx.transaction() as tx:
        return ingest_in(ctx, tx, msg)


def ingest_in(ctx: AppContext, tx: Transaction, msg: InboundMessage) -> IngestResult:
    """The work of ``ingest`` inside a transaction the caller holds (one message of
    a group commit: ``app.actions.ingest_batch``)."""
    entry = ctx.config_cache.by_id(msg.channel_id)
    if entry is None or not entry.channel.is_active:
        raise NotFound("unknown or inactive channel")
    channel, tenant = entry.channel, entry.tenant
    assert channel.id is not None and tenant.id is not None
    conn = tx.session.connection()
    if msg.provider_id:
        key = (channel.id, msg.provider_id)
        seen = tx.provider_ids[key] if key in tx.provider_ids else q.stored_messages(
            conn, tenant.id, channel.id, [msg.provider_id]).get(msg.provider_id)
        if seen is not None:
            return IngestResult(message_id=seen[0], interaction_id=seen[1], duplicate=True,
                                channel_kind=channel.kind)
    now = ctx.clock()
    contact, address, new_contact = _resolve_contact(
        conn, tenant.id, tenant.default_region, msg.sender, msg.other_identities, now,
        trusted=bool(msg.meta.get("sender_not_phone")), known=tx.contacts, later=tx.later)
    history: list[dict[str, Any]] = []
    thread = _thread(ctx, tx, conn, entry, contact, new_contact, msg, now, history)
    row = thread.row
    if thread.created:
        row.meta = {**row.meta, "customer_address": address}
    row.last_message_at = now
    row.updated_at = now
    if entry.channel.kind == "sms" and msg.meta.get("keyword") in ("opt_out", "opt_in"):
        _record_opt(conn, contact, history, opted_out=msg.meta["keyword"] == "opt_out",
                    now=now)
    message_meta = _with_spam_verdict(entry.channel.kind, msg)
    if message_meta.get("spam", {}).get("flagged"):
        # Flag, never drop: the agent sees the warning and decides.
        row.meta = {**row.meta, "spam_suspected": True}
    closed_notice = _after_hours(row, entry, now) if thread.created else None
    offer = assignment.offer_row(conn, row, now, entry.config, tx.full_groups) \
        if row.status == "queued" and (thread.created or thread.requeued) else None
    if thread.created:
        q.insert_interaction(conn, row, tx.later)
    else:
        q.update_interaction(conn, row, thread.before, tx.later)
    if thread.latest:
        tx.threads[(contact.id, channel.id)] = (
            row, offer.name if offer is not None else thread.assignee_name)
    assert row.id is not None
    html = sanitize_html(msg.html) if msg.html else None
    message_id = q.insert_message(conn, {
        "tenant_id": tenant.id, "interaction_id": row.id, "channel_id": channel.id,
        "direction": "in", "kind": "message", "text": msg.text,
        "html": html, "subject": msg.subject,
        "provider_id": msg.provider_id, "delivery_status": None, "delivery_error": None,
        "author_id": None, "created_at": now, "meta": message_meta,
    }, tx.later)
    if msg.provider_id:  # a resend later in the same group commit is a duplicate
        tx.provider_ids[(channel.id, msg.provider_id)] = (message_id, row.id)
    if ctx.config_cache.health_due(entry, now, HEALTH_STRIDE.total_seconds()):
        # Every message of a channel would otherwise queue on this one row's lock.
        conn.execute(q.TOUCH_CHANNEL, {"channel_id": channel.id, "v_at": now})
    lines = [{"tenant_id": tenant.id, "interaction_id": row.id, **h} for h in history]
    if closed_notice is not None:
        # Through the ORM service, in the order the history has always had.
        q.insert_history(conn, lines, tx.later)
        lines = []
        orm_row = tx.session.get(Interaction, row.id)
        assert orm_row is not None
        auto_reply.queue_closed_notice(tx, tenant, channel, orm_row,
                                       closed_notice.reopens_at, now)
        tx.session.flush()
    if offer is not None:
        lines.append({"tenant_id": tenant.id, "interaction_id": row.id, **offer.history})
    q.insert_history(conn, lines, tx.later)
    _emit(tx, entry, row, contact, thread, offer,
          MessageRow(id=message_id, interaction_id=row.id, direction="in", kind="message",
                     text=msg.text, html=html, subject=msg.subject, created_at=now))
    return IngestResult(
        message_id=message_id,
        interaction_id=row.id,
        new_interaction=thread.created,
        assignee_id=row.assignee_id,
        channel_kind=channel.kind,
    )


def sender_value(sender: Identity, region: str, *, trusted: bool = False) -> str:
    """The sender's identity as stored (E.164 phone, lower-case e-mail…)."""
    return sender.value.strip() if trusted else normalize_identity(
        sender.kind, sender.value, region)


def _resolve_contact(
    conn: Connection,
    tenant_id: int,
    region: str,
    sender: Identity,
    others: tuple[Identity, ...],
    now: datetime,
    *,
    trusted: bool = False,
    known: dict[tuple[int, str, str], ContactRow | None] | None = None,
    later: HeldWrites | None = None,
) -> tuple[ContactRow, str, bool]:
    """Find the customer by any identity they wrote from, or make them a card.

    ``trusted``: the channel already decided the sender is not a phone number it can
    normalise (an operator's notice signed "Orange"); keep it as given. ``known``:
    senders already looked up in this transaction (``Transaction.contacts``);
    ``later``: the group commit's held-back inserts (``Transaction.later``).
    """
    value = sender_value(sender, region, trusted=trusted)
    key = (tenant_id, sender.kind, value)
    contact = known[key] if known is not None and key in known else q.find_contact(
        conn, tenant_id, sender.kind, value)
    created = contact is None
    if contact is None:
        contact = q.create_contact(conn, tenant_id, sender.name, now, later)
        q.add_identity(conn, tenant_id, contact, sender.kind, value, now, later)
        if known is not None:  # the sender's next message in this group commit
            known[key] = contact
    elif sender.name and not contact.name:
        contact.name = sender.name
        conn.execute(q.RENAME_CONTACT, {"contact_id": contact.id, "v_name": sender.name,
                                        "v_updated_at": now})
    for other in others:
        try:
            other_value = normalize_identity(other.kind, other.value, region)
        except Invalid:
            continue  # a visitor's mistyped number must not lose their message
        if not q.identity_known(conn, tenant_id, other.kind, other_value):
            q.add_identity(conn, tenant_id, contact, other.kind, other_value, now, later)
    return contact, value, created


def _record_opt(conn: Connection, contact: ContactRow, history: list[dict[str, Any]], *,
                opted_out: bool, now: datetime) -> None:
    """STOP / START: replies by SMS are refused while the contact is opted out."""
    if contact.sms_opted_out == opted_out:
        return
    contact.sms_opted_out = opted_out
    conn.execute(q.SET_OPT_OUT, {"contact_id": contact.id, "v_opted_out": opted_out,
                                 "v_updated_at": now})
    history.append({"kind": "sms_opted_out" if opted_out else "sms_opted_in",
                    "created_at": now, "data": {}})


def _thread(
    ctx: AppContext,
    tx: Transaction,
    conn: Connection,
    entry: ChannelEntry,
    contact: ContactRow,
    new_contact: bool,
    msg: InboundMessage,
    now: datetime,
    history: list[dict[str, Any]],
) -> _Thread:
    """Attach to the conversation this message continues, or open a new one."""
    channel, tenant, config = entry.channel, entry.tenant, entry.config
    found: tuple[InteractionRow, str | None] | None = None
    if msg.interaction_id is not None:
        candidate = q.load_interaction(conn, q.INTERACTION_BY_ID,
                                       {"interaction_id": msg.interaction_id})
        if candidate is not None and candidate[0].contact_id == contact.id \
                and candidate[0].channel_id == channel.id:
            found = candidate
    if found is None and msg.thread_refs:
        refs = list(msg.thread_refs)[:50]
        iid = conn.execute(q.THREAD_BY_REFERENCE, {"tenant_id": tenant.id, "refs": refs}
                           ).scalar()
        if iid is not None:
            found = q.load_interaction(conn, q.INTERACTION_BY_ID, {"interaction_id": iid})
    latest = False
    if found is None and not new_contact:  # a card made just now has no conversations
        # The contact's latest conversation on this channel: open, or recently resolved
        # (looked up already for a group commit, or continued earlier in it).
        key = (contact.id, channel.id)
        found = tx.threads[key] if key in tx.threads else q.load_interaction(
            conn, q.LATEST_INTERACTION, {"contact_id": contact.id, "channel_id": channel.id})
        latest = True
        if found is not None and channel.kind == "sms" and _stale_sms(tenant.settings,
                                                                      found[0], now):
            found = None
    if found is not None:
        row, assignee_name = found
        thread = _Thread(row, False, row.values(), assignee_name, latest=latest)
        if row.status in OPEN_STATUSES:
            if row.status == "queued" and "snoozed_until" in row.meta and row.queued_at > now:
                # The customer wrote during a snooze: it ends now and the work is routed
                # again (a call-back booked again keeps its requested time).
                row.meta = {k: v for k, v in row.meta.items()
                            if k not in ("snoozed_until", "snoozed_by")}
                row.queued_at = _due(msg, now)
                thread.requeued = True
                history.append({"kind": "woken", "created_at": now,
                                "data": {"by": "customer"}})
            elif row.status == "waiting_customer":
                # The customer answered: the work is back with its agent, or the queue.
                row.status = "assigned" if row.assignee_id else "queued"
                if row.status == "queued":
                    thread.requeued = True
                    row.queued_at = _due(msg, now)
                    queueing.set_sla_due(row, config)
            elif row.status == "queued" and msg.requested_at is not None:
                row.queued_at = _due(msg, now)  # a call-back booked again: latest time wins
            return thread
        window = timedelta(days=int(tenant.settings.get("reopen_window_days",
                                                         ctx.settings.reopen_window_days)))
        if row.resolved_at and now - row.resolved_at <= window:
            row.status = "queued"
            row.resolved_at = None
            row.assignee_id = None
            row.queued_at = _due(msg, now)
            thread.requeued = True
            history.append({"kind": "reopened", "created_at": now, "data": {}})
            queueing.set_sla_due(row, config)
            return thread
    return _Thread(_open(ctx, tx, entry, contact, msg, now, history), True, {}, latest=True)


def _due(msg: InboundMessage, now: datetime) -> datetime:
    """When the work joins the queue: now, or a call-back's requested (future) time."""
    return msg.requested_at if msg.requested_at and msg.requested_at > now else now


def _stale_sms(settings: dict[str, Any] | None, interaction: InteractionRow, now: datetime
               ) -> bool:
    """An SMS long after the last one starts a new conversation, when the tenant sets
    a window (``settings.sms_thread_window_hours``); without one, an open
    conversation takes every SMS of its contact."""
    hours = (settings or {}).get("sms_thread_window_hours")
    last = interaction.last_message_at
    if not hours or last is None:
        return False
    return now - last > timedelta(hours=float(hours))


# Languages agents can be matched on (the classifier may also say "und": unknown).
LANGUAGES = ("fr", "en", "wo")


def _with_spam_verdict(kind: str, msg: InboundMessage) -> dict[str, Any]:
    meta = dict(msg.meta)
    if kind == "sms" and msg.text.strip():
        meta["spam"] = spam.verdict(msg.text)
    return meta


def _open(
    ctx: AppContext,
    tx: Transaction,
    entry: ChannelEntry,
    contact: ContactRow,
    msg: InboundMessage,
    now: datetime,
    history: list[dict[str, Any]],
) -> InteractionRow:
    """A new interaction, classified and routed to its group; not stored yet (the
    caller inserts it once, with the push decided)."""
    tenant, channel, config = entry.tenant, entry.channel, entry.config
    assert tenant.id is not None and channel.id is not None
    text = f"{msg.subject}\n{msg.text}" if msg.subject else msg.text
    prediction = ctx.classifiers.predict(tenant.id, entry.rules, text)
    classified = next((g for g in entry.groups if g.name == prediction.label), None)
    group_id, path, reasons = queueing.choose_group(tx.session, config, classified, now)
    row = InteractionRow(
        id=None, tenant_id=tenant.id, channel_id=channel.id, channel_kind=channel.kind,
        contact_id=contact.id, status="queued",
        priority=queueing.priority_for(config, contact, prediction.escalation),
        skill_group_id=group_id, classification_label=prediction.label,
        classification_confidence=prediction.confidence,
        classification_source=prediction.source,
        language=prediction.language if prediction.language in LANGUAGES else None,
        assignee_id=None,
        subject=msg.subject[:500] if msg.subject else None, queued_at=_due(msg, now),
        sla_due_at=None, sla_breached_at=None, created_at=now, updated_at=now,
        assigned_at=None, accepted_at=None, first_response_at=None, resolved_at=None,
        last_message_at=None, meta={},
    )
    queueing.set_sla_due(row, config)
    history.append({"kind": "created", "created_at": now, "data": {"classification": {
        "label": prediction.label, "source": prediction.source,
        "confidence": prediction.confidence, "language": prediction.language,
        "escalation": prediction.escalation, "cues": list(prediction.cues)}}})
    overflowed = queueing.overflow_history(path, reasons, now)
    if overflowed is not None:
        history.append(overflowed)
    queueing.reserve_for_last_agent_if_sticky(tx.session, row, config, now)
    return row


@dataclass(frozen=True, slots=True)
class _ClosedNotice:
    reopens_at: datetime | None


def _after_hours(row: InteractionRow, entry: ChannelEntry, now: datetime
                 ) -> _ClosedNotice | None:
    """Closed: note it on the interaction. Returns a notice to send when the tenant
    wants the customer told when we open again (an automatic reply through the
    outbox, written once the interaction is stored)."""
    decision = queueing.arrival_hours(entry.config, entry.channel.kind, now)
    if decision.open:
        return None
    reopens = queueing.from_ts(decision.reopens_at) if decision.reopens_at else None
    row.meta = {**(row.meta or {}), "after_hours": {
        "action": decision.action, "reopens_at": reopens.isoformat() if reopens else None}}
    if decision.action == "auto_reply" and entry.channel.kind in ("sms", "email"):
        return _ClosedNotice(reopens)
    return None


def _emit(
    tx: Transaction, entry: ChannelEntry, row: InteractionRow, contact: ContactRow,
    thread: _Thread, offer: assignment.Offer | None, message: MessageRow,
) -> None:
    """The events, serialised from what this action holds (no query)."""
    assert row.id is not None and entry.tenant.id is not None and entry.channel.id is not None
    known = tx.known
    known.tenants[entry.tenant.id] = entry.tenant.slug
    known.channels[entry.channel.id] = entry.channel.name
    known.groups.update(entry.group_names)
    known.contacts[contact.id] = contact.public()
    if offer is not None:
        known.users[offer.user_id] = offer.name
    elif row.assignee_id is not None and thread.assignee_name is not None:
        known.users[row.assignee_id] = thread.assignee_name
    tx.previews[row.id] = message.text[:140]
    if offer is not None:
        assignment.emit_interaction(tx, row, "interaction.updated",
                                    previous_assignee_id=offer.previous_assignee_id)
    assignment.emit_interaction(
        tx, row, "interaction.created" if thread.created else "interaction.updated")
    tx.emit(Event(
        type="message.created",
        tenant_id=row.tenant_id,
        data=message_dict(message),
        interaction_id=row.id,
        skill_group_id=row.skill_group_id,
        assignee_id=row.assignee_id,
    ))
