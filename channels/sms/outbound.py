"""What the outbox worker calls to send one SMS: checks, rate limit, then the adapter.

    result = await send_sms(channel, message, client)   # SendResult, or raises
                                                        # TransientSendError / PermanentSendError

The rate limit (``config["max_per_second"]``, optional ``config["burst"]``) is shared by every
send of this process through :data:`LIMITER`; a send over the limit waits, it does not fail.
Across several app processes each gets the full rate, so divide it when running many.
"""

from __future__ import annotations

import httpx

from channels.sms.phone import PhoneNumberError, normalize_phone
from channels.sms.ratelimit import RateLimiter, channel_rate
from channels.sms.registry import UnknownProviderError, provider_for
from channels.types import ChannelConfig, OutboundMessage, PermanentSendError, SendResult

LIMITER = RateLimiter()


def check_outbound(channel: ChannelConfig, message: OutboundMessage) -> None:
    """Refuse, permanently, what no retry can fix."""
    if not message.text.strip():
        raise PermanentSendError("empty SMS text")
    try:
        normalize_phone(message.to, str(channel.config.get("default_region") or "SN"))
    except PhoneNumberError as exc:
        raise PermanentSendError(f"cannot send SMS to {message.to!r}: {exc}") from None


async def send_sms(
    channel: ChannelConfig,
    message: OutboundMessage,
    client: httpx.AsyncClient,
    limiter: RateLimiter | None = None,
) -> SendResult:
    try:
        provider = provider_for(channel)
    except UnknownProviderError as exc:
        raise PermanentSendError(str(exc)) from None
    check_outbound(channel, message)
    rate, burst = channel_rate(channel.config)
    await (limiter or LIMITER).acquire(channel.id, rate, burst)
    return await provider.send(channel, message, client)
