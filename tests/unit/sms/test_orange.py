"""Orange SMS API adapter: OneAPI JSON shapes, OAuth2 token caching and renewal."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from channels.sms.base import PayloadError, SignatureError
from channels.sms.oauth import TokenCache
from channels.sms.orange import OrangeProvider, tel_uri
from channels.types import OutboundMessage, PermanentSendError, TransientSendError

INBOUND_URL = "https://teranga.example.sn/webhooks/orange/chan-key?secret=s3cr3t-Token_value"
DLR_URL = "https://teranga.example.sn/webhooks/orange/chan-key/dlr?secret=s3cr3t-Token_value"

INBOUND = {
    "inboundSMSMessageNotification": {
        "inboundSMSMessage": {
            "dateTime": "2026-11-26T11:17:27+00:00",
            "destinationAddress": "tel:+221338000000",
            "messageId": "6f1bd0ad-02d3-4ad1-8b0d-3a5fc0c4d2a1",
            "message": "Bonsoir, mon crédit n'est pas arrivé",
            "senderAddress": "tel:+221771234567",
        }
    }
}


def dr(status: str, callback: str | None = "teranga-42") -> dict:
    notification: dict = {
        "deliveryInfo": {"address": "tel:+221771234567", "deliveryStatus": status}
    }
    if callback is not None:
        notification["callbackData"] = callback
    return {"deliveryInfoNotification": notification}


def post(request_for: Callable, url: str, payload: object):  # type: ignore[no-untyped-def]
    return request_for(
        url,
        method="POST",
        body=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
    )


def test_inbound(channel: Callable, request_for: Callable) -> None:
    [sms] = OrangeProvider().parse_inbound(
        post(request_for, INBOUND_URL, INBOUND), channel("orange")
    )
    assert sms.sender == "+221771234567"
    assert sms.recipient == "+221338000000"
    assert sms.text == "Bonsoir, mon crédit n'est pas arrivé"
    assert sms.provider_id == "6f1bd0ad-02d3-4ad1-8b0d-3a5fc0c4d2a1"
    assert sms.sent_at is not None and sms.sent_at.hour == 11


def test_inbound_needs_the_secret(channel: Callable, request_for: Callable) -> None:
    with pytest.raises(SignatureError):
        OrangeProvider().parse_inbound(
            post(request_for, INBOUND_URL.split("?")[0], INBOUND), channel("orange")
        )


@pytest.mark.parametrize(
    "payload", [b"not json", b"[]", json.dumps({"deliveryInfoNotification": {}}).encode()]
)
def test_inbound_bad_payload(payload: bytes, channel: Callable, request_for: Callable) -> None:
    with pytest.raises(PayloadError):
        OrangeProvider().parse_inbound(
            request_for(INBOUND_URL, method="POST", body=payload), channel("orange")
        )


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("DeliveredToTerminal", "delivered"),
        ("DeliveredToNetwork", "sent"),
        ("MessageWaiting", "sent"),
        ("DeliveryUncertain", "sent"),
        ("DeliveryImpossible", "failed"),
    ],
)
def test_delivery_receipts(
    status: str, expected: str, channel: Callable, request_for: Callable
) -> None:
    [update] = OrangeProvider().parse_status(
        post(request_for, DLR_URL, dr(status)), channel("orange")
    )
    assert update.status == expected
    assert update.message_id == 42
    assert update.reason == ("DeliveryImpossible" if expected == "failed" else None)


def test_receipt_without_our_callback_data_matches_orange_id(
    channel: Callable, request_for: Callable
) -> None:
    [update] = OrangeProvider().parse_status(
        post(request_for, DLR_URL, dr("DeliveredToTerminal", "f4d2b4a0")), channel("orange")
    )
    assert update.message_id is None
    assert update.provider_id == "f4d2b4a0"


def test_receipt_naming_no_message_is_ignored(channel: Callable, request_for: Callable) -> None:
    payload = dr("DeliveredToTerminal", callback=None)
    assert (
        OrangeProvider().parse_status(post(request_for, DLR_URL, payload), channel("orange")) == []
    )


def test_receipt_with_a_resource_url(channel: Callable, request_for: Callable) -> None:
    payload = dr("DeliveryImpossible", callback=None)
    payload["deliveryInfoNotification"]["resourceURL"] = (
        "https://api.orange.com/smsmessaging/v1/outbound/tel%3A%2B221338000000/requests/abc123"
    )
    [update] = OrangeProvider().parse_status(post(request_for, DLR_URL, payload), channel("orange"))
    assert (update.status, update.provider_id, update.reason) == (
        "failed",
        "abc123",
        "DeliveryImpossible",
    )


def test_unknown_receipt_status_is_ignored(channel: Callable, request_for: Callable) -> None:
    assert (
        OrangeProvider().parse_status(post(request_for, DLR_URL, dr("Lost")), channel("orange"))
        == []
    )


def test_urls(channel: Callable) -> None:
    assert OrangeProvider().inbound_url(channel("orange")) == INBOUND_URL
    assert OrangeProvider().status_url(channel("orange"), 1) == DLR_URL


def test_tel_uri() -> None:
    assert tel_uri("+221771234567") == "tel:+221771234567"
    assert tel_uri("221771234567") == "tel:+221771234567"
    assert tel_uri("tel:+221771234567") == "tel:+221771234567"


# -- sending -----------------------------------------------------------------------------

API = "https://orange.test"
SEND_OK = {
    "outboundSMSMessageRequest": {
        "address": "tel:+221771234567",
        "senderAddress": "tel:+221338000000",
        "outboundSMSTextMessage": {"message": "Merci, c'est réglé."},
        "resourceURL": f"{API}/smsmessaging/v1/outbound/tel:+221338000000/requests/f4d2b4a0",
    }
}


class FakeOrange:
    """A scripted Orange API: token endpoint plus the outbound requests resource."""

    def __init__(self, send_answers: list[httpx.Response] | None = None) -> None:
        self.token_calls = 0
        self.sent: list[httpx.Request] = []
        self.send_answers = send_answers or []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/v3/token":
            self.token_calls += 1
            assert request.headers["Authorization"].startswith("Basic ")
            assert request.content == b"grant_type=client_credentials"
            return httpx.Response(
                200,
                json={
                    "token_type": "Bearer",
                    "access_token": f"tok{self.token_calls}",
                    "expires_in": "3600",
                },
            )
        self.sent.append(request)
        if self.send_answers:
            return self.send_answers.pop(0)
        return httpx.Response(201, json=SEND_OK)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def orange_channel(channel: Callable, **extra: object):  # type: ignore[no-untyped-def]
    return channel(
        "orange",
        client_id="cid",
        client_secret="csecret",
        sender="+221338000000",
        api_url=API,
        **extra,
    )


def message(message_id: int = 42) -> OutboundMessage:
    return OutboundMessage(
        message_id=message_id, interaction_id=1, to="+221771234567", text="Merci, c'est réglé."
    )


async def run(
    provider: OrangeProvider, fake: FakeOrange, channel_config, msg: OutboundMessage | None = None
):  # type: ignore[no-untyped-def]
    async with httpx.AsyncClient(transport=httpx.MockTransport(fake)) as client:
        return await provider.send(channel_config, msg or message(), client)


async def test_send(channel: Callable) -> None:
    fake = FakeOrange()
    result = await run(OrangeProvider(), fake, orange_channel(channel, sender_name="TERANGA"))
    assert result.provider_id == "f4d2b4a0"
    request = fake.sent[0]
    assert request.url.raw_path == b"/smsmessaging/v1/outbound/tel%3A%2B221338000000/requests"
    assert request.headers["Authorization"] == "Bearer tok1"
    assert json.loads(request.content) == {
        "outboundSMSMessageRequest": {
            "address": "tel:+221771234567",
            "senderAddress": "tel:+221338000000",
            "senderName": "TERANGA",
            "outboundSMSTextMessage": {"message": "Merci, c'est réglé."},
            "receiptRequest": {"notifyURL": DLR_URL, "callbackData": "teranga-42"},
        }
    }


async def test_token_is_cached_until_it_expires(channel: Callable) -> None:
    clock = Clock()
    provider = OrangeProvider(TokenCache(clock=clock))
    fake = FakeOrange()
    config = orange_channel(channel)
    await run(provider, fake, config)
    clock.now = 3000.0
    await run(provider, fake, config)
    assert fake.token_calls == 1
    clock.now = 3600.0  # within the renewal margin
    await run(provider, fake, config)
    assert fake.token_calls == 2
    assert fake.sent[-1].headers["Authorization"] == "Bearer tok2"


async def test_token_is_renewed_on_401(channel: Callable) -> None:
    fake = FakeOrange([httpx.Response(401, json={"code": 42, "message": "Expired credentials"})])
    provider = OrangeProvider()
    result = await run(provider, fake, orange_channel(channel))
    assert result.provider_id == "f4d2b4a0"
    assert fake.token_calls == 2
    assert [r.headers["Authorization"] for r in fake.sent] == ["Bearer tok1", "Bearer tok2"]


async def test_second_401_is_permanent(channel: Callable) -> None:
    fake = FakeOrange([httpx.Response(401, json={}), httpx.Response(401, json={})])
    with pytest.raises(PermanentSendError):
        await run(OrangeProvider(), fake, orange_channel(channel))
    assert fake.token_calls == 2


async def test_refused_credentials(channel: Callable) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": "invalid_client"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(PermanentSendError) as raised:
            await OrangeProvider().send(orange_channel(channel), message(), client)
    assert "client credentials" in raised.value.detail


@pytest.mark.parametrize(
    ("status", "body", "error", "text"),
    [
        (
            400,
            {
                "requestError": {
                    "serviceException": {
                        "messageId": "SVC0004",
                        "text": "No valid addresses provided in message part %1",
                        "variables": ["address"],
                    }
                }
            },
            PermanentSendError,
            "SVC0004",
        ),
        (
            403,
            {
                "requestError": {
                    "policyException": {
                        "messageId": "POL0001",
                        "text": "A policy error occurred. For example, rate limit error",
                        "variables": [],
                    }
                }
            },
            PermanentSendError,
            "POL0001",
        ),
        (
            429,
            {"code": 53, "message": "Too many requests"},
            TransientSendError,
            "Too many requests",
        ),
        (503, {}, TransientSendError, "503"),
    ],
)
async def test_send_errors(
    status: int, body: dict, error: type, text: str, channel: Callable
) -> None:
    fake = FakeOrange([httpx.Response(status, json=body)])
    with pytest.raises(error) as raised:
        await run(OrangeProvider(), fake, orange_channel(channel))
    assert text in raised.value.detail


async def test_receipt_request_can_be_turned_off(channel: Callable) -> None:
    fake = FakeOrange()
    await run(OrangeProvider(), fake, orange_channel(channel, receipt_request=False))
    assert "receiptRequest" not in json.loads(fake.sent[0].content)["outboundSMSMessageRequest"]


async def test_missing_config(channel: Callable) -> None:
    with pytest.raises(PermanentSendError):
        await run(OrangeProvider(), FakeOrange(), channel("orange", client_id="x"))
