"""Orange SMS API (Africa and Middle East), in the OneAPI style.

Sending: an OAuth2 client-credentials token (cached, renewed on 401), then
``POST /smsmessaging/v1/outbound/{senderAddress}/requests`` with an
``outboundSMSMessageRequest``. Orange pushes ``inboundSMSMessageNotification`` and
``deliveryInfoNotification`` JSON to URLs registered with it, unsigned, so those URLs carry
the channel secret. We ask for a receipt per message with ``callbackData = "teranga-<id>"``
so a delivery report can name our message; reports without it are matched by Orange's id.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

import httpx

from channels.sms.base import InboundSms, PayloadError, StatusUpdate, WebhookRequest
from channels.sms.callbacks import webhook_url
from channels.sms.formdata import parse_datetime
from channels.sms.oauth import TokenCache
from channels.sms.urlsecret import check_url_secret
from channels.types import (
    MAX_TEXT_CHARS,
    ChannelConfig,
    OutboundMessage,
    PermanentSendError,
    SendResult,
    TransientSendError,
)

SLUG = "orange"
DEFAULT_API_URL = "https://api.orange.com"
TOKEN_PATH = "/oauth/v3/token"
CALLBACK_PREFIX = "teranga-"

DELIVERY_STATUS: dict[str, str] = {
    "DeliveredToTerminal": "delivered",
    "DeliveredToNetwork": "sent",
    "MessageWaiting": "sent",
    "DeliveryUncertain": "sent",  # no final word from the network
    "DeliveryImpossible": "failed",
}
_CALLBACK_ID = re.compile(rf"^{CALLBACK_PREFIX}(\d+)$")


def tel_uri(number: str) -> str:
    """``+221771234567``, ``221771234567`` or ``tel:+221…`` -> ``tel:+221771234567``."""
    digits = number.strip()
    if digits.lower().startswith("tel:"):
        digits = digits[4:]
    digits = digits.lstrip("+")
    return f"tel:+{digits}"


def strip_tel(address: str) -> str:
    return address[4:] if address.lower().startswith("tel:") else address


def _json_body(request: WebhookRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PayloadError(f"body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise PayloadError("body must be a JSON object")
    return data


def _object(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name)
    if not isinstance(value, dict):
        raise PayloadError(f"'{name}' object is required")
    return value


class OrangeProvider:
    name = "orange"
    slug = SLUG

    def __init__(self, tokens: TokenCache | None = None) -> None:
        self.tokens = tokens or TokenCache()

    def inbound_url(self, channel: ChannelConfig) -> str:
        """The "SMS response" URL to give Orange (customers' SMS)."""
        return webhook_url(channel, SLUG, query={"secret": channel.secret})

    def status_url(self, channel: ChannelConfig, message_id: int | None = None) -> str:
        """The "real time SMS DR" URL (delivery receipts)."""
        return webhook_url(channel, SLUG, status=True, query={"secret": channel.secret})

    def parse_inbound(self, request: WebhookRequest, channel: ChannelConfig) -> list[InboundSms]:
        check_url_secret(request, channel.secret)
        data = _json_body(request)
        notification = _object(data, "inboundSMSMessageNotification")
        message = _object(notification, "inboundSMSMessage")
        sender = str(message.get("senderAddress") or "").strip()
        if not sender:
            raise PayloadError("'inboundSMSMessage.senderAddress' is required")
        text = str(message.get("message") or "")
        if len(text) > MAX_TEXT_CHARS:
            raise PayloadError(f"message is longer than {MAX_TEXT_CHARS} characters")
        recipient = message.get("destinationAddress")
        return [
            InboundSms(
                provider_id=str(message["messageId"]) if message.get("messageId") else None,
                sender=strip_tel(sender),
                recipient=strip_tel(str(recipient)) if recipient else None,
                text=text,
                sent_at=parse_datetime(message.get("dateTime")),
            )
        ]

    def parse_status(self, request: WebhookRequest, channel: ChannelConfig) -> list[StatusUpdate]:
        check_url_secret(request, channel.secret)
        data = _json_body(request)
        notification = _object(data, "deliveryInfoNotification")
        info = _object(notification, "deliveryInfo")
        raw_status = str(info.get("deliveryStatus") or "")
        status = DELIVERY_STATUS.get(raw_status)
        if status is None:
            return []
        callback = str(notification.get("callbackData") or "").strip()
        match = _CALLBACK_ID.match(callback)
        message_id = int(match.group(1)) if match else None
        provider_id = None
        resource = notification.get("resourceURL") or info.get("resourceURL")
        if resource:
            provider_id = str(resource).rstrip("/").rsplit("/", 1)[-1]
        elif callback and not match:
            provider_id = callback
        if message_id is None and provider_id is None:
            # Nothing to find the message by (a receipt for a message sent outside Teranga).
            return []
        reason = raw_status if status == "failed" else None
        return [
            StatusUpdate(
                status,  # type: ignore[arg-type]
                provider_id=provider_id,
                message_id=message_id,
                reason=reason,
            )
        ]

    def request_body(self, channel: ChannelConfig, message: OutboundMessage) -> dict[str, Any]:
        cfg = channel.config
        request: dict[str, Any] = {
            "address": tel_uri(message.to),
            "senderAddress": tel_uri(str(cfg["sender"])),
            "outboundSMSTextMessage": {"message": message.text},
        }
        if cfg.get("sender_name"):
            request["senderName"] = str(cfg["sender_name"])
        if cfg.get("receipt_request", True):
            request["receiptRequest"] = {
                "notifyURL": str(
                    message.meta.get("status_url") or self.status_url(channel, message.message_id)
                ),
                "callbackData": f"{CALLBACK_PREFIX}{message.message_id}",
            }
        return {"outboundSMSMessageRequest": request}

    async def send(
        self, channel: ChannelConfig, message: OutboundMessage, client: httpx.AsyncClient
    ) -> SendResult:
        cfg = channel.config
        missing = [k for k in ("client_id", "client_secret", "sender") if not cfg.get(k)]
        if missing:
            raise PermanentSendError(f"Orange channel is missing config: {', '.join(missing)}")
        api = str(cfg.get("api_url") or DEFAULT_API_URL).rstrip("/")
        token_url = str(cfg.get("token_url") or api + TOKEN_PATH)
        client_id, client_secret = str(cfg["client_id"]), str(cfg["client_secret"])
        sender = quote(tel_uri(str(cfg["sender"])), safe="")
        url = f"{api}/smsmessaging/v1/outbound/{sender}/requests"
        body = self.request_body(channel, message)

        response: httpx.Response | None = None
        for attempt in (1, 2):
            token = await self.tokens.get(client, token_url, client_id, client_secret)
            try:
                response = await client.post(
                    url,
                    json=body,
                    headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                    timeout=15.0,
                )
            except httpx.HTTPError as exc:
                detail = f"Orange unreachable: {exc.__class__.__name__}: {exc}"
                raise TransientSendError(detail) from None
            if response.status_code == 401 and attempt == 1:
                # Expired or revoked early: forget it and ask for a new one, once.
                self.tokens.invalidate(token_url, client_id)
                continue
            break
        assert response is not None
        return _result(response)


def _result(response: httpx.Response) -> SendResult:
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    if response.status_code in (200, 201):
        request = answer.get("outboundSMSMessageRequest") if isinstance(answer, dict) else None
        resource = (request or {}).get("resourceURL") or response.headers.get("location")
        provider_id = str(resource).rstrip("/").rsplit("/", 1)[-1] if resource else None
        return SendResult(provider_id=provider_id, status="sent")
    detail = f"Orange answered {response.status_code}" + _error_text(answer)
    if response.status_code >= 500 or response.status_code == 429:
        raise TransientSendError(detail)
    raise PermanentSendError(detail)


def _error_text(answer: Any) -> str:
    """``requestError.{serviceException|policyException}`` as "SVC0004: text (vars)"."""
    if not isinstance(answer, dict):
        return ""
    error = answer.get("requestError")
    if isinstance(error, dict):
        for kind in ("serviceException", "policyException"):
            item = error.get(kind)
            if isinstance(item, dict):
                variables = item.get("variables") or []
                text = f": {item.get('messageId', '')} {item.get('text', '')}"
                return text + (f" ({', '.join(map(str, variables))})" if variables else "")
    if answer.get("message") or answer.get("description"):
        return f": {answer.get('message', '')} {answer.get('description', '')}".rstrip()
    return ""
