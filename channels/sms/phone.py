"""Phone numbers as Teranga stores them: E.164 for real numbers, short codes kept as dialled.

Gateways hand numbers over in every shape ("771234567", "221771234567", "00221 77 123 45 67",
"tel:+221771234567"); contacts are matched on the E.164 form, so every adapter funnels its
numbers through :func:`normalize_phone`.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

DEFAULT_REGION = "SN"

# Short codes (and service numbers) are 3 to 8 digits with no international prefix. They are
# not E.164 and must never get a country code glued on: "21000" stays "21000".
_SHORT_CODE = re.compile(r"^\d{3,8}$")
# What a human or a gateway may put around the digits.
_DECORATION = re.compile(r"[\s.\-()/]")


class PhoneNumberError(ValueError):
    """The text is not a phone number we can use."""


def is_short_code(raw: str) -> bool:
    return bool(_SHORT_CODE.match(_DECORATION.sub("", raw.strip())))


def normalize_phone(raw: str, default_region: str = DEFAULT_REGION) -> str:
    """Return ``raw`` as E.164 (``+221771234567``), or the short code as it is (``21000``).

    National numbers are read in ``default_region`` (Senegal unless the tenant says otherwise);
    ``00`` and ``+`` international prefixes are understood, as is a bare country code without
    ``+`` when the national reading is not a valid number (some gateways drop the ``+``).
    Raises :class:`PhoneNumberError` naming the problem.
    """
    if not isinstance(raw, str):
        raise PhoneNumberError(f"phone number must be text, not {type(raw).__name__}")
    return _normalize(raw, default_region)


# The same customers write again and again; parsing with phonenumbers costs ~0.3 ms, a
# cache hit a microsecond. Failures are not cached (the exception propagates).
@lru_cache(maxsize=65_536)
def _normalize(raw: str, default_region: str) -> str:
    text = raw.strip()
    if text.lower().startswith("tel:"):
        text = text[4:].strip()
    compact = _DECORATION.sub("", text)
    if not compact:
        raise PhoneNumberError("phone number is empty")
    if _SHORT_CODE.match(compact) and len(compact) < 7:
        # Too short for any subscriber number in our region: a short code.
        return compact
    if not re.fullmatch(r"\+?\d+", compact):
        raise PhoneNumberError(f"not a phone number: {raw!r}")
    if compact.startswith("00"):
        compact = "+" + compact[2:]

    candidates = [compact]
    if not compact.startswith("+"):
        # "221771234567" from a gateway that drops the plus: try it as international too.
        candidates.append("+" + compact)
    for candidate in candidates:
        number = _parse(candidate, default_region)
        if number is not None and phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if _SHORT_CODE.match(compact):
        # 7-8 digit service numbers that are not valid subscriber numbers.
        return compact
    # A possible-but-unassigned number is still kept: refusing a customer's SMS because the
    # metadata lags behind a new number range would lose the message.
    for candidate in candidates:
        number = _parse(candidate, default_region)
        if number is not None and phonenumbers.is_possible_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    raise PhoneNumberError(f"not a valid phone number for region {default_region}: {raw!r}")


def _parse(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
