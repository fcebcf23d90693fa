"""The chat channel's sender: the outbox hands it an agent's line, it hands the line
to whichever process holds the visitor's socket (through the event bus).

Being durable first (outbox) and then pushed means a visitor who is offline at
that moment gets the line in the ``welcome`` history when they come back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from channels.chat.protocol import agent_line
from channels.types import ChannelConfig, OutboundMessage, PermanentSendError, SendResult

# (channel, visitor id, message id, frame) -> published to the visitor's socket, wherever it is.
Publish = Callable[[ChannelConfig, str, int, dict[str, Any]], None]


class ChatSender:
    def __init__(self, publish: Publish) -> None:
        self._publish = publish

    async def send(self, channel: ChannelConfig, message: OutboundMessage) -> SendResult:
        if not message.to:
            raise PermanentSendError("this conversation has no visitor to send to")
        frame = agent_line(message.message_id, message.text, message.author_name)
        self._publish(channel, message.to, message.message_id, frame)
        # "sent": handed over; the socket reports "delivered" once the visitor has it.
        return SendResult(status="sent")
