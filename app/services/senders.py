"""Which adapter sends a message, by channel kind."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx

from channels.email import send as send_email
from channels.sms.outbound import send_sms
from channels.types import ChannelConfig, OutboundMessage, PermanentSendError, SendResult

SendFn = Callable[[ChannelConfig, OutboundMessage], Awaitable[SendResult]]


class Senders:
    def __init__(self, client: httpx.AsyncClient | None = None) -> None:
        self.client = client or httpx.AsyncClient(timeout=15.0)
        self.by_kind: dict[str, SendFn] = {"sms": self._send_sms, "email": send_email}

    def register(self, kind: str, sender: SendFn) -> None:
        self.by_kind[kind] = sender

    async def send(self, channel: ChannelConfig, message: OutboundMessage) -> SendResult:
        sender = self.by_kind.get(channel.kind)
        if sender is None:
            raise PermanentSendError(f"no sender for {channel.kind} channels yet")
        return await sender(channel, message)

    async def _send_sms(self, channel: ChannelConfig, message: OutboundMessage) -> SendResult:
        return await send_sms(channel, message, self.client)

    async def aclose(self) -> None:
        await self.client.aclose()
