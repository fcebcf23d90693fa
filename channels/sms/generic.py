"""The generic JSON webhook of the contract, and a generic outbound HTTP POST.

Inbound: ``POST /webhooks/sms/{key}`` with ``{"id", "from", "to", "text"}`` and
``X-Teranga-Signature: sha256=<hex HMAC-SHA256 of the raw body with the channel secret>``.
Outbound: ``POST config["send_url"]`` with ``{"id", "to", "from", "text"}`` signed the same
way, so the gateway can check it is us.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import httpx

from channels.sms.base import (
    InboundSms,
    PayloadError,
    SignatureError,
    StatusUpdate,
    WebhookRequest,
)
from channels.types import (
    MAX_TEXT_CHARS,
    ChannelConfig,
    OutboundMessage,
    PermanentSendError,
    SendResult,
    TransientSendError,
)

SIGNATURE_HEADER = "x-teranga-signature"
_STATUSES = {"queued", "sent", "delivered", "failed"}


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> None:
    if not header:
        raise SignatureError("missing X-Teranga-Signature header")
    if not hmac.compare_digest(sign(secret, body), header.strip()):
        raise SignatureError("bad signature: expected sha256=<hex HMAC-SHA256 of the raw body>")


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PayloadError(f"body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise PayloadError("body must be a JSON object")
    return data


def _string_field(data: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    value = data.get(name)
    if value is None:
        if required:
            raise PayloadError(f"field '{name}' is required")
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise PayloadError(f"field '{name}' must be a string")
    return value


class GenericProvider:
    name = "generic"

    def parse_inbound(self, request: WebhookRequest, channel: ChannelConfig) -> list[InboundSms]:
        verify(channel.secret, request.body, request.headers.get(SIGNATURE_HEADER))
        data = _json_object(request.body)
        provider_id = _string_field(data, "id")
        sender = _string_field(data, "from")
        text = _string_field(data, "text")
        recipient = _string_field(data, "to", required=False)
        assert provider_id is not None and sender is not None and text is not None
        if not provider_id.strip():
            raise PayloadError("field 'id' must not be empty")
        if not sender.strip():
            raise PayloadError("field 'from' must not be empty")
        if len(text) > MAX_TEXT_CHARS:
            raise PayloadError(f"field 'text' is longer than {MAX_TEXT_CHARS} characters")
        return [InboundSms(provider_id.strip(), sender.strip(), recipient, text)]

    def parse_status(self, request: WebhookRequest, channel: ChannelConfig) -> list[StatusUpdate]:
        verify(channel.secret, request.body, request.headers.get(SIGNATURE_HEADER))
        data = _json_object(request.body)
        provider_id = _string_field(data, "id")
        status = _string_field(data, "status")
        if status not in _STATUSES:
            raise PayloadError(f"field 'status' must be one of {sorted(_STATUSES)}")
        reason = _string_field(data, "reason", required=False)
        return [StatusUpdate(status, provider_id=provider_id, reason=reason)]  # type: ignore[arg-type]

    async def send(
        self, channel: ChannelConfig, message: OutboundMessage, client: httpx.AsyncClient
    ) -> SendResult:
        url = channel.config.get("send_url")
        if not url:
            raise PermanentSendError("channel has no 'send_url' configured")
        payload = {
            "id": str(message.message_id),
            "to": message.to,
            "from": channel.config.get("sender"),
            "text": message.text,
        }
        body = json.dumps(payload, ensure_ascii=False).encode()
        headers = {
            "content-type": "application/json",
            "x-teranga-signature": sign(channel.secret, body),
        }
        try:
            response = await client.post(url, content=body, headers=headers, timeout=10.0)
        except httpx.HTTPError as exc:
            detail = f"gateway unreachable: {exc.__class__.__name__}: {exc}"
            raise TransientSendError(detail) from None
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise TransientSendError(f"gateway answered {response.status_code}")
        if response.status_code >= 400:
            raise PermanentSendError(
                f"gateway refused the message: {response.status_code} {response.text[:200]}"
            )
        provider_id: str | None = None
        try:
            answer = response.json()
            if isinstance(answer, dict) and answer.get("id") is not None:
                provider_id = str(answer["id"])
        except ValueError:
            pass
        return SendResult(provider_id=provider_id or str(message.message_id), status="sent")
