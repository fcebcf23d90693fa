"""Where gateways call Teranga back: the webhook URLs each adapter hands out.

One route shape for every provider, so the app registers two patterns and is done:

- ``{base}/webhooks/{slug}/{channel_key}``      inbound SMS
- ``{base}/webhooks/{slug}/{channel_key}/dlr``  delivery reports (status callbacks)

``base`` is ``config["callback_base_url"]`` when set (a gateway on the same LAN can reach
Teranga at an inside address) and the channel's public ``base_url`` otherwise.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from channels.types import ChannelConfig

STATUS_SUFFIX = "/dlr"


def callback_base(channel: ChannelConfig) -> str:
    base = channel.config.get("callback_base_url") or channel.base_url
    return str(base).rstrip("/")


def webhook_path(slug: str, key: str, *, status: bool = False) -> str:
    path = f"/webhooks/{slug}/{quote(key, safe='')}"
    return path + STATUS_SUFFIX if status else path


def webhook_url(
    channel: ChannelConfig,
    slug: str,
    *,
    status: bool = False,
    query: dict[str, str | int] | None = None,
) -> str:
    url = callback_base(channel) + webhook_path(slug, channel.key, status=status)
    if query:
        url += "?" + urlencode({k: str(v) for k, v in query.items()})
    return url
