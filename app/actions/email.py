"""Email in the app: one raw message from a mailbox becomes an ingested, threaded message;
a bounce marks our reply failed; machine mail is kept quiet; and an agent's reply gets what
it needs to thread under the customer's mail.

``receive_email`` is the mailbox worker's ``deliver`` (in a thread). It returns an
``EmailOutcome`` once the message is *handled* (ingested, a duplicate, or set aside and
recorded) and raises only for trouble worth retrying (database down): the worker then offers
the same message again later. See docs/email.md for the contract.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from sqlmodel import Session, col, select

from app.actions.email_ack import send_auto_ack
from app.actions.ingest import ingest
from app.actions.outbox import delivery_update
from app.context import AppContext
from app.errors import ActionError, NotFound
from app.events import Event
from app.models import (
    Attachment,
    Channel,
    ContactIdentity,
    Interaction,
    InteractionEvent,
    Message,
)
from app.serializers import message_dict
from app.services.email_cursor import SET_ASIDE_KEY, update_state
from app.services.html import sanitize_html
from channels.email import (
    EmailSettings,
    ParsedEmail,
    outbound_message_id,
    parse_email,
    read_message_id,
    thread_hints,
)
from channels.types import ChannelConfig, InboundMessage

log = logging.getLogger(__name__)

Action = Literal["ingested", "duplicate", "machine_mail", "bounce", "set_aside"]
MAX_SET_ASIDE_KEPT = 50
MAX_HEADER_BYTES = 64 * 1024
_TAG_REF = re.compile(r"^T-(\d{1,12})$")


@dataclass(frozen=True, slots=True)
class EmailOutcome:
    action: Action
    message_id: str  # the email's Message-ID (bare)
    kind: str = "message"  # message | auto_reply | bounce | report
    interaction_id: int | None = None
    message_row_id: int | None = None
    reason: str | None = None  # why it was set aside, or the bounce's reason
    auto_ack: bool = False


def email_channel_config(channel: Channel, base_url: str = "") -> ChannelConfig:
    assert channel.id is not None
    return ChannelConfig(id=channel.id, tenant_id=channel.tenant_id, kind="email",
                         key=channel.key, secret=channel.secret, config=dict(channel.config),
                         base_url=base_url)


def receive_email(ctx: AppContext, channel: ChannelConfig, raw: bytes,
                  own_addresses: Iterable[str] = ()) -> EmailOutcome:
    """``own_addresses``: the installation's other mailboxes, whose mail (a reply copied to
    another of our mailboxes) must not become a customer message there."""
    settings = EmailSettings.from_config(channel.config)
    parsed = parse_email(raw, channel_id=channel.id,
                         max_attachment_bytes=settings.max_attachment_bytes,
                         own_addresses={settings.address, settings.reply_to, *own_addresses})
    if parsed.inbound is None:
        reason = parsed.set_aside or "not ingestible"
        if reason.startswith("sent by this mailbox"):
            # Our own copies are expected (Sent folders, relays): a log line, not a record.
            log.info("email channel=%s: skipped our own %s", channel.id, parsed.message_id)
            return EmailOutcome("set_aside", parsed.message_id, parsed.kind, reason=reason)
        return set_aside(ctx, channel.id, parsed, reason)
    if parsed.kind == "bounce":
        return _bounce(ctx, channel, parsed)
    if parsed.kind == "report":
        # Read receipts and abuse reports: nobody needs to answer them.
        return set_aside(ctx, channel.id, parsed, "report (read receipt or complaint)")
    inbound = _with_thread_hint(ctx, channel, parsed.inbound)
    # The original header block, for the agent's "show original" (the body is in full_text).
    inbound = replace(inbound, meta={**inbound.meta, "headers": _header_block(raw)})
    if parsed.kind == "auto_reply":
        target = _machine_mail_target(ctx, channel, inbound)
        if target is not None:
            return _attach_machine_mail(ctx, channel, parsed, inbound, target)
    try:
        result = ingest(ctx, inbound)
    except NotFound:
        raise  # the channel went away: not the message's fault, let the worker retry
    except ActionError as exc:
        return set_aside(ctx, channel.id, parsed, f"refused by ingest: {exc.detail}")
    _store_attachments(ctx, inbound, result.message_id)
    acked = False
    if parsed.kind == "message" and result.new_interaction and not result.duplicate:
        acked = send_auto_ack(ctx, channel, result.interaction_id, inbound)
    return EmailOutcome("duplicate" if result.duplicate else "ingested", parsed.message_id,
                        parsed.kind, result.interaction_id, result.message_id, auto_ack=acked)


def _header_block(raw: bytes) -> str:
    end = min((i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i >= 0),
              default=len(raw))
    return raw[:min(end, MAX_HEADER_BYTES)].decode("utf-8", "replace")


# -- threading ------------------------------------------------------------------------------


def _with_thread_hint(ctx: AppContext, channel: ChannelConfig,
                      inbound: InboundMessage) -> InboundMessage:
    """Rules 2 and 3 of docs/email.md (our signed Message-IDs, then the subject tag) as
    ``interaction_id``; ingest applies rule 1 (stored Message-IDs) and rule 4 itself.

    Ingest tries ``interaction_id`` before stored Message-IDs, so the hint is only given
    when no reference is stored: the order of the rules stays as documented. Ingest accepts
    the hint only for the same contact on the same channel, which keeps a guessed or
    copied tag from attaching one customer's mail to another's conversation.
    """
    hints = thread_hints(inbound, channel.secret)
    if hints.interaction_id is None and hints.tag is None:
        return inbound
    with ctx.read_session() as s:
        if hints.refs and s.exec(select(Message.id).where(
                Message.tenant_id == channel.tenant_id,
                col(Message.provider_id).in_(list(hints.refs)[:50]))).first() is not None:
            return inbound
        candidates: list[int] = []
        if hints.interaction_id is not None:
            candidates.append(hints.interaction_id)
        tagged = _TAG_REF.match(hints.tag or "")
        if tagged:
            candidates.append(int(tagged.group(1)))
        for interaction_id in candidates:
            found = s.get(Interaction, interaction_id)
            if found is not None and found.tenant_id == channel.tenant_id \
                    and found.channel_id == channel.id:
                return replace(inbound, interaction_id=interaction_id)
    return inbound


def _machine_mail_target(ctx: AppContext, channel: ChannelConfig,
                         inbound: InboundMessage) -> int | None:
    """The conversation an auto-reply answers, found as ingest would find it, or None.

    An out-of-office answer to our reply must neither reopen a resolved conversation nor
    hand a waiting one back to the queue: it is filed quietly where it belongs."""
    with ctx.read_session() as s:
        contact_id = s.exec(select(ContactIdentity.contact_id).where(
            ContactIdentity.tenant_id == channel.tenant_id, ContactIdentity.kind == "email",
            ContactIdentity.value == inbound.sender.value.strip().lower())).first()
        if inbound.interaction_id is not None and contact_id is not None:
            found = s.get(Interaction, inbound.interaction_id)
            if found is not None and found.contact_id == contact_id \
                    and found.channel_id == channel.id:
                return found.id
        if inbound.thread_refs:
            by_ref = s.exec(select(Message.interaction_id).where(
                Message.tenant_id == channel.tenant_id,
                col(Message.provider_id).in_(list(inbound.thread_refs)[:50]))
                .order_by(col(Message.id).desc())).first()
            if by_ref is not None:
                return by_ref
        if contact_id is None:
            return None
        return s.exec(select(Interaction.id).where(
            Interaction.contact_id == contact_id, Interaction.channel_id == channel.id)
            .order_by(col(Interaction.id).desc())).first()


def _attach_machine_mail(ctx: AppContext, channel: ChannelConfig, parsed: ParsedEmail,
                         inbound: InboundMessage, interaction_id: int) -> EmailOutcome:
    with ctx.transaction() as tx:
        s = tx.session
        seen = s.exec(select(Message.id).where(
            Message.tenant_id == channel.tenant_id, Message.channel_id == channel.id,
            Message.direction == "in", Message.provider_id == inbound.provider_id)).first()
        if seen is not None:
            return EmailOutcome("duplicate", parsed.message_id, parsed.kind, interaction_id,
                                seen)
        interaction = s.get(Interaction, interaction_id)
        assert interaction is not None
        now = ctx.clock()
        message = Message(
            tenant_id=channel.tenant_id, interaction_id=interaction_id, channel_id=channel.id,
            direction="in", text=inbound.text, subject=inbound.subject,
            html=sanitize_html(inbound.html) if inbound.html else None,
            provider_id=inbound.provider_id, created_at=now, meta=dict(inbound.meta))
        s.add(message)
        s.add(InteractionEvent(tenant_id=channel.tenant_id, interaction_id=interaction_id,
                               kind="auto_reply_received", created_at=now,
                               data={"reason": parsed.auto_reply_reason}))
        s.flush()
        assert message.id is not None
        tx.emit(Event(type="message.created", tenant_id=channel.tenant_id,
                      data=message_dict(message), interaction_id=interaction_id,
                      skill_group_id=interaction.skill_group_id,
                      assignee_id=interaction.assignee_id))
        row_id = message.id
    _store_attachments(ctx, inbound, row_id)
    log.info("email channel=%s: auto-reply %s filed under interaction %s (%s)", channel.id,
             parsed.message_id, interaction_id, parsed.auto_reply_reason)
    return EmailOutcome("machine_mail", parsed.message_id, parsed.kind, interaction_id, row_id,
                        reason=parsed.auto_reply_reason)


# -- attachments ----------------------------------------------------------------------------


def _store_attachments(ctx: AppContext, inbound: InboundMessage, message_id: int) -> None:
    """Attachments of an ingested message, once. A separate transaction from ingest's (which
    knows no attachments): if we crash in between, the worker offers the message again,
    ingest answers "duplicate", and this finds no rows yet and writes them."""
    if not inbound.attachments:
        return
    with ctx.transaction() as tx:
        s = tx.session
        if s.exec(select(Attachment.id).where(Attachment.message_id == message_id)).first():
            return
        message = s.get(Message, message_id)
        if message is None:
            return
        for att in inbound.attachments:
            s.add(Attachment(
                tenant_id=message.tenant_id, message_id=message_id,
                filename=att.filename[:255] or "attachment",
                content_type=(att.content_type or "application/octet-stream")[:255],
                size=att.size, content_id=(att.content_id or None) and att.content_id[:255],
                content=att.content,
                skipped_reason=att.skipped_reason[:500] if att.skipped_reason else None))


# -- bounces and what is set aside ----------------------------------------------------------


def _bounce(ctx: AppContext, channel: ChannelConfig, parsed: ParsedEmail) -> EmailOutcome:
    bounce = parsed.bounce
    assert bounce is not None
    if not bounce.failed:
        return set_aside(ctx, channel.id, parsed, f"delivery delayed, not failed: {bounce.reason}")
    target = _bounced_message(ctx, channel, bounce.original_message_ids)
    if target is None:
        return set_aside(ctx, channel.id, parsed,
                         f"bounce about a message we did not send: {bounce.reason}")
    message_id, interaction_id = target
    delivery_update(ctx, channel.id, "failed", message_id=message_id,
                    reason=f"bounced: {bounce.reason}")
    log.info("email channel=%s: bounce %s marks message %s failed: %s", channel.id,
             parsed.message_id, message_id, bounce.reason)
    return EmailOutcome("bounce", parsed.message_id, parsed.kind, interaction_id, message_id,
                        reason=bounce.reason)


def _bounced_message(ctx: AppContext, channel: ChannelConfig,
                     original_ids: tuple[str, ...]) -> tuple[int, int] | None:
    """Our outbound message a bounce is about: by stored Message-ID, else by signature."""
    if not original_ids:
        return None
    with ctx.read_session() as s:
        row = s.exec(select(Message.id, Message.interaction_id).where(
            Message.channel_id == channel.id, Message.direction == "out",
            col(Message.provider_id).in_(list(original_ids)[:20]))).first()
        if row is not None:
            assert row[0] is not None
            return row[0], row[1]
        for mid in original_ids:
            ours = read_message_id(mid, channel.secret)
            if ours is None:
                continue
            message = s.get(Message, ours[0])
            if message is not None and message.channel_id == channel.id \
                    and message.direction == "out" and message.interaction_id == ours[1]:
                return ours
    return None


def set_aside(ctx: AppContext, channel_id: int, parsed: ParsedEmail, reason: str
              ) -> EmailOutcome:
    """Record why a message was not ingested: a log line, and the channel's list of the
    latest set-aside messages (shown with the channel's health)."""
    log.info("email channel=%s: set aside %s: %s", channel_id, parsed.message_id, reason)
    entry = {"message_id": parsed.message_id, "kind": parsed.kind, "reason": reason[:500],
             "at": ctx.clock().isoformat()}

    def add(old: Any) -> list[dict[str, Any]]:
        kept = [e for e in (old if isinstance(old, list) else [])
                if isinstance(e, dict) and e.get("message_id") != parsed.message_id]
        return [*kept, entry][-MAX_SET_ASIDE_KEPT:]

    update_state(ctx, channel_id, SET_ASIDE_KEY, add)
    return EmailOutcome("set_aside", parsed.message_id, parsed.kind, reason=reason)


# -- replies --------------------------------------------------------------------------------


def _tenant_mailboxes(s: Session, channel: Channel) -> set[str]:
    """The tenant's email channel addresses: never copied on a reply (a mail loop)."""
    out: set[str] = set()
    for config in s.exec(select(Channel.config).where(Channel.tenant_id == channel.tenant_id,
                                                      Channel.kind == "email")).all():
        for key in ("address", "reply_to"):
            value = config.get(key) if isinstance(config, dict) else None
            if isinstance(value, str) and "@" in value:
                out.add(value.strip().lower())
    return out


def prepare_reply(s: Session, channel: Channel, interaction: Interaction,
                  message: Message) -> None:
    """Called by ``reply`` inside its transaction for email channels: store our signed
    Message-ID on the new message (threading works from the database before it is even
    sent) and put in ``meta`` what the sender needs: recipient, copies, subject reference."""
    assert message.id is not None and interaction.id is not None
    config = email_channel_config(channel)
    try:
        settings = EmailSettings.from_config(config.config)
        mid = outbound_message_id(config, message.id, interaction.id)
    except ValueError:
        return  # misconfigured channel: the outbox reports it and keeps the reply queued
    recent = s.exec(select(Message.meta).where(Message.interaction_id == interaction.id,
                                               Message.direction == "in")
                    .order_by(col(Message.id).desc()).limit(10)).all()
    # The customer's latest own words: an out-of-office's Reply-To is no one to answer.
    meta: Mapping[str, Any] = next((m for m in recent if m.get("kind") != "auto_reply"),
                                   recent[0] if recent else {})
    to = str(meta.get("reply_to") or interaction.meta.get("customer_address") or "")
    ours = {settings.address, settings.reply_to, to.lower(), *_tenant_mailboxes(s, channel)}
    cc: list[str] = []
    for address in [*(meta.get("to") or []), *(meta.get("cc") or [])]:
        address = str(address).strip().lower()
        if "@" in address and address not in ours and address not in cc:
            cc.append(address)
    message.provider_id = mid
    message.meta = {**message.meta, "message_id_header": mid, "ref": f"T-{interaction.id}",
                    "to": to, "cc": cc[:10]}
    s.add(message)
