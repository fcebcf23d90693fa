"""Normalising how customers are known: E.164 phones, lower-case e-mail addresses."""

from __future__ import annotations

from app.errors import Invalid
from channels.sms.phone import PhoneNumberError
from channels.sms.phone import normalize_phone as _normalize_phone


def normalize_phone(raw: str, region: str = "SN") -> str:
    """E.164, or an operator's short code kept as it is."""
    try:
        return _normalize_phone(raw, region)
    except PhoneNumberError as exc:
        raise Invalid(f"'{raw}' is not a phone number: {exc}") from None


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
