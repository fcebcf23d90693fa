"""Africa's Talking adapter, on the form posts and JSON answers AT documents."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import parse_qsl

import httpx
import pytest

from channels.sms.africastalking import AfricasTalkingProvider
from channels.sms.base import PayloadError, SignatureError
from channels.types import OutboundMessage, PermanentSendError, TransientSendError

at = AfricasTalkingProvider()
INBOUND_URL = (
    "https://teranga.example.sn/webhooks/africastalking/chan-key?secret=s3cr3t-Token_value"
)
DLR_URL = (
    "https://teranga.example.sn/webhooks/africastalking/chan-key/dlr?secret=s3cr3t-Token_value"
)

INBOUND_FORM = {
    "linkId": "SampleLinkId123",
    "text": "Bonjour, ma facture est fausse. Pouvez-vous vérifier ?",
    "to": "21000",
    "id": "a7d08e21-5d1b-4a7c-9f2c-3c6e8f0b5d11",
    "date": "2026-11-26 10:24:52",
    "from": "+221771234567",
    "networkCode": "60801",
}


def test_inbound_form(channel: Callable, request_for: Callable) -> None:
    [sms] = at.parse_inbound(request_for(INBOUND_URL, form=INBOUND_FORM), channel("africastalking"))
    assert sms.provider_id == "a7d08e21-5d1b-4a7c-9f2c-3c6e8f0b5d11"
    assert sms.sender == "+221771234567"
    assert sms.recipient == "21000"
    assert sms.text == "Bonjour, ma facture est fausse. Pouvez-vous vérifier ?"
    assert sms.sent_at == datetime(2026, 11, 26, 10, 24, 52, tzinfo=UTC)
    assert sms.meta == {"link_id": "SampleLinkId123", "network_code": "60801"}


def test_inbound_iso_date(channel: Callable, request_for: Callable) -> None:
    form = {**INBOUND_FORM, "date": "2026-11-26T10:24:52.123Z"}
    [sms] = at.parse_inbound(request_for(INBOUND_URL, form=form), channel("africastalking"))
    assert sms.sent_at == datetime(2026, 11, 26, 10, 24, 52, 123000, tzinfo=UTC)


def test_inbound_parsed_form_without_body(channel: Callable) -> None:
    from channels.sms.base import WebhookRequest

    request = WebhookRequest(
        "POST", INBOUND_URL, {}, {"secret": "s3cr3t-Token_value"}, b"", INBOUND_FORM
    )
    [sms] = at.parse_inbound(request, channel("africastalking"))
    assert sms.text.startswith("Bonjour")


def test_inbound_needs_the_secret(channel: Callable, request_for: Callable) -> None:
    url = "https://teranga.example.sn/webhooks/africastalking/chan-key"
    with pytest.raises(SignatureError):
        at.parse_inbound(request_for(url, form=INBOUND_FORM), channel("africastalking"))
    with pytest.raises(SignatureError):
        at.parse_inbound(
            request_for(url + "?secret=nope", form=INBOUND_FORM), channel("africastalking")
        )


def test_inbound_without_sender(channel: Callable, request_for: Callable) -> None:
    form = {k: v for k, v in INBOUND_FORM.items() if k != "from"}
    with pytest.raises(PayloadError):
        at.parse_inbound(request_for(INBOUND_URL, form=form), channel("africastalking"))


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("Sent", "sent"),
        ("Submitted", "sent"),
        ("Buffered", "sent"),
        ("Success", "delivered"),
        ("Rejected", "failed"),
        ("Failed", "failed"),
        ("Expired", "failed"),
    ],
)
def test_delivery_reports(
    status: str, expected: str, channel: Callable, request_for: Callable
) -> None:
    form = {
        "id": "ATXid_0a1b2c3d",
        "status": status,
        "phoneNumber": "+221771234567",
        "networkCode": "60801",
        "retryCount": "0",
    }
    if expected == "failed":
        form["failureReason"] = "UserInBlackList"
    [update] = at.parse_status(request_for(DLR_URL, form=form), channel("africastalking"))
    assert update.status == expected
    assert update.provider_id == "ATXid_0a1b2c3d"
    assert update.message_id is None
    assert update.reason == ("UserInBlackList" if expected == "failed" else None)


def test_unknown_delivery_status_is_ignored(channel: Callable, request_for: Callable) -> None:
    form = {"id": "ATXid_1", "status": "Teleported"}
    assert at.parse_status(request_for(DLR_URL, form=form), channel("africastalking")) == []


def test_delivery_report_needs_the_secret(channel: Callable, request_for: Callable) -> None:
    with pytest.raises(SignatureError):
        at.parse_status(
            request_for(DLR_URL.replace("s3cr3t", "xx"), form={"id": "1", "status": "Success"}),
            channel("africastalking"),
        )


def test_urls(channel: Callable) -> None:
    assert at.inbound_url(channel("africastalking")) == INBOUND_URL
    assert at.status_url(channel("africastalking"), 5) == DLR_URL


# -- sending -----------------------------------------------------------------------------

SEND_OK = {
    "SMSMessageData": {
        "Message": "Sent to 1/1 Total Cost: XOF 15.0000",
        "Recipients": [
            {
                "statusCode": 101,
                "number": "+221771234567",
                "status": "Success",
                "cost": "XOF 15.0000",
                "messageId": "ATXid_4b5e0c7f",
            }
        ],
    }
}


def at_channel(channel: Callable, **extra: object):  # type: ignore[no-untyped-def]
    return channel(
        "africastalking",
        username="sandbox",
        api_key="atsk_test",
        sender="21000",
        api_url="https://api.sandbox.africastalking.com",
        **extra,
    )


def message(text: str = "Votre ticket est résolu.", **meta: object) -> OutboundMessage:
    return OutboundMessage(message_id=9, interaction_id=1, to="+221771234567", text=text, meta=meta)


async def send(handler: Callable[[httpx.Request], httpx.Response], channel_config, msg):  # type: ignore[no-untyped-def]
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        return await at.send(channel_config, msg, client)


async def test_send_in_the_messaging_api_shape(channel: Callable) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json=SEND_OK)

    result = await send(handler, at_channel(channel), message(link_id="SampleLinkId123"))
    assert result.provider_id == "ATXid_4b5e0c7f"
    assert result.status == "sent"
    request = seen[0]
    assert str(request.url) == "https://api.sandbox.africastalking.com/version1/messaging"
    assert request.method == "POST"
    assert request.headers["apiKey"] == "atsk_test"
    assert request.headers["Accept"] == "application/json"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = dict(parse_qsl(request.content.decode()))
    assert form == {
        "username": "sandbox",
        "to": "+221771234567",
        "message": "Votre ticket est résolu.",
        "from": "21000",
        "linkId": "SampleLinkId123",
    }


@pytest.mark.parametrize(
    ("code", "status", "error"),
    [
        (403, "InvalidPhoneNumber", PermanentSendError),
        (406, "UserInBlacklist", PermanentSendError),
        (402, "InvalidSenderId", PermanentSendError),
        (405, "InsufficientBalance", TransientSendError),
        (500, "InternalServerError", TransientSendError),
    ],
)
async def test_send_recipient_errors(
    code: int, status: str, error: type, channel: Callable
) -> None:
    answer = {
        "SMSMessageData": {
            "Message": "Sent to 0/1 Total Cost: 0",
            "Recipients": [
                {
                    "statusCode": code,
                    "number": "+221771234567",
                    "status": status,
                    "cost": "0",
                    "messageId": "None",
                }
            ],
        }
    }
    with pytest.raises(error) as raised:
        await send(lambda r: httpx.Response(201, json=answer), at_channel(channel), message())
    assert status in raised.value.detail


async def test_send_no_recipients(channel: Callable) -> None:
    answer = {"SMSMessageData": {"Message": "InvalidSenderId", "Recipients": []}}
    with pytest.raises(PermanentSendError) as raised:
        await send(lambda r: httpx.Response(201, json=answer), at_channel(channel), message())
    assert "InvalidSenderId" in raised.value.detail


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, PermanentSendError),
        (400, PermanentSendError),
        (502, TransientSendError),
        (429, TransientSendError),
    ],
)
async def test_send_http_errors(status: int, error: type, channel: Callable) -> None:
    with pytest.raises(error):
        await send(
            lambda r: httpx.Response(status, text="The supplied authentication is invalid"),
            at_channel(channel),
            message(),
        )


async def test_send_default_api_url_and_missing_config(channel: Callable) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json=SEND_OK)

    await send(handler, channel("africastalking", username="u", api_key="k"), message())
    assert str(seen[0].url) == "https://api.africastalking.com/version1/messaging"
    assert "from" not in dict(parse_qsl(seen[0].content.decode()))
    with pytest.raises(PermanentSendError):
        await send(handler, channel("africastalking", username="u"), message())
