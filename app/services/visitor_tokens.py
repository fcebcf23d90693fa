"""Chat visitor tokens: the browser keeps one, the server signed it.

``v1.<visitor id>.<channel id>.<issued at>.<signature>``. The visitor id is random;
the signature (HMAC-SHA256 with a key derived from ``TERANGA_SECRET_KEY``) makes
it unforgeable, so a visitor can only ever resume their own conversation, on the
channel that issued the token. Nothing is stored server-side for it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time

VERSION = "v1"
MAX_AGE_SECONDS = 365 * 86_400
_VISITOR = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _key(secret_key: str) -> bytes:
    return hmac.new(secret_key.encode(), b"teranga chat visitor token", hashlib.sha256).digest()


def _sign(secret_key: str, payload: str) -> str:
    digest = hmac.new(_key(secret_key), payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def new_visitor_id() -> str:
    return secrets.token_urlsafe(16)


def issue(secret_key: str, channel_id: int, visitor_id: str, now: float | None = None) -> str:
    issued = int(time.time() if now is None else now)
    payload = f"{VERSION}.{visitor_id}.{channel_id}.{issued}"
    return f"{payload}.{_sign(secret_key, payload)}"


def verify(secret_key: str, channel_id: int, token: str, now: float | None = None) -> str | None:
    """The visitor id the token names, if it is ours, for this channel and not too old."""
    if not isinstance(token, str) or len(token) > 200:
        return None
    parts = token.split(".")
    if len(parts) != 5 or parts[0] != VERSION:
        return None
    _, visitor_id, channel, issued, signature = parts
    payload = ".".join(parts[:4])
    if not hmac.compare_digest(signature, _sign(secret_key, payload)):
        return None
    if not _VISITOR.match(visitor_id) or channel != str(channel_id) or not issued.isdigit():
        return None
    current = time.time() if now is None else now
    if current - int(issued) > MAX_AGE_SECONDS:
        return None
    return visitor_id
