"""What the app calls: registry, endpoint URLs, receive() and send_sms()."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from urllib.parse import urlencode

import httpx
import pytest

from channels.sms.base import InboundSms, SignatureError, SmsProvider
from channels.sms.endpoints import inbound_url, route_patterns, status_url
from channels.sms.generic import GenericProvider, sign
from channels.sms.inbound import receive, receive_status, to_inbound_message
from channels.sms.outbound import send_sms
from channels.sms.ratelimit import RateLimiter
from channels.sms.registry import (
    PROVIDER_NAMES,
    SLUGS,
    UnknownProviderError,
    get_provider,
    provider_for,
    provider_for_slug,
)
from channels.types import Identity, OutboundMessage, PermanentSendError


@pytest.mark.parametrize("name", ["kannel", "africastalking", "twilio", "orange", "generic"])
def test_every_provider_is_registered(name: str) -> None:
    provider: SmsProvider = get_provider(name)
    assert provider.name == name
    assert callable(provider.parse_inbound) and callable(provider.parse_status)
    assert inspect.iscoroutinefunction(provider.send)


def test_generic_is_the_contracts_own() -> None:
    assert isinstance(get_provider("generic"), GenericProvider)
    assert SLUGS["generic"] == "sms"


def test_unknown_provider() -> None:
    with pytest.raises(UnknownProviderError) as error:
        get_provider("clickatell")
    assert "kannel" in str(error.value)
    assert set(PROVIDER_NAMES) == set(SLUGS)


def test_provider_for_channel_defaults_to_generic(channel: Callable) -> None:
    assert provider_for(channel("twilio")).name == "twilio"
    config = channel("generic")
    del config.config["provider"]
    assert provider_for(config).name == "generic"


def test_slugs() -> None:
    assert provider_for_slug("sms") == "generic"
    assert provider_for_slug("kannel") == "kannel"
    assert provider_for_slug("nope") is None


def test_route_patterns() -> None:
    routes = {name: (inbound, status) for name, inbound, status in route_patterns()}
    assert routes["kannel"] == (
        "/webhooks/kannel/{channel_key}",
        "/webhooks/kannel/{channel_key}/dlr",
    )
    assert routes["generic"] == ("/webhooks/sms/{channel_key}", "/webhooks/sms/{channel_key}/dlr")
    assert routes["twilio"][0] == "/webhooks/twilio/{channel_key}"
    assert routes["africastalking"][0] == "/webhooks/africastalking/{channel_key}"


@pytest.mark.parametrize(
    ("provider", "inbound", "status"),
    [
        ("generic", "/webhooks/sms/chan-key", "/webhooks/sms/chan-key/dlr"),
        ("twilio", "/webhooks/twilio/chan-key", "/webhooks/twilio/chan-key/dlr?message_id=5"),
        (
            "africastalking",
            "/webhooks/africastalking/chan-key?secret=s3cr3t-Token_value",
            "/webhooks/africastalking/chan-key/dlr?secret=s3cr3t-Token_value",
        ),
        (
            "orange",
            "/webhooks/orange/chan-key?secret=s3cr3t-Token_value",
            "/webhooks/orange/chan-key/dlr?secret=s3cr3t-Token_value",
        ),
        (
            "kannel",
            "/webhooks/kannel/chan-key?secret=s3cr3t-Token_value&id=%I&from=%p&to=%P&text=%a"
            "&ts=%T&coding=%c&charset=%C",
            "/webhooks/kannel/chan-key/dlr?secret=s3cr3t-Token_value&message_id=5"
            "&status=%d&reason=%A&fid=%F&ts=%T",
        ),
    ],
)
def test_endpoint_urls(provider: str, inbound: str, status: str, channel: Callable) -> None:
    config = channel(provider)
    assert inbound_url(config) == "https://teranga.example.sn" + inbound
    assert status_url(config, 5) == "https://teranga.example.sn" + status


def test_to_inbound_message_normalises_and_tags(channel: Callable) -> None:
    sms = InboundSms("abc", "221771234567", "21000", " Arrêt ", meta={"coding": 0})
    message = to_inbound_message(channel("kannel"), sms)
    assert message.sender == Identity("phone", "+221771234567")
    assert message.recipient == "21000"
    assert message.channel_id == 7
    assert message.provider_id == "abc"
    assert message.text == " Arrêt "
    assert message.meta == {"coding": 0, "provider": "kannel", "keyword": "opt_out"}


def test_to_inbound_message_keeps_alphanumeric_senders(channel: Callable) -> None:
    message = to_inbound_message(channel("kannel"), InboundSms(None, "Orange", None, "Votre solde"))
    assert message.sender.value == "Orange"
    assert message.meta["sender_not_phone"] is True
    assert "keyword" not in message.meta


def test_to_inbound_message_uses_the_channel_region(channel: Callable) -> None:
    config = channel("generic", default_region="FR")
    message = to_inbound_message(config, InboundSms("1", "06 12 34 56 78", None, "START"))
    assert message.sender.value == "+33612345678"
    assert message.meta["keyword"] == "opt_in"


def test_receive_through_the_generic_webhook(channel: Callable, request_for: Callable) -> None:
    import json

    body = json.dumps({"id": "m1", "from": "77 123 45 67", "to": "21000", "text": "STOP"}).encode()
    config = channel("generic")
    request = request_for(
        "https://teranga.example.sn/webhooks/sms/chan-key",
        method="POST",
        body=body,
        headers={"X-Teranga-Signature": sign(config.secret, body)},
    )
    [message] = receive(config, request)
    assert message.sender.value == "+221771234567"
    assert message.meta["keyword"] == "opt_out"
    bad = request_for(
        request.url, method="POST", body=body, headers={"X-Teranga-Signature": "sha256=00"}
    )
    with pytest.raises(SignatureError):
        receive(config, bad)


def test_receive_status_through_kannel(channel: Callable, request_for: Callable) -> None:
    query = urlencode({"secret": "s3cr3t-Token_value", "message_id": 3, "status": 1})
    url = f"https://teranga.example.sn/webhooks/kannel/chan-key/dlr?{query}"
    [update] = receive_status(channel("kannel"), request_for(url))
    assert (update.status, update.message_id) == ("delivered", 3)


def outbound(to: str = "+221771234567", text: str = "Bonjour") -> OutboundMessage:
    return OutboundMessage(message_id=1, interaction_id=1, to=to, text=text)


async def test_send_sms_rate_limits_then_sends(channel: Callable) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(202, text="0: Accepted for delivery")

    slept: list[float] = []
    now = [0.0]

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(clock=lambda: now[0], sleep=sleep)
    config = channel(
        "kannel",
        sendsms_url="http://kannel.local/cgi-bin/sendsms",
        username="u",
        password="p",
        max_per_second=1,
    )
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        for _ in range(3):
            result = await send_sms(config, outbound(), client, limiter)
            assert result.status == "sent"
    assert len(calls) == 3
    assert slept == [1.0, 1.0]


@pytest.mark.parametrize(("to", "text"), [("not a number", "hi"), ("+221771234567", "   ")])
async def test_send_sms_refuses_what_no_retry_fixes(to: str, text: str, channel: Callable) -> None:
    async with httpx.AsyncClient(
        transport=httpx.MockTransport(lambda r: httpx.Response(500))
    ) as client:
        with pytest.raises(PermanentSendError):
            await send_sms(channel("kannel"), outbound(to, text), client)


async def test_send_sms_unknown_provider_is_permanent(channel: Callable) -> None:
    async with httpx.AsyncClient(
        transport=httpx.MockTransport(lambda r: httpx.Response(500))
    ) as client:
        with pytest.raises(PermanentSendError):
            await send_sms(channel("nexmo"), outbound(), client)
