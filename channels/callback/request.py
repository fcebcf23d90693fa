"""``POST /public/callbacks/{channel_key}``: the body, read and checked.

``{"name", "phone", "when"?: ISO-8601 or null, "note"?}``. The phone is read in the
tenant's region and stored in E.164; a time without an offset is the tenant's local
time. Each problem raises :class:`CallbackRequestError` naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers

from channels.sms.phone import PhoneNumberError, normalize_phone

MAX_NAME = 200
MAX_NOTE = 2000
FIELDS = frozenset({"name", "phone", "when", "note", "lang"})


class CallbackRequestError(ValueError):
    def __init__(self, field: str, detail: str) -> None:
        super().__init__(f"{field}: {detail}")
        self.field = field
        self.detail = f"{field}: {detail}"


@dataclass(frozen=True, slots=True)
class CallbackRequest:
    name: str
    phone: str  # E.164
    when: datetime | None  # UTC; None = as soon as possible
    note: str | None
    lang: str | None = None


def parse_phone(raw: Any, region: str) -> str:
    """A number a person can be called on: E.164, valid for its country."""
    if not isinstance(raw, str) or not raw.strip():
        raise CallbackRequestError("phone", "a phone number is required")
    try:
        e164 = normalize_phone(raw, region)
    except PhoneNumberError as exc:
        raise CallbackRequestError("phone", str(exc)) from None
    if not e164.startswith("+"):
        raise CallbackRequestError("phone", f"{raw.strip()!r} is a short code, not a number "
                                            "we can call back")
    number = phonenumbers.parse(e164)
    if not phonenumbers.is_valid_number(number):
        raise CallbackRequestError(
            "phone", f"{raw.strip()!r} is not a valid number in "
                     f"{phonenumbers.region_code_for_number(number) or region}")
    return e164


def parse_when(raw: Any, timezone: str) -> datetime | None:
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise CallbackRequestError("when", "must be an ISO-8601 date and time, or null")
    text = raw.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise CallbackRequestError(
            "when", f"{raw!r} is not an ISO-8601 date and time (e.g. 2025-06-02T10:30:00Z)"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(timezone))
    return value.astimezone(UTC)


def parse_request(body: Any, region: str, timezone: str) -> CallbackRequest:
    if not isinstance(body, dict):
        raise CallbackRequestError("body", "must be a JSON object")
    unknown = sorted(set(body) - FIELDS)
    if unknown:
        raise CallbackRequestError(unknown[0], "is not a field of a call-back request")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise CallbackRequestError("name", "a name is required")
    name = " ".join(name.split())
    if len(name) > MAX_NAME:
        raise CallbackRequestError("name", f"is longer than {MAX_NAME} characters")
    note = body.get("note")
    if note is not None:
        if not isinstance(note, str):
            raise CallbackRequestError("note", "must be text")
        note = note.strip() or None
        if note and len(note) > MAX_NOTE:
            raise CallbackRequestError("note", f"is longer than {MAX_NOTE} characters")
    lang = body.get("lang")
    if lang is not None and lang not in ("fr", "en"):
        raise CallbackRequestError("lang", "must be 'fr' or 'en'")
    return CallbackRequest(name=name, phone=parse_phone(body.get("phone"), region),
                           when=parse_when(body.get("when"), timezone), note=note, lang=lang)
