"""Twilio adapter: real signature computation, recorded webhook fields, the Messages API."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl

import httpx
import pytest

from channels.sms.base import PayloadError, SignatureError
from channels.sms.twilio import TwilioProvider, compute_signature, url_variants
from channels.types import OutboundMessage, PermanentSendError, TransientSendError

twilio = TwilioProvider()
TOKEN = "f3a1c0ffee0123456789abcdef012345"
ACCOUNT = "AC0123456789abcdef0123456789abcdef"
INBOUND_URL = "https://teranga.example.sn/webhooks/twilio/chan-key"
STATUS_URL = "https://teranga.example.sn/webhooks/twilio/chan-key/dlr?message_id=42"

# The example of Twilio's security documentation and its libraries' tests.
DOC_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
DOC_PARAMS = [
    ("CallSid", "CA1234567890ABCDE"),
    ("Caller", "+14158675309"),
    ("Digits", "1234"),
    ("From", "+14158675309"),
    ("To", "+18005551212"),
]

INBOUND_FORM = [
    ("ToCountry", "SN"),
    ("SmsMessageSid", "SM0f1e2d3c4b5a69788796a5b4c3d2e1f0"),
    ("NumMedia", "0"),
    ("SmsSid", "SM0f1e2d3c4b5a69788796a5b4c3d2e1f0"),
    ("SmsStatus", "received"),
    ("Body", "Bonjour, où en est ma livraison ? 🙏"),
    ("FromCountry", "SN"),
    ("To", "+221338000000"),
    ("NumSegments", "1"),
    ("MessageSid", "SM0f1e2d3c4b5a69788796a5b4c3d2e1f0"),
    ("AccountSid", ACCOUNT),
    ("From", "+221771234567"),
    ("ApiVersion", "2010-04-01"),
]


def test_signature_matches_twilios_documented_example() -> None:
    assert compute_signature("12345", DOC_URL, DOC_PARAMS) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_signature_with_repeated_parameters() -> None:
    params = [("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1234")]
    assert compute_signature("12345", DOC_URL, params) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="


def test_url_variants_cover_ports() -> None:
    assert url_variants("https://mycompany.com:1234/a?b=1") == [
        "https://mycompany.com:1234/a?b=1",
        "https://mycompany.com/a?b=1",
        "https://mycompany.com:443/a?b=1",
    ]


def twilio_channel(channel: Callable, **extra: object):  # type: ignore[no-untyped-def]
    config = {"account_sid": ACCOUNT, "auth_token": TOKEN, "sender": "+221338000000", **extra}
    return channel("twilio", **config)


def signed(
    request_for: Callable, url: str, form: list[tuple[str, str]], signed_url: str | None = None
):  # type: ignore[no-untyped-def]
    signature = compute_signature(TOKEN, signed_url or url, form)
    return request_for(url, form=form, headers={"X-Twilio-Signature": signature})


def test_inbound(channel: Callable, request_for: Callable) -> None:
    [sms] = twilio.parse_inbound(
        signed(request_for, INBOUND_URL, INBOUND_FORM), twilio_channel(channel)
    )
    assert sms.provider_id == "SM0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    assert sms.sender == "+221771234567"
    assert sms.recipient == "+221338000000"
    assert sms.text == "Bonjour, où en est ma livraison ? 🙏"
    assert sms.meta == {}


def test_inbound_with_media(channel: Callable, request_for: Callable) -> None:
    form = [
        *INBOUND_FORM,
        ("MediaUrl0", "https://api.twilio.com/media/ME1"),
        ("MediaContentType0", "image/jpeg"),
    ]
    form = [(k, "1") if k == "NumMedia" else (k, v) for k, v in form]
    [sms] = twilio.parse_inbound(signed(request_for, INBOUND_URL, form), twilio_channel(channel))
    assert sms.meta["media"] == [
        {"url": "https://api.twilio.com/media/ME1", "content_type": "image/jpeg"}
    ]


def test_signature_through_a_proxy_that_adds_a_port(
    channel: Callable, request_for: Callable
) -> None:
    # Twilio called https://teranga.example.sn/…; the app rebuilt the URL with :443.
    request = signed(
        request_for, INBOUND_URL.replace(".sn/", ".sn:443/"), INBOUND_FORM, signed_url=INBOUND_URL
    )
    assert twilio.parse_inbound(request, twilio_channel(channel))


def test_bad_signature(channel: Callable, request_for: Callable) -> None:
    request = request_for(
        INBOUND_URL, form=INBOUND_FORM, headers={"X-Twilio-Signature": "bm9wZQ=="}
    )
    with pytest.raises(SignatureError) as error:
        twilio.parse_inbound(request, twilio_channel(channel))
    assert error.value.status == 401


def test_signature_over_a_different_url_fails(channel: Callable, request_for: Callable) -> None:
    request = signed(
        request_for,
        INBOUND_URL,
        INBOUND_FORM,
        signed_url="http://teranga.example.sn/webhooks/twilio/chan-key",
    )
    with pytest.raises(SignatureError):
        twilio.parse_inbound(request, twilio_channel(channel))


def test_tampered_body_fails(channel: Callable, request_for: Callable) -> None:
    signature = compute_signature(TOKEN, INBOUND_URL, INBOUND_FORM)
    tampered = [(k, "STOP") if k == "Body" else (k, v) for k, v in INBOUND_FORM]
    request = request_for(INBOUND_URL, form=tampered, headers={"X-Twilio-Signature": signature})
    with pytest.raises(SignatureError):
        twilio.parse_inbound(request, twilio_channel(channel))


def test_missing_signature(channel: Callable, request_for: Callable) -> None:
    with pytest.raises(SignatureError):
        twilio.parse_inbound(request_for(INBOUND_URL, form=INBOUND_FORM), twilio_channel(channel))


def test_other_account_is_refused(channel: Callable, request_for: Callable) -> None:
    with pytest.raises(SignatureError):
        twilio.parse_inbound(
            signed(request_for, INBOUND_URL, INBOUND_FORM),
            twilio_channel(channel, account_sid="AC_other"),
        )


def test_inbound_without_from(channel: Callable, request_for: Callable) -> None:
    form = [(k, v) for k, v in INBOUND_FORM if k != "From"]
    with pytest.raises(PayloadError):
        twilio.parse_inbound(signed(request_for, INBOUND_URL, form), twilio_channel(channel))


def status_form(status: str, error_code: str | None = None) -> list[tuple[str, str]]:
    form = [
        ("SmsSid", "SM9a8b7c6d5e4f30211203f4e5d6c7b8a9"),
        ("SmsStatus", status),
        ("MessageStatus", status),
        ("To", "+221771234567"),
        ("MessageSid", "SM9a8b7c6d5e4f30211203f4e5d6c7b8a9"),
        ("AccountSid", ACCOUNT),
        ("From", "+221338000000"),
        ("ApiVersion", "2010-04-01"),
    ]
    if error_code:
        form.append(("ErrorCode", error_code))
    return form


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("queued", "sent"),
        ("sending", "sent"),
        ("sent", "sent"),
        ("delivered", "delivered"),
        ("undelivered", "failed"),
        ("failed", "failed"),
    ],
)
def test_status_callbacks(
    status: str, expected: str, channel: Callable, request_for: Callable
) -> None:
    [update] = twilio.parse_status(
        signed(request_for, STATUS_URL, status_form(status)), twilio_channel(channel)
    )
    assert update.status == expected
    assert update.message_id == 42
    assert update.provider_id == "SM9a8b7c6d5e4f30211203f4e5d6c7b8a9"


def test_undelivered_carries_the_error(channel: Callable, request_for: Callable) -> None:
    request = signed(request_for, STATUS_URL, status_form("undelivered", "30003"))
    [update] = twilio.parse_status(request, twilio_channel(channel))
    assert update.reason == "Twilio error 30003: unreachable destination handset"


def test_inbound_statuses_are_not_delivery_reports(
    channel: Callable, request_for: Callable
) -> None:
    request = signed(request_for, STATUS_URL, status_form("received"))
    assert twilio.parse_status(request, twilio_channel(channel)) == []


def test_status_url(channel: Callable) -> None:
    assert twilio.status_url(twilio_channel(channel), 42) == STATUS_URL
    assert twilio.inbound_url(twilio_channel(channel)) == INBOUND_URL


# -- sending -----------------------------------------------------------------------------


def message(text: str = "Votre colis arrive demain, à bientôt !") -> OutboundMessage:
    return OutboundMessage(message_id=42, interaction_id=1, to="+221771234567", text=text)


async def send(handler: Callable[[httpx.Request], httpx.Response], channel_config):  # type: ignore[no-untyped-def]
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        return await twilio.send(channel_config, message(), client)


async def test_send(channel: Callable) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"sid": "SMabc", "status": "queued", "error_code": None})

    result = await send(handler, twilio_channel(channel, api_url="http://127.0.0.1:9999"))
    assert result.provider_id == "SMabc"
    request = seen[0]
    assert str(request.url) == f"http://127.0.0.1:9999/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    assert request.headers["Authorization"].startswith("Basic ")
    form = dict(parse_qsl(request.content.decode()))
    assert form == {
        "To": "+221771234567",
        "Body": "Votre colis arrive demain, à bientôt !",
        "From": "+221338000000",
        "StatusCallback": STATUS_URL,
    }


async def test_send_through_a_messaging_service(channel: Callable) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"sid": "SMabc", "status": "accepted"})

    config = channel("twilio", account_sid=ACCOUNT, auth_token=TOKEN, messaging_service_sid="MG123")
    await send(handler, config)
    form = dict(parse_qsl(seen[0].content.decode()))
    assert form["MessagingServiceSid"] == "MG123"
    assert "From" not in form
    assert str(seen[0].url).startswith("https://api.twilio.com/2010-04-01/")


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (
            400,
            {
                "code": 21211,
                "message": "The 'To' number is not a valid phone number.",
                "status": 400,
            },
            PermanentSendError,
        ),
        (
            400,
            {"code": 21610, "message": "Attempt to send to unsubscribed recipient", "status": 400},
            PermanentSendError,
        ),
        (401, {"code": 20003, "message": "Authenticate", "status": 401}, PermanentSendError),
        (429, {"code": 20429, "message": "Too Many Requests", "status": 429}, TransientSendError),
        (503, {}, TransientSendError),
    ],
)
async def test_send_errors(status: int, body: dict, error: type, channel: Callable) -> None:
    with pytest.raises(error) as raised:
        await send(lambda r: httpx.Response(status, json=body), twilio_channel(channel))
    if body:
        assert str(body["code"]) in raised.value.detail


async def test_send_needs_a_sender(channel: Callable) -> None:
    with pytest.raises(PermanentSendError):
        await send(
            lambda r: httpx.Response(201), channel("twilio", account_sid=ACCOUNT, auth_token=TOKEN)
        )
