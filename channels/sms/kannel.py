"""Kannel: the open-source gateway that speaks SMPP (and more) to the operators.

Inbound: an ``sms-service`` whose ``get-url`` is :meth:`KannelProvider.inbound_url`; Kannel
cannot sign, so the channel secret rides in the URL. Outbound: the ``sendsms`` HTTP interface,
with a per-message ``dlr-url`` carrying our message id, so delivery reports find their message
without any id from Kannel (1.4 ``sendsms`` returns none).

Text arrives as Kannel's ``%a``: the message bytes, URL-encoded, in the coding the handset
used. UCS-2 (coding 2) comes as UTF-16BE bytes (``%00%E9`` for "é"), which is not UTF-8, so
the text is decoded from the *raw* query string of ``WebhookRequest.url``, never from a query
dict a web framework already decoded as UTF-8.
"""

from __future__ import annotations

import codecs
import re
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

import httpx

from channels.sms.base import InboundSms, PayloadError, StatusUpdate, WebhookRequest
from channels.sms.callbacks import webhook_url
from channels.sms.segments import is_gsm7
from channels.sms.urlsecret import check_url_secret
from channels.types import (
    MAX_TEXT_CHARS,
    ChannelConfig,
    OutboundMessage,
    PermanentSendError,
    SendResult,
    TransientSendError,
)

SLUG = "kannel"
# Kannel escapes we ask for in the get-url: id, sender, receiver, text, time, coding, charset.
GET_URL_PARAMS = "&id=%I&from=%p&to=%P&text=%a&ts=%T&coding=%c&charset=%C"
# ... and in the dlr-url: DLR type, the SMSC's reply (reason), foreign message id, time.
DLR_URL_PARAMS = "&status=%d&reason=%A&fid=%F&ts=%T"
# success + failure + buffered + SMSC accepted + SMSC rejected
DEFAULT_DLR_MASK = 31

# Kannel DLR types (the %d escape).
DLR_STATUS: dict[int, str] = {
    1: "delivered",  # delivered to the phone
    2: "failed",  # delivery failed
    4: "sent",  # buffered: the SMSC keeps trying
    8: "sent",  # accepted by the SMSC
    16: "failed",  # rejected by the SMSC
}
_SMPP_RECEIPT = re.compile(r"\bstat:(?P<stat>\w+)(?:.*?\berr:(?P<err>\w+))?", re.IGNORECASE)


def kannel_literal(text: str) -> str:
    """Protect ``%`` from Kannel's escape expansion in get-url / dlr-url (``%%`` is a ``%``).

    Without it a percent-encoded value such as ``%C3%A9`` would have ``%C`` (charset) and
    ``%A`` (DLR reply) substituted by Kannel.
    """
    return text.replace("%", "%%")


def raw_query(request: WebhookRequest) -> dict[str, bytes]:
    """Query parameters as undecoded bytes (last value wins)."""
    query = urlsplit(request.url).query
    if query:
        # latin-1 maps every byte to one code point, so encoding back gives the exact bytes.
        pairs = parse_qsl(query, keep_blank_values=True, encoding="latin-1")
        return {key: value.encode("latin-1") for key, value in pairs}
    # No raw query: the best we can do with an already-decoded dict.
    result: dict[str, bytes] = {}
    for key, value in request.query.items():
        try:
            result[key] = value.encode("latin-1")
        except UnicodeEncodeError:
            result[key] = value.encode("utf-8")
    return result


def decode_text(data: bytes, coding: int, charset: str | None) -> str:
    """Kannel's ``%a`` bytes to text, per its ``%c`` coding and ``%C`` charset."""
    codec = _codec(charset)
    if coding == 2:
        # UCS-2 is UTF-16BE on the wire; a UTF-16 codec handles emoji surrogate pairs.
        if codec is None or not codec.startswith("utf_16"):
            codec = "utf_16_be"
        return data.decode(codec, errors="replace")
    if codec is not None:
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            pass
    # coding 1 ("8-BIT") or an unknown charset: UTF-8 if it is, else one byte per character,
    # so nothing a customer wrote is dropped.
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _codec(charset: str | None) -> str | None:
    if not charset:
        return None
    try:
        return codecs.lookup(charset.strip()).name.replace("-", "_")
    except LookupError:
        return None


def _text(raw: dict[str, bytes], name: str) -> str | None:
    value = raw.get(name)
    if value is None:
        return None
    return value.decode("utf-8", errors="replace").strip()


def _int(raw: dict[str, bytes], name: str, default: int | None = None) -> int | None:
    value = _text(raw, name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise PayloadError(f"query parameter '{name}' must be an integer, got {value!r}") from None


def _timestamp(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (ValueError, OverflowError, OSError):
        return None


def dlr_reason(status: int, reply: str | None) -> str | None:
    """A short human reason from Kannel's ``%A`` (SMSC reply / SMPP receipt text)."""
    if not reply or status in (1, 4, 8):
        return None
    match = _SMPP_RECEIPT.search(reply)
    if match:
        err = match.group("err")
        return f"{match.group('stat')} (err {err})" if err else match.group("stat")
    return reply.strip()[:200] or None


class KannelProvider:
    name = "kannel"
    slug = SLUG

    # -- URLs handed to Kannel -------------------------------------------------------------

    def inbound_url(self, channel: ChannelConfig) -> str:
        """The ``get-url`` for the ``sms-service`` group of kannel.conf."""
        url = webhook_url(channel, SLUG, query={"secret": channel.secret})
        return kannel_literal(url) + GET_URL_PARAMS

    def status_url(self, channel: ChannelConfig, message_id: int | None) -> str:
        """The ``dlr-url`` sent with one message; Kannel fills in the status escapes."""
        query: dict[str, str | int] = {"secret": channel.secret}
        if message_id is not None:
            query["message_id"] = message_id
        url = webhook_url(channel, SLUG, status=True, query=query)
        return kannel_literal(url) + DLR_URL_PARAMS

    # -- webhooks ---------------------------------------------------------------------------

    def parse_inbound(self, request: WebhookRequest, channel: ChannelConfig) -> list[InboundSms]:
        check_url_secret(request, channel.secret)
        raw = raw_query(request)
        sender = _text(raw, "from")
        if not sender:
            raise PayloadError("query parameter 'from' is required (Kannel escape %p)")
        if "text" not in raw:
            raise PayloadError("query parameter 'text' is required (Kannel escape %a)")
        coding = _int(raw, "coding", 0)
        assert coding is not None
        charset = _text(raw, "charset")
        text = decode_text(raw["text"], coding, charset)
        if len(text) > MAX_TEXT_CHARS:
            raise PayloadError(f"text is longer than {MAX_TEXT_CHARS} characters")
        meta: dict[str, object] = {"coding": coding}
        if charset:
            meta["charset"] = charset
        if coding == 1:
            meta["binary"] = True
        return [
            InboundSms(
                provider_id=_text(raw, "id") or None,
                sender=sender,
                recipient=_text(raw, "to") or None,
                text=text,
                sent_at=_timestamp(_text(raw, "ts")),
                meta=meta,
            )
        ]

    def parse_status(self, request: WebhookRequest, channel: ChannelConfig) -> list[StatusUpdate]:
        check_url_secret(request, channel.secret)
        raw = raw_query(request)
        code = _int(raw, "status")
        if code is None:
            raise PayloadError("query parameter 'status' is required (Kannel escape %d)")
        status = DLR_STATUS.get(code)
        if status is None:
            raise PayloadError(f"unknown Kannel DLR type {code}; expected one of 1, 2, 4, 8, 16")
        return [
            StatusUpdate(
                status,  # type: ignore[arg-type]
                provider_id=_text(raw, "fid") or None,
                message_id=_int(raw, "message_id"),
                reason=dlr_reason(code, _text(raw, "reason")),
            )
        ]

    # -- sending ----------------------------------------------------------------------------

    def sendsms_params(self, channel: ChannelConfig, message: OutboundMessage) -> dict[str, str]:
        cfg = channel.config
        missing = [k for k in ("sendsms_url", "username", "password") if not cfg.get(k)]
        if missing:
            raise PermanentSendError(f"Kannel channel is missing config: {', '.join(missing)}")
        params = {
            "username": str(cfg["username"]),
            "password": str(cfg["password"]),
            "to": message.to,
            "text": message.text,
            "charset": "UTF-8",
            # Kannel converts our UTF-8 to GSM-7 for coding 0 and silently turns what GSM-7
            # lacks into "?"; coding 2 makes it send UCS-2 instead.
            "coding": "0" if is_gsm7(message.text) else "2",
        }
        sender = message.meta.get("sender") or cfg.get("sender")
        if sender:
            params["from"] = str(sender)
        if cfg.get("smsc"):
            params["smsc"] = str(cfg["smsc"])
        dlr_mask = int(cfg.get("dlr_mask", DEFAULT_DLR_MASK))
        if dlr_mask:
            params["dlr-mask"] = str(dlr_mask)
            params["dlr-url"] = str(
                message.meta.get("status_url") or self.status_url(channel, message.message_id)
            )
        return params

    async def send(
        self, channel: ChannelConfig, message: OutboundMessage, client: httpx.AsyncClient
    ) -> SendResult:
        params = self.sendsms_params(channel, message)
        url = str(channel.config["sendsms_url"])
        try:
            response = await client.get(url, params=params, timeout=15.0)
        except httpx.HTTPError as exc:
            detail = f"Kannel unreachable: {exc.__class__.__name__}: {exc}"
            raise TransientSendError(detail) from None
        answer = response.text.strip()[:200]
        if 200 <= response.status_code < 300:
            # "0: Accepted for delivery", or "3: Queued for later delivery" (no SMSC up yet;
            # Kannel keeps it and the DLR will follow).
            return SendResult(provider_id=None, status="sent", detail=answer)
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise TransientSendError(f"Kannel answered {response.status_code}: {answer}")
        if response.status_code in (401, 403):
            raise PermanentSendError(
                f"Kannel refused the sendsms username/password ({response.status_code}: {answer})"
            )
        raise PermanentSendError(f"Kannel refused the message ({response.status_code}: {answer})")
