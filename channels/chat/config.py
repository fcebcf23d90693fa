"""A chat channel's ``config``: who may embed it, how much a visitor may send.

Validated when an admin writes it (``ChannelConfigError`` names the problem); read
with defaults by the socket through :class:`ChatSettings`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

PRECHAT_FIELDS = ("name", "email", "phone")


class ChannelConfigError(ValueError):
    pass


def normalize_origin(value: str) -> str | None:
    """``"https://Shop.sn/"`` -> ``"https://shop.sn"``; None if it is no web origin."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if value.startswith(("https://*.", "http://*.")):
        scheme, _, rest = value.partition("://*.")
        inner = normalize_origin(f"{scheme}://{rest}")
        return inner.replace("://", "://*.", 1) if inner else None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    default = {"http": 80, "https": 443}[parts.scheme]
    host = parts.hostname.lower()
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def origin_allowed(origin: str | None, allowed: tuple[str, ...]) -> bool:
    """No list configured: any site may embed the widget. Otherwise the page's origin
    must be listed exactly, or match a ``https://*.example.sn`` entry.

    No origin at all is a server or a script, not a web page: an origin check cannot
    stop those (they may send any header), so rate limits do.
    """
    if not allowed or not origin:
        return True
    seen = normalize_origin(origin)
    if seen is None:
        return False
    for entry in allowed:
        if entry == "*" or entry == seen:
            return True
        if "://*." in entry:
            scheme, _, suffix = entry.partition("://*.")
            got_scheme, _, host = seen.partition("://")
            if got_scheme == scheme and host.endswith("." + suffix):
                return True
    return False


def whole_number(config: Mapping[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = config.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ChannelConfigError(f"{key} must be a whole number from {low} to {high}")
    return value


def check_origins(config: Mapping[str, Any]) -> tuple[str, ...]:
    raw = config.get("allowed_origins", [])
    if raw is None:
        return ()
    if isinstance(raw, str) or not isinstance(raw, list):
        raise ChannelConfigError("allowed_origins must be a list like ['https://shop.sn']")
    out = []
    for item in raw:
        origin = "*" if item == "*" else normalize_origin(item)
        if origin is None:
            raise ChannelConfigError(
                f"allowed_origins: {item!r} is not an origin (scheme://host[:port], "
                "e.g. https://shop.sn or https://*.shop.sn)")
        out.append(origin)
    return tuple(out)


@dataclass(frozen=True, slots=True)
class ChatSettings:
    allowed_origins: tuple[str, ...] = ()
    max_message_chars: int = 2000
    # Per visitor IP address, per channel.
    ip_connections: int = 20
    ip_connections_per_minute: int = 60  # new sockets (each costs a database read)
    ip_messages_per_minute: int = 60
    prechat: bool = False
    prechat_fields: tuple[str, ...] = ("name",)
    callback_channel: str | None = None  # the key of the call-back channel the widget offers
    transcript_channel: str | None = None  # the key of the e-mail channel sending transcripts
    seconds_per_chat: int = 300  # handling time used for the estimated wait until measured
    # An unanswered chat whose visitor left (no socket) this long ago is abandoned; 0: never.
    abandon_after_seconds: int = 120
    # An answered chat without a line either way for this long is resolved; 0: never.
    idle_resolve_minutes: int = 30

    @classmethod
    def parse(cls, config: Mapping[str, Any]) -> ChatSettings:
        fields = config.get("prechat_fields", ["name"])
        if isinstance(fields, str) or not isinstance(fields, list) \
                or any(f not in PRECHAT_FIELDS for f in fields):
            raise ChannelConfigError(
                f"prechat_fields must be a list of {', '.join(PRECHAT_FIELDS)}")
        prechat = config.get("prechat", False)
        if not isinstance(prechat, bool):
            raise ChannelConfigError("prechat must be true or false")
        callback = config.get("callback_channel")
        if callback is not None and (not isinstance(callback, str) or len(callback) > 64):
            raise ChannelConfigError("callback_channel must be a call-back channel's key")
        transcript = config.get("transcript_channel")
        if transcript is not None and (not isinstance(transcript, str) or len(transcript) > 64):
            raise ChannelConfigError("transcript_channel must be an e-mail channel's key")
        return cls(
            allowed_origins=check_origins(config),
            max_message_chars=whole_number(config, "max_message_chars", 2000, 1, 20_000),
            ip_connections=whole_number(config, "ip_connections", 20, 1, 1_000_000),
            ip_connections_per_minute=whole_number(config, "ip_connections_per_minute", 60, 1,
                                                   1_000_000),
            ip_messages_per_minute=whole_number(config, "ip_messages_per_minute", 60, 1, 1_000_000),
            prechat=prechat,
            prechat_fields=tuple(dict.fromkeys(fields)),
            callback_channel=callback,
            transcript_channel=transcript,
            seconds_per_chat=whole_number(config, "seconds_per_chat", 300, 10, 86_400),
            abandon_after_seconds=_grace(config),
            idle_resolve_minutes=whole_number(config, "idle_resolve_minutes", 30, 0, 10_080),
        )


def _grace(config: Mapping[str, Any]) -> int:
    """0 (never abandon) or at least 30 s: sockets say "still here" every 10 s."""
    value = config.get("abandon_after_seconds", 120)
    if value == 0 and not isinstance(value, bool):
        return 0
    return whole_number(config, "abandon_after_seconds", 120, 30, 86_400)


def validate_chat_config(config: dict[str, Any]) -> dict[str, Any]:
    settings = ChatSettings.parse(config)
    if settings.allowed_origins:
        config["allowed_origins"] = list(settings.allowed_origins)
    return config
