"""The shared secret in a webhook URL, for gateways that cannot sign their calls.

Kannel, Africa's Talking and Orange call a URL we give them and sign nothing, so the URL
itself carries the channel secret (``?secret=...``). It is compared in constant time so
response timing never leaks how much of a guess was right.
"""

from __future__ import annotations

import hmac
from urllib.parse import parse_qsl, urlsplit

from channels.sms.base import SignatureError, WebhookRequest

SECRET_PARAM = "secret"


def query_value(request: WebhookRequest, name: str) -> str | None:
    """A query parameter, from the parsed query or, failing that, the URL itself."""
    value = request.query.get(name)
    if value is not None:
        return value
    for key, item in parse_qsl(urlsplit(request.url).query, keep_blank_values=True):
        if key == name:
            return item
    return None


def check_url_secret(request: WebhookRequest, secret: str, name: str = SECRET_PARAM) -> None:
    """Raise :class:`SignatureError` unless the request's ``?secret=`` equals ``secret``."""
    given = query_value(request, name)
    if not given:
        raise SignatureError(f"missing '{name}' query parameter")
    if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
        raise SignatureError(f"bad '{name}' query parameter")
