"""The shape every SMS gateway adapter shares, so the app's webhook routes and the
outbox worker treat all providers alike."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

import httpx

from channels.types import ChannelConfig, OutboundMessage, SendResult

DeliveryStatus = Literal["queued", "sent", "delivered", "failed"]


class WebhookError(Exception):
    """A webhook request the adapter refuses; ``status`` is the HTTP answer to give."""

    status: int = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class SignatureError(WebhookError):
    status = 401


class PayloadError(WebhookError):
    status = 422


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    """An HTTP request as an adapter needs to see it, free of any web framework."""

    method: str
    url: str  # the full URL the provider called (proxy-aware: scheme and host as it saw them)
    headers: dict[str, str]  # lower-cased names
    query: dict[str, str]
    body: bytes
    form: dict[str, str] | None = None


@dataclass(frozen=True, slots=True)
class InboundSms:
    provider_id: str | None
    sender: str  # as the gateway gave it; the app normalises to E.164
    recipient: str | None
    text: str
    sent_at: datetime | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    """A delivery report: find the message by our id when the gateway echoes it, else by
    the provider's id."""

    status: DeliveryStatus
    provider_id: str | None = None
    message_id: int | None = None
    reason: str | None = None


class SmsProvider(Protocol):
    name: str

    def parse_inbound(self, request: WebhookRequest, channel: ChannelConfig) -> list[InboundSms]:
        """Verify and decode an inbound webhook; raise SignatureError / PayloadError."""
        ...

    def parse_status(self, request: WebhookRequest, channel: ChannelConfig) -> list[StatusUpdate]:
        """Verify and decode a delivery report."""
        ...

    async def send(
        self, channel: ChannelConfig, message: OutboundMessage, client: httpx.AsyncClient
    ) -> SendResult:
        """Hand one SMS to the gateway; raise TransientSendError / PermanentSendError."""
        ...
