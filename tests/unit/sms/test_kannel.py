"""Kannel adapter, on query strings recorded from Kannel 1.4.5 (bearerbox + smsbox + fake SMSC)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import parse_qsl, quote_from_bytes, urlsplit

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from channels.sms.base import PayloadError, SignatureError
from channels.sms.kannel import KannelProvider, decode_text, dlr_reason, kannel_literal
from channels.types import OutboundMessage, PermanentSendError, TransientSendError

kannel = KannelProvider()
BASE = "https://teranga.example.sn/webhooks/kannel/chan-key"
SECRET_Q = "secret=s3cr3t-Token_value"

# Recorded get-url calls (only the host and the secret differ from what Kannel sent).
MO_GSM = (
    "id=29e64402-115d-43f6-98c7-96a4fc4485bd&from=%2B221771234567&to=21000"
    "&text=Bonjour+%C3%A9+%C3%A7a+va&ts=1795727861&coding=0&charset=UTF-8"
)
MO_UCS2 = (
    "id=9d25630f-69e7-4ba8-95ff-c141acac5314&from=%2B221771234567&to=21000"
    "&text=%00%C7%00a%00+%00c%00o%00%FB%00t%00e%00+%005%000%000%000%00+%00F%00%2C%00+"
    "%00%EA%00+%00o%00k%00%3F%00+%D8%3D%DE%00&ts=1795727872&coding=2&charset=UTF-16BE"
)
MO_8BIT_LATIN1 = (
    "id=789237e2-e6d7-40bd-8c08-2953bc7aca3d&from=%2B221771234567&to=21000"
    "&text=Bonjour+%EA&ts=1795727861&coding=1&charset=8-BIT"
)
DLR_ACK = "message_id=42&status=8&reason=ACK%2F&fid=&ts=1795727862"
DLR_DELIVERED = (
    "message_id=42&status=1&reason=&fid=2d818305-b37c-464f-8d1e-adbd682caa0c&ts=1795727862"
)


def kannel_expand(template: str, values: dict[str, str]) -> str:
    """What Kannel does to a get-url/dlr-url: %% is a literal %, %X an escape."""
    return re.sub(
        r"%(.)",
        lambda m: "%" if m.group(1) == "%" else values.get(m.group(1), m.group(0)),
        template,
    )


def test_gsm_text_is_decoded(channel: Callable, request_for: Callable) -> None:
    [sms] = kannel.parse_inbound(request_for(f"{BASE}?{SECRET_Q}&{MO_GSM}"), channel("kannel"))
    assert sms.text == "Bonjour é ça va"
    assert sms.sender == "+221771234567"
    assert sms.recipient == "21000"
    assert sms.provider_id == "29e64402-115d-43f6-98c7-96a4fc4485bd"
    assert sms.sent_at == datetime.fromtimestamp(1795727861, tz=UTC)
    assert sms.meta == {"coding": 0, "charset": "UTF-8"}


def test_ucs2_text_arrives_as_utf16be_bytes_and_is_decoded(
    channel: Callable, request_for: Callable
) -> None:
    [sms] = kannel.parse_inbound(request_for(f"{BASE}?{SECRET_Q}&{MO_UCS2}"), channel("kannel"))
    assert sms.text == "Ça coûte 5000 F, ê ok? 😀"
    assert sms.meta["coding"] == 2


def test_ucs2_is_read_from_the_raw_url_not_a_utf8_decoded_query(channel: Callable) -> None:
    from channels.sms.base import WebhookRequest

    url = f"{BASE}?{SECRET_Q}&{MO_UCS2}"
    # What a framework gives after decoding the query as UTF-8: the UTF-16 bytes are mangled.
    mangled = dict(parse_qsl(urlsplit(url).query, errors="replace"))
    request = WebhookRequest("GET", url, {}, mangled, b"")
    [sms] = kannel.parse_inbound(request, channel("kannel"))
    assert sms.text == "Ça coûte 5000 F, ê ok? 😀"


def test_8bit_latin1_does_not_lose_the_message(channel: Callable, request_for: Callable) -> None:
    request = request_for(f"{BASE}?{SECRET_Q}&{MO_8BIT_LATIN1}")
    [sms] = kannel.parse_inbound(request, channel("kannel"))
    assert sms.text == "Bonjour ê"
    assert sms.meta["binary"] is True


@pytest.mark.parametrize(
    ("data", "coding", "charset", "expected"),
    [
        (b"caf\xc3\xa9", 0, "UTF-8", "café"),
        (b"caf\xe9", 0, "ISO-8859-1", "café"),
        (b"caf\xe9", 0, "WINDOWS-1252", "café"),
        (b"caf\xe9", 0, None, "café"),  # not UTF-8: one byte per character
        (b"\x00c\x00a\x00f\x00\xe9", 2, "UTF-16BE", "café"),
        (b"\x00c\x00a\x00f\x00\xe9", 2, None, "café"),  # charset missing: UCS-2 is BE
        (b"\x00c\x00a\x00f\x00", 2, "UTF-16BE", "caf\ufffd"),  # odd length: keep the rest
        (b"\xd8=\xde\x00", 2, "UTF-16BE", "😀"),
        (b"hello", 1, "8-BIT", "hello"),
    ],
)
def test_decode_text(data: bytes, coding: int, charset: str | None, expected: str) -> None:
    assert decode_text(data, coding, charset) == expected


def test_missing_secret_is_refused(channel: Callable, request_for: Callable) -> None:
    with pytest.raises(SignatureError) as error:
        kannel.parse_inbound(request_for(f"{BASE}?{MO_GSM}"), channel("kannel"))
    assert error.value.status == 401


def test_wrong_secret_is_refused(channel: Callable, request_for: Callable) -> None:
    with pytest.raises(SignatureError):
        kannel.parse_inbound(request_for(f"{BASE}?secret=guess&{MO_GSM}"), channel("kannel"))


def test_missing_sender_is_a_payload_error(channel: Callable, request_for: Callable) -> None:
    with pytest.raises(PayloadError) as error:
        kannel.parse_inbound(request_for(f"{BASE}?{SECRET_Q}&text=hi"), channel("kannel"))
    assert error.value.status == 422
    assert "from" in error.value.detail


def test_bad_coding_is_a_payload_error(channel: Callable, request_for: Callable) -> None:
    url = f"{BASE}?{SECRET_Q}&from=%2B221771234567&text=hi&coding=x"
    with pytest.raises(PayloadError):
        kannel.parse_inbound(request_for(url), channel("kannel"))


def test_dlr_accepted_by_smsc_means_sent(channel: Callable, request_for: Callable) -> None:
    [update] = kannel.parse_status(
        request_for(f"{BASE}/dlr?{SECRET_Q}&{DLR_ACK}"), channel("kannel")
    )
    assert (update.status, update.message_id, update.provider_id, update.reason) == (
        "sent",
        42,
        None,
        None,
    )


def test_dlr_delivered(channel: Callable, request_for: Callable) -> None:
    request = request_for(f"{BASE}/dlr?{SECRET_Q}&{DLR_DELIVERED}")
    [update] = kannel.parse_status(request, channel("kannel"))
    assert update.status == "delivered"
    assert update.message_id == 42
    assert update.provider_id == "2d818305-b37c-464f-8d1e-adbd682caa0c"


@pytest.mark.parametrize(
    ("code", "status"), [(1, "delivered"), (2, "failed"), (4, "sent"), (8, "sent"), (16, "failed")]
)
def test_dlr_codes(code: int, status: str, channel: Callable, request_for: Callable) -> None:
    url = f"{BASE}/dlr?{SECRET_Q}&message_id=9&status={code}"
    [update] = kannel.parse_status(request_for(url), channel("kannel"))
    assert update.status == status


def test_dlr_failure_carries_the_reason(channel: Callable, request_for: Callable) -> None:
    receipt = (
        "id%3A0123+sub%3A001+dlvrd%3A000+submit+date%3A2611261200+done+date%3A2611261201"
        "+stat%3AUNDELIV+err%3A001+text%3ABonjour"
    )
    url = f"{BASE}/dlr?{SECRET_Q}&message_id=9&status=2&reason={receipt}"
    [update] = kannel.parse_status(request_for(url), channel("kannel"))
    assert update.status == "failed"
    assert update.reason == "UNDELIV (err 001)"


def test_dlr_reason_texts() -> None:
    assert dlr_reason(16, "NACK/0x0000000b/Invalid Destination Address") == (
        "NACK/0x0000000b/Invalid Destination Address"
    )
    assert dlr_reason(8, "ACK/") is None
    assert dlr_reason(2, "") is None


def test_unknown_dlr_type_is_a_payload_error(channel: Callable, request_for: Callable) -> None:
    with pytest.raises(PayloadError):
        kannel.parse_status(request_for(f"{BASE}/dlr?{SECRET_Q}&status=3"), channel("kannel"))


def test_dlr_without_secret_is_refused(channel: Callable, request_for: Callable) -> None:
    with pytest.raises(SignatureError):
        kannel.parse_status(request_for(f"{BASE}/dlr?{DLR_ACK}"), channel("kannel"))


def test_inbound_url_is_the_contract_get_url(channel: Callable) -> None:
    url = kannel.inbound_url(channel("kannel"))
    assert url == (
        f"{BASE}?secret=s3cr3t-Token_value&id=%I&from=%p&to=%P&text=%a&ts=%T&coding=%c&charset=%C"
    )


def test_callback_base_url_overrides_the_public_one(channel: Callable) -> None:
    url = kannel.inbound_url(channel("kannel", callback_base_url="http://10.0.0.5:8000/"))
    assert url.startswith("http://10.0.0.5:8000/webhooks/kannel/chan-key?secret=")


def test_status_url_survives_kannel_escape_expansion(channel: Callable) -> None:
    from channels.types import ChannelConfig

    # A secret with characters that percent-encode to "%C3%A9"-like sequences Kannel would
    # otherwise read as its %C (charset) and %A (reply) escapes.
    base = channel("kannel")
    odd = ChannelConfig(
        base.id, base.tenant_id, "sms", base.key, "é+/A%C", base.config, base.base_url
    )
    template = kannel.status_url(odd, 42)
    expanded = kannel_expand(template, {"d": "1", "A": "", "F": "abc", "T": "1795727862", "C": "X"})
    query = dict(parse_qsl(urlsplit(expanded).query, keep_blank_values=True))
    assert query["secret"] == "é+/A%C"
    assert query["message_id"] == "42"
    assert query["status"] == "1"
    assert query["fid"] == "abc"


def test_kannel_literal_doubles_percent() -> None:
    assert kannel_literal("a%20b") == "a%%20b"


# -- sending -----------------------------------------------------------------------------


def kannel_channel(channel: Callable, **extra: object):  # type: ignore[no-untyped-def]
    return channel(
        "kannel",
        sendsms_url="http://kannel.local:13013/cgi-bin/sendsms",
        username="teranga",
        password="pw",
        sender="21000",
        **extra,
    )


def outbound(text: str, message_id: int = 42, **meta: object) -> OutboundMessage:
    return OutboundMessage(
        message_id=message_id, interaction_id=1, to="+221771234567", text=text, meta=meta
    )


async def send_with(handler: Callable[[httpx.Request], httpx.Response], channel_config, message):  # type: ignore[no-untyped-def]
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        return await kannel.send(channel_config, message, client)


async def test_send_accented_french_as_ucs2_with_a_dlr_url(channel: Callable) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(202, text="0: Accepted for delivery")

    result = await send_with(handler, kannel_channel(channel), outbound("Très bien, à demain ê"))
    assert result.status == "sent"
    assert result.provider_id is None
    assert result.detail == "0: Accepted for delivery"
    params = dict(seen[0].url.params)
    assert seen[0].url.path == "/cgi-bin/sendsms"
    assert params["text"] == "Très bien, à demain ê"
    assert params["charset"] == "UTF-8"
    assert params["coding"] == "2"
    assert params["from"] == "21000"
    assert params["to"] == "+221771234567"
    assert params["username"] == "teranga" and params["password"] == "pw"
    assert params["dlr-mask"] == "31"
    assert params["dlr-url"] == (
        f"{BASE}/dlr?secret=s3cr3t-Token_value&message_id=42&status=%d&reason=%A&fid=%F&ts=%T"
    )


async def test_send_gsm_text_as_coding_0(channel: Callable) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(202, text="0: Accepted for delivery")

    await send_with(
        handler, kannel_channel(channel, smsc="orange-sn", dlr_mask=0), outbound("Merci, réglé.")
    )
    params = dict(seen[0].url.params)
    assert params["coding"] == "0"
    assert params["smsc"] == "orange-sn"
    assert "dlr-url" not in params


async def test_meta_status_url_and_sender_override(channel: Callable) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(202, text="3: Queued for later delivery")

    result = await send_with(
        handler,
        kannel_channel(channel),
        outbound("ok", status_url="http://x/dlr?a=%d", sender="TERANGA"),
    )
    params = dict(seen[0].url.params)
    assert params["dlr-url"] == "http://x/dlr?a=%d"
    assert params["from"] == "TERANGA"
    assert result.detail == "3: Queued for later delivery"


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (403, "Authorization failed for sendsms", PermanentSendError),
        (400, "Empty receiver number not allowed, rejected", PermanentSendError),
        (503, "Sendsms: failed", TransientSendError),
        (500, "", TransientSendError),
    ],
)
async def test_send_errors(status: int, body: str, error: type, channel: Callable) -> None:
    with pytest.raises(error) as raised:
        await send_with(
            lambda r: httpx.Response(status, text=body), kannel_channel(channel), outbound("hi")
        )
    assert str(status) in raised.value.detail


async def test_send_connection_refused_is_transient(channel: Callable) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(TransientSendError):
        await send_with(handler, kannel_channel(channel), outbound("hi"))


async def test_send_without_config_is_permanent(channel: Callable) -> None:
    with pytest.raises(PermanentSendError) as raised:
        await send_with(lambda r: httpx.Response(202), channel("kannel"), outbound("hi"))
    assert "sendsms_url" in raised.value.detail


# Surrogates cannot be sent; everything else a phone can type must come back unchanged.
_sms_text = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=200)


@given(_sms_text)
def test_any_ucs2_text_survives_the_get_url(text: str) -> None:
    from channels.sms.base import WebhookRequest
    from channels.types import ChannelConfig

    config = ChannelConfig(1, 1, "sms", "chan-key", "s3cr3t-Token_value", {"provider": "kannel"})
    # As Kannel builds %a for a UCS-2 SMS: UTF-16BE bytes, URL-encoded, spaces as "+".
    encoded = quote_from_bytes(text.encode("utf-16-be"), safe="").replace("%20", "+")
    url = (
        f"{BASE}?{SECRET_Q}&from=%2B221771234567&to=21000&text={encoded}&coding=2&charset=UTF-16BE"
    )
    request = WebhookRequest("GET", url, {}, {}, b"")
    [sms] = kannel.parse_inbound(request, config)
    assert sms.text == text


@given(_sms_text)
def test_any_utf8_text_survives_the_get_url(text: str) -> None:
    from channels.sms.base import WebhookRequest
    from channels.types import ChannelConfig

    config = ChannelConfig(1, 1, "sms", "chan-key", "s3cr3t-Token_value", {"provider": "kannel"})
    encoded = quote_from_bytes(text.encode("utf-8"), safe="")
    url = f"{BASE}?{SECRET_Q}&from=%2B221771234567&to=21000&text={encoded}&coding=0&charset=UTF-8"
    [sms] = kannel.parse_inbound(WebhookRequest("GET", url, {}, {}, b""), config)
    assert sms.text == text
