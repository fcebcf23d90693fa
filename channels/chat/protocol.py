"""The chat websocket protocol (``/ws/chat/{channel_key}``), as data.

Visitor frames are parsed into small typed values; anything else becomes a
:class:`ProtocolError` whose ``detail`` goes back in an ``error`` frame, and the
connection stays usable. Server frames are built here too, so the shapes live in
one place (see docs/widget.md for the whole protocol).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

CLIENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
MAX_NAME = 200
MAX_EMAIL = 254
MAX_PHONE = 32
# JSON may spell one character as a six-byte escape; a frame is never larger than this.
FRAME_OVERHEAD = 1024


class ProtocolError(ValueError):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Hello:
    visitor_token: str | None
    name: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class Line:
    client_id: str
    text: str


@dataclass(frozen=True, slots=True)
class Typing:
    state: bool


@dataclass(frozen=True, slots=True)
class TranscriptAsk:
    email: str


@dataclass(frozen=True, slots=True)
class Ping:
    pass


Frame = Hello | Line | Typing | TranscriptAsk | Ping


def max_frame_bytes(max_chars: int) -> int:
    return max_chars * 6 + FRAME_OVERHEAD


def _optional_text(data: dict[str, Any], key: str, limit: int) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ProtocolError(f"'{key}' must be a string")
    value = value.strip()
    if len(value) > limit:
        raise ProtocolError(f"'{key}' is longer than {limit} characters")
    return value or None


def parse_frame(raw: str | bytes, max_chars: int) -> Frame:
    """One visitor frame, or ProtocolError naming what is wrong with it."""
    if len(raw) > max_frame_bytes(max_chars):
        raise ProtocolError(f"frame too large; a line may be at most {max_chars} characters")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ProtocolError("frames must be JSON objects") from None
    if not isinstance(data, dict):
        raise ProtocolError("frames must be JSON objects")
    kind = data.get("type")
    if kind == "message":
        client_id = data.get("client_id")
        if not isinstance(client_id, str) or not CLIENT_ID.match(client_id):
            raise ProtocolError("'client_id' must be 1-64 letters, digits or - _ . :")
        text = data.get("text")
        if not isinstance(text, str):
            raise ProtocolError("'text' must be a string")
        text = text.strip()
        if not text:
            raise ProtocolError("'text' must not be empty")
        if len(text) > max_chars:
            raise ProtocolError(f"'text' is longer than {max_chars} characters")
        return Line(client_id, text)
    if kind == "typing":
        state = data.get("state")
        if not isinstance(state, bool):
            raise ProtocolError("'state' must be true or false")
        return Typing(state)
    if kind == "hello":
        token = data.get("visitor_token")
        if token is not None and not isinstance(token, str):
            raise ProtocolError("'visitor_token' must be a string or null")
        return Hello(token or None, _optional_text(data, "name", MAX_NAME),
                     _optional_text(data, "email", MAX_EMAIL),
                     _optional_text(data, "phone", MAX_PHONE))
    if kind == "transcript":
        email = _optional_text(data, "email", MAX_EMAIL)
        if not email:
            raise ProtocolError("'email' is required")
        return TranscriptAsk(email)
    if kind == "ping":
        return Ping()
    raise ProtocolError(f"unknown frame type {kind!r}" if isinstance(kind, str)
                        else "every frame needs a 'type'")


# -- server frames ------------------------------------------------------------

def welcome(visitor_token: str, interaction_id: int | None, history: list[dict[str, Any]],
            **extra: Any) -> dict[str, Any]:
    return {"type": "welcome", "visitor_token": visitor_token,
            "interaction_id": interaction_id, "history": history, **extra}


def ack(client_id: str, message_id: int, interaction_id: int) -> dict[str, Any]:
    return {"type": "ack", "client_id": client_id, "message_id": message_id,
            "interaction_id": interaction_id}


def agent_line(message_id: int, text: str, author: str | None) -> dict[str, Any]:
    return {"type": "message", "id": message_id, "direction": "out", "text": text,
            "author": author}


def typing(state: bool) -> dict[str, Any]:
    return {"type": "typing", "state": state}


def error(detail: str) -> dict[str, Any]:
    return {"type": "error", "detail": detail}
