"""From a gateway's webhook to the app's :class:`~channels.types.InboundMessage`.

The webhook route does::

    messages = receive(channel, request)        # raises SignatureError (401) / PayloadError (422)
    for message in messages:
        ingest(message)                          # dedupes on message.provider_id

    updates = receive_status(channel, request)  # delivery reports
    for update in updates:
        delivery_update(update.message_id or lookup(update.provider_id), update.status, …)

Every inbound SMS is tagged with ``meta["keyword"]`` (``"opt_out"``/``"opt_in"``/absent),
so ingest can record STOP/START on the contact without knowing any language.
"""

from __future__ import annotations

import re

from channels.sms.base import InboundSms, PayloadError, StatusUpdate, WebhookRequest
from channels.sms.keywords import detect_keyword
from channels.sms.phone import DEFAULT_REGION, PhoneNumberError, normalize_phone
from channels.sms.registry import provider_for, provider_name
from channels.types import ChannelConfig, Identity, InboundMessage

# GSM alphanumeric originators: at most 11 letters, digits and a few marks.
ALPHANUMERIC_SENDER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 .&_-]{0,10}$")


def default_region(channel: ChannelConfig) -> str:
    return str(channel.config.get("default_region") or DEFAULT_REGION)


def to_inbound_message(
    channel: ChannelConfig, sms: InboundSms, region: str | None = None
) -> InboundMessage:
    """Normalise one parsed SMS: E.164 sender, keyword tag, provider name in ``meta``."""
    region = region or default_region(channel)
    meta = dict(sms.meta)
    meta["provider"] = provider_name(channel.config)
    try:
        sender = normalize_phone(sms.sender, region)
    except PhoneNumberError as exc:
        # Operators' own notices come from alphanumeric sender ids ("Orange", "INFO"):
        # keep them as given rather than lose the message; the flag tells ingest.
        sender = sms.sender.strip()
        if not ALPHANUMERIC_SENDER.match(sender):
            raise PayloadError(
                f"field 'from': {sender!r} is neither a phone number ({exc}) "
                "nor an alphanumeric sender id"
            ) from None
        meta["sender_not_phone"] = True
    recipient = sms.recipient
    if recipient:
        try:
            recipient = normalize_phone(recipient, region)
        except PhoneNumberError:
            recipient = recipient.strip()
    keyword = detect_keyword(sms.text)
    if keyword:
        meta["keyword"] = keyword
    return InboundMessage(
        channel_id=channel.id,
        sender=Identity("phone", sender),
        text=sms.text,
        provider_id=sms.provider_id,
        sent_at=sms.sent_at,
        recipient=recipient,
        meta=meta,
    )


def receive(channel: ChannelConfig, request: WebhookRequest) -> list[InboundMessage]:
    """Verify and parse an inbound webhook for ``channel``'s provider."""
    provider = provider_for(channel)
    region = default_region(channel)
    return [
        to_inbound_message(channel, sms, region) for sms in provider.parse_inbound(request, channel)
    ]


def receive_status(channel: ChannelConfig, request: WebhookRequest) -> list[StatusUpdate]:
    """Verify and parse a delivery report for ``channel``'s provider."""
    return provider_for(channel).parse_status(request, channel)
