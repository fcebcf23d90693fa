"""Which adapter serves a channel: ``config["provider"]`` names it.

The app asks :func:`provider_for` with the channel's config; the webhook routes use
:data:`SLUGS` / :func:`provider_for_slug` to check that a call to
``/webhooks/{slug}/{key}`` matches the channel's provider.
"""

from __future__ import annotations

from typing import Any, Protocol

from channels.sms.africastalking import AfricasTalkingProvider
from channels.sms.base import SmsProvider
from channels.sms.generic import GenericProvider
from channels.sms.kannel import KannelProvider
from channels.sms.orange import OrangeProvider
from channels.sms.twilio import TwilioProvider
from channels.types import ChannelConfig

DEFAULT_PROVIDER = "generic"

_PROVIDERS: dict[str, SmsProvider] = {
    "kannel": KannelProvider(),
    "africastalking": AfricasTalkingProvider(),
    "twilio": TwilioProvider(),
    "orange": OrangeProvider(),
    "generic": GenericProvider(),
}

# The path segment of each provider's webhooks; the contract fixes "sms" for the generic one.
SLUGS: dict[str, str] = {
    "kannel": "kannel",
    "africastalking": "africastalking",
    "twilio": "twilio",
    "orange": "orange",
    "generic": "sms",
}
PROVIDER_NAMES: tuple[str, ...] = tuple(_PROVIDERS)


class UnknownProviderError(LookupError):
    def __init__(self, name: object) -> None:
        super().__init__(
            f"unknown SMS provider {name!r}; expected one of {', '.join(PROVIDER_NAMES)}"
        )


class UrlProvider(Protocol):
    """Adapters that know the URLs their gateway must call (all but generic's own)."""

    def inbound_url(self, channel: ChannelConfig) -> str: ...

    def status_url(self, channel: ChannelConfig, message_id: int | None) -> str: ...


def get_provider(name: str) -> SmsProvider:
    try:
        return _PROVIDERS[name]
    except (KeyError, TypeError):
        raise UnknownProviderError(name) from None


def provider_name(config: dict[str, Any]) -> str:
    name = config.get("provider") or DEFAULT_PROVIDER
    if name not in _PROVIDERS:
        raise UnknownProviderError(name)
    return str(name)


def provider_for(channel: ChannelConfig) -> SmsProvider:
    return _PROVIDERS[provider_name(channel.config)]


def provider_for_slug(slug: str) -> str | None:
    """The provider name served under ``/webhooks/{slug}/…``, or None."""
    for name, value in SLUGS.items():
        if value == slug:
            return name
    return None
