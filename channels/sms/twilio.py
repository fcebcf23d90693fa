"""Twilio Programmable Messaging.

Twilio signs every webhook: ``X-Twilio-Signature`` is base64(HMAC-SHA1(auth token, the full
URL it called + each POST parameter's name and value, sorted by name)). The URL must be the
one Twilio saw (scheme and host behind any proxy), which the app puts in
``WebhookRequest.url``. Status callbacks come to the per-message ``StatusCallback`` URL we
send, which carries our message id, and are signed the same way.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from channels.sms.base import (
    InboundSms,
    PayloadError,
    SignatureError,
    StatusUpdate,
    WebhookRequest,
)
from channels.sms.callbacks import webhook_url
from channels.sms.formdata import form_pairs, required
from channels.sms.urlsecret import query_value
from channels.types import (
    MAX_TEXT_CHARS,
    ChannelConfig,
    OutboundMessage,
    PermanentSendError,
    SendResult,
    TransientSendError,
)

SLUG = "twilio"
DEFAULT_API_URL = "https://api.twilio.com"
SIGNATURE_HEADER = "x-twilio-signature"

MESSAGE_STATUS: dict[str, str] = {
    # Twilio has it and will try: for Teranga that is "sent" (queued means still in our outbox).
    "accepted": "sent",
    "scheduled": "sent",
    "queued": "sent",
    "sending": "sent",
    "sent": "sent",
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "failed",
    "failed": "failed",
    "canceled": "failed",
}
# The delivery errors agents will actually meet, to show words rather than a number.
ERROR_TEXT: dict[str, str] = {
    "21610": "recipient replied STOP to this sender",
    "30003": "unreachable destination handset",
    "30004": "message blocked",
    "30005": "unknown destination handset",
    "30006": "landline or unreachable carrier",
    "30007": "filtered by the carrier",
    "30008": "unknown error",
}


def compute_signature(auth_token: str, url: str, params: list[tuple[str, str]]) -> str:
    """Twilio's request signature for ``url`` and the POST ``params``."""
    # Sorted by name, then by value for repeated names (Twilio's own libraries do the same).
    payload = url + "".join(name + value for name, value in sorted(set(params)))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def url_variants(url: str) -> list[str]:
    """The URL as given, without its port, and with the scheme's default port.

    Twilio signs whatever URL it was configured with; behind proxies the port seen by the app
    often differs from it, which is why Twilio's own validators accept these forms too.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    userinfo = parts.netloc.rpartition("@")[0]
    prefix = userinfo + "@" if userinfo else ""
    default_port = {"https": 443, "http": 80}.get(parts.scheme)
    variants = [url, urlunsplit(parts._replace(netloc=prefix + host))]
    if default_port is not None:
        variants.append(urlunsplit(parts._replace(netloc=f"{prefix}{host}:{default_port}")))
    return list(dict.fromkeys(variants))


def verify_signature(auth_token: str, request: WebhookRequest) -> list[tuple[str, str]]:
    """Check ``X-Twilio-Signature``; return the POST parameters it covered."""
    given = request.headers.get(SIGNATURE_HEADER, "").strip()
    if not given:
        raise SignatureError("missing X-Twilio-Signature header")
    if not auth_token:
        raise SignatureError("channel has no Twilio auth_token configured")
    params = form_pairs(request) if request.method.upper() == "POST" else []
    for candidate in url_variants(request.url):
        expected = compute_signature(auth_token, candidate, params)
        if hmac.compare_digest(expected.encode(), given.encode()):
            return params
    raise SignatureError(
        "bad X-Twilio-Signature: check the auth token and that the URL Twilio called "
        "(scheme, host, path and query) is the one Teranga sees"
    )


class TwilioProvider:
    name = "twilio"
    slug = SLUG

    def inbound_url(self, channel: ChannelConfig) -> str:
        """The "a message comes in" webhook of the Twilio number or messaging service."""
        return webhook_url(channel, SLUG)

    def status_url(self, channel: ChannelConfig, message_id: int | None) -> str:
        """The ``StatusCallback`` sent with each message."""
        query: dict[str, str | int] = {}
        if message_id is not None:
            query["message_id"] = message_id
        return webhook_url(channel, SLUG, status=True, query=query)

    def _verified_form(self, request: WebhookRequest, channel: ChannelConfig) -> dict[str, str]:
        data = dict(verify_signature(str(channel.config.get("auth_token", "")), request))
        account = channel.config.get("account_sid")
        if account and data.get("AccountSid") and data["AccountSid"] != account:
            raise SignatureError("webhook is for another Twilio account")
        return data

    def parse_inbound(self, request: WebhookRequest, channel: ChannelConfig) -> list[InboundSms]:
        data = self._verified_form(request, channel)
        sender = required(data, "From")
        text = data.get("Body", "")
        if len(text) > MAX_TEXT_CHARS:
            raise PayloadError(f"Body is longer than {MAX_TEXT_CHARS} characters")
        meta: dict[str, Any] = {}
        media = _media(data)
        if media:
            meta["media"] = media
        return [
            InboundSms(
                provider_id=data.get("MessageSid") or data.get("SmsSid") or None,
                sender=sender,
                recipient=data.get("To") or None,
                text=text,
                meta=meta,
            )
        ]

    def parse_status(self, request: WebhookRequest, channel: ChannelConfig) -> list[StatusUpdate]:
        data = self._verified_form(request, channel)
        sid = required(data, "MessageSid")
        status = MESSAGE_STATUS.get(required(data, "MessageStatus").lower())
        if status is None:
            return []  # "receiving"/"received" belong to inbound messages
        message_id = query_value(request, "message_id")
        code = data.get("ErrorCode") or None
        reason = None
        if code and status == "failed":
            known = ERROR_TEXT.get(code)
            reason = f"Twilio error {code}" + (f": {known}" if known else "")
        return [
            StatusUpdate(
                status,  # type: ignore[arg-type]
                provider_id=sid,
                message_id=int(message_id) if message_id and message_id.isdigit() else None,
                reason=reason,
            )
        ]

    async def send(
        self, channel: ChannelConfig, message: OutboundMessage, client: httpx.AsyncClient
    ) -> SendResult:
        cfg = channel.config
        missing = [k for k in ("account_sid", "auth_token") if not cfg.get(k)]
        if missing:
            raise PermanentSendError(f"Twilio channel is missing config: {', '.join(missing)}")
        form = {"To": message.to, "Body": message.text}
        if cfg.get("messaging_service_sid"):
            form["MessagingServiceSid"] = str(cfg["messaging_service_sid"])
        sender = message.meta.get("sender") or cfg.get("sender")
        if sender:
            form["From"] = str(sender)
        if "From" not in form and "MessagingServiceSid" not in form:
            raise PermanentSendError("Twilio channel needs 'sender' or 'messaging_service_sid'")
        form["StatusCallback"] = str(
            message.meta.get("status_url") or self.status_url(channel, message.message_id)
        )
        sid = str(cfg["account_sid"])
        api = str(cfg.get("api_url") or DEFAULT_API_URL).rstrip("/")
        url = f"{api}/2010-04-01/Accounts/{sid}/Messages.json"
        try:
            response = await client.post(
                url, data=form, auth=(sid, str(cfg["auth_token"])), timeout=15.0
            )
        except httpx.HTTPError as exc:
            detail = f"Twilio unreachable: {exc.__class__.__name__}: {exc}"
            raise TransientSendError(detail) from None
        answer = _json(response)
        if response.status_code in (200, 201):
            if not answer.get("sid"):
                raise TransientSendError(f"Twilio answered without a sid: {response.text[:200]}")
            return SendResult(
                provider_id=str(answer["sid"]),
                status="sent",
                detail=str(answer.get("status") or ""),
            )
        detail = f"Twilio answered {response.status_code}"
        if answer.get("code"):
            detail += f" (error {answer['code']}: {answer.get('message', '')})"
        if response.status_code >= 500 or response.status_code == 429:
            raise TransientSendError(detail)
        raise PermanentSendError(detail)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _media(data: dict[str, str]) -> list[dict[str, str]]:
    try:
        count = int(data.get("NumMedia") or 0)
    except ValueError:
        return []
    media = []
    for index in range(min(count, 10)):
        url = data.get(f"MediaUrl{index}")
        if url:
            media.append({"url": url, "content_type": data.get(f"MediaContentType{index}", "")})
    return media
