"""Reading headers of real-world mail without raising.

The modern ``email`` policy decodes RFC 2047 words and folds lines for us, but it turns raw
8-bit header bytes (common from old clients) into U+FFFD and can raise on pathological
values. Each helper here falls back to the raw header and decodes it leniently.
"""

from __future__ import annotations

import re
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses

from channels.email.charset import clean_text, decode_bytes, has_surrogates, repair_surrogates

# A Message-ID is "<left@right>"; we store it bare (without the angle brackets), see docs.
_MSGID_IN_BRACKETS = re.compile(r"<\s*([^<>\s]+?)\s*>")
_WS = re.compile(r"\s+")
MAX_ID_CHARS = 250
MAX_REFS = 50


def _raw(msg: Message, name: str) -> str | None:
    wanted = name.lower()
    for key, value in msg.raw_items():
        if key.lower() == wanted:
            return str(value)
    return None


def _decode_raw(raw: str) -> str:
    text = repair_surrogates(raw)
    if "=?" in text:
        try:
            text = str(make_header(decode_header(text)))
        except Exception:  # unknown charset in an encoded word, bad base64…
            text = _decode_words_leniently(text)
    return text


def _decode_words_leniently(text: str) -> str:
    parts: list[str] = []
    try:
        for chunk, charset in decode_header(text):
            if isinstance(chunk, bytes):
                parts.append(decode_bytes(chunk, charset))
            else:
                parts.append(chunk)
    except Exception:
        return text
    return "".join(parts)


def header_text(msg: Message, name: str) -> str | None:
    """A header as clean, unfolded text, or None when absent."""
    value: str | None
    try:
        got = msg.get(name)
        value = None if got is None else str(got)
    except Exception:
        value = None
    raw = _raw(msg, name)
    if raw is None and value is None:
        return None
    if value is None or "\ufffd" in value or has_surrogates(value):
        value = _decode_raw(raw) if raw is not None else (value or "")
    return _WS.sub(" ", clean_text(value)).strip()


def header_all(msg: Message, name: str) -> list[str]:
    """Every occurrence of a header, raw but surrogate-free (for Received, Auto-Submitted…)."""
    wanted = name.lower()
    out: list[str] = []
    for key, value in msg.raw_items():
        if key.lower() == wanted:
            out.append(_WS.sub(" ", clean_text(_decode_raw(str(value)))).strip())
    return out


def addresses(msg: Message, name: str) -> list[tuple[str, str]]:
    """``(display name, lower-cased address)`` pairs of an address header; bad entries dropped."""
    text = header_text(msg, name)
    if not text:
        return []
    out: list[tuple[str, str]] = []
    try:
        pairs = getaddresses([text])
    except Exception:
        return []
    for display, addr in pairs:
        addr = addr.strip().strip("<>").strip()
        if addr.count("@") != 1 or " " in addr:
            continue
        local, domain = addr.split("@")
        if not local or "." not in domain.strip("."):
            continue
        out.append((display.strip().strip('"').strip(), addr.lower()))
    return out


def normalize_msgid(value: str) -> str | None:
    """A Message-ID without angle brackets or spaces; None when it does not look like one."""
    match = _MSGID_IN_BRACKETS.search(value)
    ident = match.group(1) if match else value.strip().strip("<>").strip()
    if not ident or len(ident) > MAX_ID_CHARS or any(c.isspace() for c in ident):
        return None
    return ident


def msgid_list(value: str | None) -> list[str]:
    """Message-IDs of an In-Reply-To/References value, in header order, duplicates dropped."""
    if not value:
        return []
    found = _MSGID_IN_BRACKETS.findall(value)
    if not found:  # some clients drop the brackets
        found = [tok for tok in re.split(r"[\s,]+", value) if "@" in tok]
    out: list[str] = []
    for tok in found:
        ident = normalize_msgid(tok)
        if ident and ident not in out:
            out.append(ident)
    return out
