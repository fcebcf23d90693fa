"""Form-encoded webhook bodies, read the same way whether or not the app pre-parsed them."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qsl

from channels.sms.base import PayloadError, WebhookRequest


def form_pairs(request: WebhookRequest) -> list[tuple[str, str]]:
    """All ``name=value`` pairs of an ``application/x-www-form-urlencoded`` body, in order.

    The raw body wins over ``request.form`` because signatures (Twilio) must see repeated
    names, which a dict has already lost.
    """
    if request.body:
        try:
            text = request.body.decode("utf-8")
        except UnicodeDecodeError:
            raise PayloadError("form body is not UTF-8") from None
        return parse_qsl(text, keep_blank_values=True)
    if request.form is not None:
        return list(request.form.items())
    return []


def form_dict(request: WebhookRequest) -> dict[str, str]:
    return dict(form_pairs(request))


def required(data: dict[str, str], name: str) -> str:
    value = data.get(name, "").strip()
    if not value:
        raise PayloadError(f"form field '{name}' is required")
    return value


def parse_datetime(value: str | None) -> datetime | None:
    """ISO-8601 or "YYYY-MM-DD HH:MM:SS" (assumed UTC); None when absent or unreadable."""
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
