"""Africa's Talking: SMS aggregator across the continent (short codes, sender ids).

AT posts inbound SMS and delivery reports as forms to URLs set once in its dashboard, and
signs neither, so both URLs carry the channel secret (``?secret=``). Delivery reports name
AT's own ``messageId`` (returned when we send), so they are matched by ``provider_id``.
"""

from __future__ import annotations

from typing import Any

import httpx

from channels.sms.base import InboundSms, PayloadError, StatusUpdate, WebhookRequest
from channels.sms.callbacks import webhook_url
from channels.sms.formdata import form_dict, parse_datetime, required
from channels.sms.urlsecret import check_url_secret
from channels.types import (
    MAX_TEXT_CHARS,
    ChannelConfig,
    OutboundMessage,
    PermanentSendError,
    SendResult,
    TransientSendError,
)

SLUG = "africastalking"
DEFAULT_API_URL = "https://api.africastalking.com"
SANDBOX_API_URL = "https://api.sandbox.africastalking.com"

DELIVERY_STATUS: dict[str, str] = {
    "Sent": "sent",  # left AT's network
    "Submitted": "sent",  # handed to the operator
    "Buffered": "sent",  # queued by the operator
    "Success": "delivered",  # reached the handset
    "Rejected": "failed",
    "Failed": "failed",
    "Expired": "failed",
}
# Recipient statusCode values from the send answer.
ACCEPTED_CODES = {100, 101, 102}  # Processed, Sent, Queued
# Worth retrying later: AT's own errors, and an empty balance the tenant can top up.
TRANSIENT_CODES = {405, 500, 501}  # InsufficientBalance, InternalServerError, GatewayError


class AfricasTalkingProvider:
    name = "africastalking"
    slug = SLUG

    def inbound_url(self, channel: ChannelConfig) -> str:
        """The SMS "callback URL" to set in the AT dashboard (inbox)."""
        return webhook_url(channel, SLUG, query={"secret": channel.secret})

    def status_url(self, channel: ChannelConfig, message_id: int | None = None) -> str:
        """The "delivery reports" callback URL for the AT dashboard (one per account)."""
        return webhook_url(channel, SLUG, status=True, query={"secret": channel.secret})

    def parse_inbound(self, request: WebhookRequest, channel: ChannelConfig) -> list[InboundSms]:
        check_url_secret(request, channel.secret)
        data = form_dict(request)
        sender = required(data, "from")
        text = data.get("text", "")
        if len(text) > MAX_TEXT_CHARS:
            raise PayloadError(f"text is longer than {MAX_TEXT_CHARS} characters")
        meta: dict[str, Any] = {}
        # linkId must be echoed when replying to a premium (on-demand) SMS.
        for field, key in (("linkId", "link_id"), ("networkCode", "network_code")):
            if data.get(field):
                meta[key] = data[field]
        return [
            InboundSms(
                provider_id=data.get("id") or None,
                sender=sender,
                recipient=data.get("to") or None,
                text=text,
                sent_at=parse_datetime(data.get("date")),
                meta=meta,
            )
        ]

    def parse_status(self, request: WebhookRequest, channel: ChannelConfig) -> list[StatusUpdate]:
        check_url_secret(request, channel.secret)
        data = form_dict(request)
        provider_id = required(data, "id")
        status = DELIVERY_STATUS.get(required(data, "status"))
        if status is None:
            # A status this code does not know yet: acknowledge and ignore rather than make
            # AT retry it forever.
            return []
        reason = data.get("failureReason") or None
        return [StatusUpdate(status, provider_id=provider_id, reason=reason)]  # type: ignore[arg-type]

    async def send(
        self, channel: ChannelConfig, message: OutboundMessage, client: httpx.AsyncClient
    ) -> SendResult:
        cfg = channel.config
        missing = [k for k in ("username", "api_key") if not cfg.get(k)]
        if missing:
            raise PermanentSendError(
                f"Africa's Talking channel is missing config: {', '.join(missing)}"
            )
        form = {"username": str(cfg["username"]), "to": message.to, "message": message.text}
        sender = message.meta.get("sender") or cfg.get("sender")
        if sender:
            form["from"] = str(sender)
        if message.meta.get("link_id"):
            form["linkId"] = str(message.meta["link_id"])
        url = str(cfg.get("api_url") or DEFAULT_API_URL).rstrip("/") + "/version1/messaging"
        headers = {"apiKey": str(cfg["api_key"]), "Accept": "application/json"}
        try:
            response = await client.post(url, data=form, headers=headers, timeout=15.0)
        except httpx.HTTPError as exc:
            detail = f"Africa's Talking unreachable: {exc.__class__.__name__}: {exc}"
            raise TransientSendError(detail) from None
        body = response.text.strip()[:200]
        if response.status_code >= 500 or response.status_code == 429:
            raise TransientSendError(f"Africa's Talking answered {response.status_code}: {body}")
        if response.status_code >= 400:
            raise PermanentSendError(
                f"Africa's Talking refused the request ({response.status_code}: {body})"
            )
        return _result(response)


def _result(response: httpx.Response) -> SendResult:
    try:
        answer = response.json()
        data = answer["SMSMessageData"]
        recipients = data.get("Recipients") or []
    except (ValueError, KeyError, TypeError, AttributeError):
        raise TransientSendError(
            f"Africa's Talking answered {response.status_code} without SMSMessageData: "
            f"{response.text[:200]}"
        ) from None
    if not recipients:
        # e.g. {"Message": "InvalidSenderId", "Recipients": []}
        raise PermanentSendError(f"Africa's Talking sent nothing: {data.get('Message')}")
    first = recipients[0]
    try:
        code = int(first.get("statusCode", 0))
    except (TypeError, ValueError):
        code = 0
    status = str(first.get("status", ""))
    if code in ACCEPTED_CODES:
        return SendResult(
            provider_id=str(first.get("messageId") or "") or None,
            status="sent",
            detail=f"{status} {first.get('cost', '')}".strip(),
        )
    detail = f"Africa's Talking refused the message: {status} (statusCode {code})"
    if code in TRANSIENT_CODES:
        raise TransientSendError(detail)
    raise PermanentSendError(detail)
