"""The outbox's state changes: claim due sends, record what the provider said,
and take delivery reports. The worker (``app.workers.outbox``) calls these."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_
from sqlmodel import Session, col, select

from app.context import AppContext, Transaction
from app.db import utcnow
from app.events import Event
from app.models import (
    Attachment,
    Channel,
    DeliveryAttempt,
    Interaction,
    Message,
    OutboxItem,
    User,
)
from app.serializers import message_dict
from channels.email import outbound_message_id
from channels.types import Attachment as ChannelAttachment
from channels.types import ChannelConfig, OutboundMessage, SendError, SendResult

# Delivery status only moves forward; a late "sent" never hides a "delivered".
_RANK = {"queued": 0, "sent": 1, "delivered": 2, "failed": 3}


def enqueue_system_email(s: Session, channel: ChannelConfig, message: Message,
                         interaction_id: int, tenant_id: int, now: datetime) -> None:
    """Put an e-mail the system wrote (acknowledgement, transcript) in the outbox, with the
    signed Message-ID a reply to it will be threaded by."""
    s.add(message)
    s.flush()
    assert message.id is not None
    try:
        mid = outbound_message_id(channel, message.id, interaction_id)
        message.provider_id = mid
        message.meta = {**message.meta, "message_id_header": mid}
    except ValueError:
        pass  # misconfigured channel: the outbox reports it
    s.add(message)
    s.add(OutboxItem(tenant_id=tenant_id, message_id=message.id, channel_id=channel.id,
                     next_attempt_at=now, created_at=now, updated_at=now))


@dataclass(frozen=True, slots=True)
class ClaimedSend:
    outbox_id: int
    attempt: int
    channel: ChannelConfig
    message: OutboundMessage


def claim_due(ctx: AppContext, limit: int = 20, lease_seconds: float = 120.0) -> list[ClaimedSend]:
    """Take due sends for this worker. A crashed worker's lease runs out and another
    takes the send over (at-least-once; the message id travels as idempotency key)."""
    now = ctx.clock()
    claimed: list[ClaimedSend] = []
    with ctx.transaction() as tx:
        s = tx.session
        rows = s.exec(
            select(OutboxItem)
            .where(
                col(OutboxItem.status).in_(("pending", "sending")),
                OutboxItem.next_attempt_at <= now,
                or_(col(OutboxItem.locked_until).is_(None), col(OutboxItem.locked_until) <= now),
            )
            .order_by(col(OutboxItem.next_attempt_at), col(OutboxItem.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        for item in rows:
            assert item.id is not None
            item.status = "sending"
            item.attempts += 1
            item.locked_until = now + timedelta(seconds=lease_seconds)
            item.updated_at = now
            s.add(item)
            s.add(DeliveryAttempt(tenant_id=item.tenant_id, outbox_id=item.id,
                                  message_id=item.message_id, attempt=item.attempts,
                                  started_at=now))
            built = _outbound(ctx, s, item)
            if built is not None:
                claimed.append(ClaimedSend(item.id, item.attempts, *built))
    return claimed


def _outbound(
    ctx: AppContext, s: Session, item: OutboxItem
) -> tuple[ChannelConfig, OutboundMessage] | None:
    message = s.get(Message, item.message_id)
    channel = s.get(Channel, item.channel_id)
    if message is None or channel is None:
        return None
    interaction = s.get(Interaction, message.interaction_id)
    assert interaction is not None and interaction.id is not None
    assert channel.id is not None and message.id is not None
    author = s.get(User, message.author_id) if message.author_id else None
    transcript = bool(message.meta.get("transcript_request"))
    # A chat transcript is a mail of its own: the chat's provider ids are no Message-IDs.
    refs = [] if transcript else s.exec(
        select(Message.provider_id)
        .where(Message.interaction_id == interaction.id, Message.direction == "in",
               col(Message.provider_id).is_not(None))
        .order_by(col(Message.id).desc())
        .limit(20)
    ).all()
    config = ChannelConfig(id=channel.id, tenant_id=channel.tenant_id,
                           kind=channel.kind,  # type: ignore[arg-type]
                           key=channel.key, secret=channel.secret, config=dict(channel.config),
                           base_url=ctx.settings.base_url)
    outbound = OutboundMessage(
        message_id=message.id,
        interaction_id=interaction.id,
        # Email replies name their recipient (the customer's Reply-To); others the contact.
        to=str(message.meta.get("to") or interaction.meta.get("customer_address", "")),
        text=message.text,
        # Messages written as HTML by Teranga itself (transcripts); replies get theirs
        # from the text.
        html=message.html if transcript else None,
        # The agent may retitle an e-mail reply; the sender adds "Re:" and the tag.
        subject=message.subject or interaction.subject,
        attachments=_attachments(s, message.id),
        in_reply_to=refs[0] if refs else None,
        references=tuple(r for r in reversed(refs) if r),
        author_name=author.name if author else None,
        meta=dict(message.meta),
    )
    return config, outbound


def _attachments(s: Session, message_id: int) -> tuple[ChannelAttachment, ...]:
    rows = s.exec(select(Attachment).where(Attachment.message_id == message_id,
                                           col(Attachment.content).is_not(None))
                  .order_by(col(Attachment.id))).all()
    return tuple(ChannelAttachment(filename=a.filename, content_type=a.content_type,
                                   size=a.size, content=a.content, content_id=a.content_id)
                 for a in rows)


def _lease_holder(s: Session, send: ClaimedSend) -> OutboxItem | None:
    """The row, if this worker still holds it (fencing against a lease taken over)."""
    item = s.get(OutboxItem, send.outbox_id, with_for_update=True)
    if item is None or item.status != "sending" or item.attempts != send.attempt:
        return None
    return item


def record_success(ctx: AppContext, send: ClaimedSend, result: SendResult) -> None:
    now = ctx.clock()
    with ctx.transaction() as tx:
        s = tx.session
        item = _lease_holder(s, send)
        if item is None:
            return
        item.status = "sent"
        item.locked_until = None
        item.last_error = None
        item.updated_at = now
        s.add(item)
        _finish_attempt(s, item, now, ok=True, error=None)
        message = s.get(Message, item.message_id, with_for_update=True)
        assert message is not None
        if result.provider_id and not message.provider_id:
            message.provider_id = result.provider_id
        _advance(tx, message, result.status, None)
        channel = s.get(Channel, item.channel_id)
        if channel is not None:
            channel.last_success_at = now
            s.add(channel)


def record_failure(ctx: AppContext, send: ClaimedSend, error: SendError) -> None:
    now = ctx.clock()
    settings = ctx.settings
    with ctx.transaction() as tx:
        s = tx.session
        item = _lease_holder(s, send)
        if item is None:
            return
        detail = error.detail[:2000]
        _finish_attempt(s, item, now, ok=False, error=detail)
        item.last_error = detail
        item.locked_until = None
        item.updated_at = now
        if error.permanent or item.attempts >= settings.outbox_max_attempts:
            item.status = "failed"
            message = s.get(Message, item.message_id, with_for_update=True)
            assert message is not None
            _advance(tx, message, "failed", detail)
        else:
            item.status = "pending"
            item.next_attempt_at = now + timedelta(seconds=backoff(
                item.attempts, settings.outbox_base_delay_seconds,
                settings.outbox_max_delay_seconds))
        s.add(item)
        channel = s.get(Channel, item.channel_id)
        if channel is not None:
            channel.last_error = detail
            channel.last_error_at = now
            s.add(channel)


def backoff(attempt: int, base: float, cap: float) -> float:
    """Exponential backoff with jitter, so a gateway coming back is not stampeded."""
    delay = min(cap, base * 2 ** max(0, attempt - 1))
    return delay * random.uniform(0.75, 1.25)


def _finish_attempt(
    s: Session, item: OutboxItem, now: datetime, *, ok: bool, error: str | None
) -> None:
    attempt = s.exec(select(DeliveryAttempt).where(DeliveryAttempt.outbox_id == item.id,
                                                   DeliveryAttempt.attempt == item.attempts)
                     ).first()
    if attempt is not None:
        attempt.finished_at = now
        attempt.ok = ok
        attempt.error = error
        s.add(attempt)


def _advance(tx: Transaction, message: Message, status: str, reason: str | None) -> bool:
    current = message.delivery_status or "queued"
    if _RANK.get(status, 0) <= _RANK.get(current, 0) and status != "failed":
        return False
    if current == "delivered" and status == "failed":
        return False
    message.delivery_status = status
    if reason:
        message.delivery_error = reason[:2000]
    tx.session.add(message)
    if message.meta and message.meta.get("transcript_request"):
        from app.actions.chat import transcript_delivery

        transcript_delivery(tx, message, status, reason, utcnow())
    interaction = tx.session.get(Interaction, message.interaction_id)
    assert interaction is not None
    tx.emit(Event(type="message.updated", tenant_id=message.tenant_id,
                  data=message_dict(message), interaction_id=message.interaction_id,
                  skill_group_id=interaction.skill_group_id,
                  assignee_id=interaction.assignee_id))
    return True


def delivery_update(
    ctx: AppContext, channel_id: int, status: str, *, message_id: int | None = None,
    provider_id: str | None = None, reason: str | None = None,
) -> bool:
    """A provider's delivery report. Returns False when no message matches."""
    with ctx.transaction() as tx:
        s = tx.session
        query = select(Message).where(Message.channel_id == channel_id, Message.direction == "out")
        if message_id is not None:
            query = query.where(Message.id == message_id)
        elif provider_id:
            query = query.where(Message.provider_id == provider_id)
        else:
            return False
        # Row-locked like record_success: a receipt racing the send's own record must
        # not be overwritten by it (PostgreSQL would otherwise lose one of the two).
        message = s.exec(query.with_for_update()).first()
        if message is None:
            return False
        _advance(tx, message, status, reason)
        return True
