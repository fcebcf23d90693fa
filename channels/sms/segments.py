"""How many SMS a text costs: GSM-7 or UCS-2, and the segment count the operator bills.

GSM 03.38 packs 160 septets in one SMS, 153 per part once a concatenation header is needed;
the extension table (``€ [ ] { } \\ ~ ^ |`` and form feed) takes an escape septet, so those
characters count double. Any character outside both tables forces UCS-2 for the whole
message: 70 UTF-16 units in one SMS, 67 per part, and characters beyond the BMP (emoji) take
two units. French is the trap: "é" is in the basic table, "ê", "ç" (lower case) and "œ" are
not, so one "ê" turns a 160-character message into three SMS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Encoding = Literal["gsm7", "ucs2"]

# GSM 03.38 basic character set, in table order (0x1B, the escape, is left out).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# GSM 03.38 extension table: each costs two septets (escape + code).
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

SINGLE = {"gsm7": 160, "ucs2": 70}
MULTI = {"gsm7": 153, "ucs2": 67}


@dataclass(frozen=True, slots=True)
class SegmentInfo:
    """What the agent sees under the reply box.

    ``characters`` counts as the network does: septets for GSM-7 (extension characters are
    two), UTF-16 units for UCS-2 (emoji are two). ``remaining`` is what still fits in the last
    segment before one more is needed.
    """

    encoding: Encoding
    characters: int
    segments: int
    per_segment: int
    remaining: int


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def non_gsm7_characters(text: str) -> list[str]:
    """The characters that force UCS-2, in order of first appearance (to show the agent)."""
    seen: dict[str, None] = {}
    for ch in text:
        if ch not in GSM7_BASIC and ch not in GSM7_EXTENSION:
            seen.setdefault(ch, None)
    return list(seen)


def encoding_for(text: str) -> Encoding:
    return "gsm7" if is_gsm7(text) else "ucs2"


def _units(text: str, encoding: Encoding) -> list[int]:
    """Cost of each character in the encoding's units, so parts never split a character."""
    if encoding == "gsm7":
        return [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def segment_info(text: str) -> SegmentInfo:
    encoding = encoding_for(text)
    costs = _units(text, encoding)
    total = sum(costs)
    single = SINGLE[encoding]
    if total <= single:
        segments = 0 if total == 0 else 1
        return SegmentInfo(encoding, total, segments, single, single - total)
    per_part = MULTI[encoding]
    # Pack greedily: an escape pair or a surrogate pair is never cut across two parts,
    # which is what handsets and gateways do, so the count matches the bill exactly.
    segments, used = 1, 0
    for cost in costs:
        if used + cost > per_part:
            segments += 1
            used = 0
        used += cost
    return SegmentInfo(encoding, total, segments, per_part, per_part - used)


def fits(text: str, max_segments: int) -> bool:
    """True when ``text`` costs at most ``max_segments`` SMS (a tenant's length limit)."""
    return segment_info(text).segments <= max_segments
