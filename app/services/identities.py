"""Normalising how customers are known: E.164 phones, lower-case e-mail addresses."""

from __future__ import annotations

import phonenumbers

from app.errors import Invalid

# Operators' short numbers ("21000", "1234") are kept as they are.
MAX_SHORT_CODE_DIGITS = 8


def normalize_phone(raw: str, region: str = "SN") -> str:
    cleaned = raw.strip()
    digits = "".join(ch for ch in cleaned if ch.isdigit())
    if digits and len(digits) <= MAX_SHORT_CODE_DIGITS and not cleaned.startswith(("+", "00")):
        return digits
    try:
        number = phonenumbers.parse(cleaned, region)
    except phonenumbers.NumberParseException as exc:
        raise Invalid(f"'{raw}' is not a phone number: {exc}") from None
    if not phonenumbers.is_possible_number(number):
        raise Invalid(f"'{raw}' is not a possible phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw: str) -> str:
    value = raw.strip().lower()
    if "@" not in value or len(value) > 254 or " " in value:
        raise Invalid(f"'{raw}' is not an e-mail address")
    return value


def normalize_identity(kind: str, value: str, region: str) -> str:
    if kind == "phone":
        return normalize_phone(value, region)
    if kind == "email":
        return normalize_email(value)
    value = value.strip()
    if not value or len(value) > 320:
        raise Invalid("visitor id must be 1 to 320 characters")
    return value
