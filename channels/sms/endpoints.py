"""The URLs to give each gateway, for the channel settings page and the docs.

- :func:`inbound_url` — where the gateway posts customers' SMS (Kannel: the whole
  ``get-url`` with its escapes, ready to paste into kannel.conf).
- :func:`status_url` — where delivery reports go; per message for Kannel (``dlr-url``) and
  Twilio (``StatusCallback``), one per account for Africa's Talking and Orange.

Adapters build the per-message URL themselves when sending, from the channel's
``base_url`` (or ``config["callback_base_url"]``); the app only overrides it by putting
``meta["status_url"]`` on the :class:`~channels.types.OutboundMessage`.
"""

from __future__ import annotations

from typing import cast

from channels.sms.callbacks import STATUS_SUFFIX, webhook_url
from channels.sms.registry import SLUGS, UrlProvider, get_provider, provider_name
from channels.types import ChannelConfig


def inbound_url(channel: ChannelConfig) -> str:
    name = provider_name(channel.config)
    if name == "generic":
        return webhook_url(channel, SLUGS[name])
    return cast(UrlProvider, get_provider(name)).inbound_url(channel)


def status_url(channel: ChannelConfig, message_id: int | None = None) -> str:
    name = provider_name(channel.config)
    if name == "generic":
        return webhook_url(channel, SLUGS[name], status=True)
    return cast(UrlProvider, get_provider(name)).status_url(channel, message_id)


def route_patterns() -> list[tuple[str, str, str]]:
    """``(provider, inbound path, status path)`` with ``{channel_key}`` left to fill in."""
    return [
        (name, inbound, inbound + STATUS_SUFFIX)
        for name, slug in SLUGS.items()
        for inbound in (f"/webhooks/{slug}/{{channel_key}}",)
    ]
