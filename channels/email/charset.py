"""Turning mail bytes into text without ever raising.

Real mail lies about its charset: "iso-8859-1" that is really windows-1252, "us-ascii" with
UTF-8 in it, charsets Python has never heard of ("x-mac-cyrillic", "unknown-8bit"). Every
decoder here degrades to a best guess instead of failing, because one odd message must
never stop a mailbox.
"""

from __future__ import annotations

import codecs
import re

# Declared charset -> what to decode with. Windows-1252 is a superset of Latin-1 that every
# mail client actually emits; GB18030 is a superset of GB2312/GBK.
_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "ks_c_5601-1987": "cp949",
    "iso-8859-8-i": "iso-8859-8",
    "unicode-1-1-utf-7": "utf-7",
}
# Labels that carry no information: guess from the bytes instead.
# Western single-byte labels that are very often slapped on UTF-8 text. Valid multi-byte
# UTF-8 is almost never genuine Latin-1 ("Ã©"), so UTF-8 is tried first for these.
_UTF8_FIRST = {"cp1252", "iso8859-15", "mac-roman"}
_NO_INFO = {"", "us-ascii", "ascii", "unknown-8bit", "x-unknown", "unknown", "default", "8bit"}

_SURROGATES = re.compile("[\udc80-\udcff]")
# C0 controls other than tab/newline/CR break databases and JSON consumers.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def codec_for(charset: str | None) -> str | None:
    """The Python codec for a declared MIME charset, or None when unknown or uninformative."""
    if not charset:
        return None
    name = charset.strip().strip("\"'").lower()
    if name in _NO_INFO:
        return None
    name = _ALIASES.get(name, name)
    for candidate in (name, name.removeprefix("x-"), name.replace("_", "-")):
        try:
            return codecs.lookup(candidate).name
        except LookupError:
            continue
    return None


def guess_decode(data: bytes) -> str:
    """Decode bytes of unknown charset: UTF-8 when valid, else Windows-1252."""
    return _utf8_or(data, "cp1252")


def _utf8_or(data: bytes, codec: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode(codec, errors="replace")


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode ``data`` declared as ``charset``; never raises."""
    codec = codec_for(charset)
    if codec is None:
        return guess_decode(data)
    if codec in _UTF8_FIRST and not data.isascii():
        return _utf8_or(data, codec)
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        pass
    if codec != "utf-8":
        # A wrong label is more common than broken bytes: UTF-8 mislabelled as a legacy charset.
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode(codec, errors="replace")
    except LookupError:  # pragma: no cover - codec_for already looked it up
        return guess_decode(data)


def has_surrogates(text: str) -> bool:
    return _SURROGATES.search(text) is not None


def repair_surrogates(text: str) -> str:
    """Undo ``surrogateescape`` left by the parser on raw 8-bit header bytes."""
    if not _SURROGATES.search(text):
        return text
    try:
        raw = text.encode("utf-8", errors="surrogateescape")
    except UnicodeEncodeError:  # other lone surrogates: clean_text replaces them
        return text
    return guess_decode(raw)


def clean_text(text: str) -> str:
    """Make a string safe to store: no lone surrogates, no NUL or other C0 controls."""
    text = repair_surrogates(text)
    text = text.encode("utf-8", errors="replace").decode("utf-8")
    return _CONTROLS.sub("", text)
