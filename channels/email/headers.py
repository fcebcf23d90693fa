"""Reading headers of real-world mail without raising.

Messages are parsed with the ``compat32`` policy and headers decoded here, from the raw
value: the modern policy builds a header object on *every* access (``get_content_type`` is
called many times per part) and made parsing about 17 times slower on our corpus
(5.9 ms against 0.35 ms per message), for decoding we can do as well ourselves:
raw 8-bit bytes repaired (UTF-8, else Windows-1252), RFC 2047 words decoded leniently
(unknown charsets included), and address lists split *before* display names are decoded,
so an encoded "Foo, Bar" stays one name.
"""

from __future__ import annotations

import re
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses

from channels.email.charset import clean_text, decode_bytes, repair_surrogates

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


_FOLD = re.compile(r"\r?\n(?=[ \t])")


def decode_value(raw: str) -> str:
    """A raw header value as clean, unfolded text."""
    return _WS.sub(" ", clean_text(_decode_raw(_FOLD.sub("", raw)))).strip()


def header_text(msg: Message, name: str) -> str | None:
    """A header as clean, unfolded text, or None when absent."""
    raw = _raw(msg, name)
    return None if raw is None else decode_value(raw)


def addresses(msg: Message, name: str) -> list[tuple[str, str]]:
    """``(display name, lower-cased address)`` pairs of an address header; bad entries dropped."""
    raw = _raw(msg, name)
    if not raw:
        return []
    try:
        pairs = getaddresses([_WS.sub(" ", _FOLD.sub("", repair_surrogates(raw)))])
    except Exception:
        return []
    out: list[tuple[str, str]] = []
    for display, addr in pairs:
        addr = clean_text(addr).strip().strip("<>").strip()
        if addr.count("@") != 1 or any(c.isspace() for c in addr):
            continue
        local, domain = addr.split("@")
        if not local or "." not in domain.strip("."):
            continue
        out.append((decode_value(display).strip('"').strip(), addr.lower()))
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
