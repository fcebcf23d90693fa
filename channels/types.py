"""The two shapes every channel adapter speaks: what came in, and what must go out.

Adapters turn a provider's payload into an :class:`InboundMessage` and an
:class:`OutboundMessage` into the provider's call. They know nothing of routing,
classification or tables: the app's actions do that.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

ChannelKind = Literal["email", "sms", "chat", "callback"]
CHANNEL_KINDS: tuple[ChannelKind, ...] = ("email", "sms", "chat", "callback")

IdentityKind = Literal["phone", "email", "visitor"]

# What one inbound message may carry at most; longer text is refused at the edge.
MAX_TEXT_CHARS = 20_000


@dataclass(frozen=True, slots=True)
class Identity:
    """How a customer is known on a channel: an E.164 phone, an e-mail address, a visitor id."""

    kind: IdentityKind
    value: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content_type: str
    size: int
    content: bytes | None = None  # None when skipped (over the size limit)
    content_id: str | None = None  # inline images
    skipped_reason: str | None = None


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """One message from a customer, as the channel adapter understood it."""

    channel_id: int
    sender: Identity
    text: str
    provider_id: str | None = None  # dedupe key within the channel (SMS id, Message-ID, client_id)
    html: str | None = None  # raw customer HTML; sanitised by ingest before storage
    subject: str | None = None
    sent_at: datetime | None = None
    recipient: str | None = None  # the short code, mailbox address…
    # Message-IDs this one answers (In-Reply-To first, then References, newest first).
    thread_refs: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    # Extra identities learnt from the message (a chat visitor who left a phone number…).
    other_identities: tuple[Identity, ...] = ()
    # The interaction this message belongs to when the channel already knows it (chat).
    interaction_id: int | None = None
    # Call-backs: when the customer wants to be called (None = as soon as possible).
    requested_at: datetime | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """One message to a customer, handed by the outbox worker to the channel's sender."""

    message_id: int
    interaction_id: int
    to: str  # phone in E.164, e-mail address or visitor id
    text: str
    html: str | None = None
    subject: str | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    author_name: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ChannelConfig:
    """What a sender needs to know about its channel."""

    id: int
    tenant_id: int
    kind: ChannelKind
    key: str
    secret: str
    config: dict[str, Any]
    base_url: str = "http://127.0.0.1:8000"


@dataclass(frozen=True, slots=True)
class SendResult:
    provider_id: str | None = None
    # "sent": the provider took it; "delivered": it reached the customer (chat).
    status: Literal["sent", "delivered"] = "sent"
    detail: str | None = None


class SendError(Exception):
    """A send failed. ``permanent`` failures are not retried."""

    permanent: bool = False

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class TransientSendError(SendError):
    permanent = False


class PermanentSendError(SendError):
    permanent = True
