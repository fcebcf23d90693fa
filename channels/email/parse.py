"""One raw RFC 822 message -> what the app needs to ingest it (or why it should not).

``parse_email`` never raises: every message ends up either as an ``InboundMessage`` or set
aside with a reason the app logs. Message-IDs are stored bare (no angle brackets) in
``provider_id``, ``thread_refs`` and ``meta``.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from typing import Any, Literal

from channels.email.autoreply import auto_reply_reason
from channels.email.bounce import Bounce, parse_bounce, report_type
from channels.email.headers import addresses, header_text, msgid_list, normalize_msgid
from channels.email.html_text import html_to_text
from channels.email.mime import DEFAULT_MAX_ATTACHMENT_BYTES, walk
from channels.email.quotes import strip_reply
from channels.types import MAX_TEXT_CHARS, Identity, InboundMessage

log = logging.getLogger(__name__)

EmailKind = Literal["message", "auto_reply", "bounce", "report"]
MAX_FULL_TEXT_CHARS = 200_000
MAX_HTML_CHARS = 1_000_000
SYNTHETIC_DOMAIN = "teranga.invalid"


@dataclass(frozen=True, slots=True)
class ParsedEmail:
    """The outcome of parsing one message.

    ``kind``: ``message`` (a person wrote it), ``auto_reply`` (out-of-office, list or other
    machine mail: ingest without auto-acknowledgement), ``bounce`` (see ``bounce``: mark
    our reply failed) or ``report`` (read receipt, abuse complaint: log only).
    ``inbound`` is None exactly when ``set_aside`` says why the message cannot be ingested.
    """

    kind: EmailKind
    inbound: InboundMessage | None
    message_id: str  # bare Message-ID; synthesised from the bytes when the header is absent
    set_aside: str | None = None
    auto_reply_reason: str | None = None
    bounce: Bounce | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def ingestible(self) -> bool:
        return self.inbound is not None


def _sent_at(msg: Message) -> datetime | None:
    value = header_text(msg, "Date")
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _cap(text: str, limit: int, what: str, notes: list[str]) -> str:
    if len(text) <= limit:
        return text
    notes.append(f"{what} truncated from {len(text)} to {limit} characters")
    return text[:limit]


def _own(addr: str, own_addresses: Iterable[str]) -> bool:
    return addr in {a.strip().lower() for a in own_addresses}


def _message_id(msg: Message, raw: bytes) -> tuple[str, bool]:
    """The bare Message-ID and whether it was synthesised (from the raw bytes, stable)."""
    mid = normalize_msgid(header_text(msg, "Message-ID") or "")
    if mid:
        return mid, False
    digest = hashlib.sha256(raw).hexdigest()[:32]
    return f"sha256.{digest}@{SYNTHETIC_DOMAIN}", True


def parse_email(
    raw: bytes,
    *,
    channel_id: int,
    max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES,
    own_addresses: Iterable[str] = (),
) -> ParsedEmail:
    """Parse one raw message; never raises (a bug inside is reported as ``set_aside``).

    ``own_addresses``: the channel's own address(es); mail from them is set aside so that a
    copy of our own reply landing in the inbox never becomes a customer message.
    """
    try:
        return _parse(raw, channel_id, max_attachment_bytes, tuple(own_addresses))
    except Exception as exc:  # the promise is "never crash the mailbox"
        log.exception("email parse failed (channel %s)", channel_id)
        digest = hashlib.sha256(raw).hexdigest()[:32]
        return ParsedEmail(
            kind="message",
            inbound=None,
            message_id=f"sha256.{digest}@{SYNTHETIC_DOMAIN}",
            set_aside=f"parser error: {type(exc).__name__}: {exc}"[:500],
        )


def _parse(
    raw: bytes, channel_id: int, max_attachment_bytes: int, own_addresses: tuple[str, ...]
) -> ParsedEmail:
    # compat32: see channels/email/headers.py for why (speed) and how headers are decoded.
    msg = BytesParser(policy=policy.compat32).parsebytes(raw)
    message_id, synthetic = _message_id(msg, raw)
    notes: list[str] = []
    if synthetic:
        notes.append("no Message-ID header: id derived from the message bytes")

    subject = header_text(msg, "Subject")
    senders = addresses(msg, "From") or addresses(msg, "Sender")
    sender = senders[0] if senders else None

    rtype = report_type(msg)
    bounce = parse_bounce(msg, from_addr=sender[1] if sender else None, subject=subject)
    auto_reason = auto_reply_reason(msg, subject)
    kind: EmailKind
    if bounce is not None:
        kind = "bounce"
    elif rtype is not None:
        kind = "report"
    elif auto_reason is not None:
        kind = "auto_reply"
    else:
        kind = "message"

    def aside(reason: str) -> ParsedEmail:
        return ParsedEmail(kind, None, message_id, reason, auto_reason, bounce, tuple(notes))

    if not raw.strip():
        return aside("empty message")
    if sender is None:
        return aside("no usable From address")
    display, address = sender
    if own_addresses and _own(address, own_addresses):
        return aside("sent by this mailbox (our own copy or a loop)")

    content = walk(msg, max_attachment_bytes)
    notes.extend(content.notes)
    html = "\n".join(h for h in content.html if h.strip()) or None
    plain = "\n\n".join(p for p in content.plain if p.strip())
    full_text = plain if plain.strip() else (html_to_text(html) if html else "")
    full_text = _cap(full_text.strip(), MAX_FULL_TEXT_CHARS, "full text", notes)
    reply = strip_reply(full_text)
    text = _cap(reply.text, MAX_TEXT_CHARS, "text", notes)
    if html is not None:
        html = _cap(html, MAX_HTML_CHARS, "HTML", notes)

    in_reply_to = msgid_list(header_text(msg, "In-Reply-To"))
    references = msgid_list(header_text(msg, "References"))
    thread_refs: list[str] = []
    for ref in [*in_reply_to, *reversed(references)]:  # newest first
        if ref not in thread_refs and ref != message_id:
            thread_refs.append(ref)

    reply_to = addresses(msg, "Reply-To")
    others = tuple(
        Identity(kind="email", value=a, name=n or None) for n, a in reply_to if a != address
    )
    recipients = addresses(msg, "Delivered-To") or addresses(msg, "To")
    meta: dict[str, Any] = {
        "full_text": full_text,
        "quoted_removed": reply.quoted,
        "signature": reply.signature,
        "kind": kind,
        "in_reply_to": in_reply_to,
        "references": references[-20:],  # header order (oldest first): pass back on reply
        "reply_to": reply_to[0][1] if reply_to else None,
        "to": [a for _, a in addresses(msg, "To")],
        "cc": [a for _, a in addresses(msg, "Cc")],
        "notes": notes,
    }
    if synthetic:
        meta["message_id_synthetic"] = True
    if auto_reason:
        meta["auto_reply_reason"] = auto_reason
    if bounce is not None:
        meta["bounce"] = {
            "original_message_ids": list(bounce.original_message_ids),
            "failed": bounce.failed,
            "reason": bounce.reason,
        }
    inbound = InboundMessage(
        channel_id=channel_id,
        sender=Identity(kind="email", value=address, name=display or None),
        text=text,
        provider_id=message_id,
        html=html,
        subject=subject,
        sent_at=_sent_at(msg),
        recipient=recipients[0][1] if recipients else None,
        thread_refs=tuple(thread_refs[:50]),
        attachments=tuple(content.attachments),
        other_identities=others,
        meta=meta,
    )
    return ParsedEmail(kind, inbound, message_id, None, auto_reason, bounce, tuple(notes))
