"""A real Kannel per test module, and a recorder standing in for Teranga's webhook routes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

import pytest

from channels.sms.base import WebhookRequest
from channels.sms.kannel import KannelProvider
from channels.types import ChannelConfig
from tests.integration.sms.recorder import RecordedCall, WebhookRecorder
from tests.support.kannel import KannelGateway, find_kannel

CHANNEL_KEY = "kannel-test"
CHANNEL_SECRET = "kannel-test-secret_0123456789"


def require_kannel() -> None:
    if find_kannel() is None:
        reason = "Kannel is not installed (bearerbox, smsbox): apt-get install kannel kannel-extras"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + " — required when CI=true")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def webhooks() -> Iterator[WebhookRecorder]:
    with WebhookRecorder() as recorder:
        yield recorder


@pytest.fixture(scope="module")
def kannel(
    tmp_path_factory: pytest.TempPathFactory, webhooks: WebhookRecorder
) -> Iterator[KannelGateway]:
    require_kannel()
    channel = ChannelConfig(
        id=1,
        tenant_id=1,
        kind="sms",
        key=CHANNEL_KEY,
        secret=CHANNEL_SECRET,
        config={"provider": "kannel"},
        base_url=webhooks.base_url,
    )
    # Kannel's get-url is exactly what Teranga tells users to paste into kannel.conf.
    get_url = KannelProvider().inbound_url(channel)
    with KannelGateway(tmp_path_factory.mktemp("kannel"), get_url=get_url) as gateway:
        yield gateway


@pytest.fixture
def kannel_channel(kannel: KannelGateway, webhooks: WebhookRecorder) -> ChannelConfig:
    channel = ChannelConfig(
        id=1,
        tenant_id=1,
        kind="sms",
        key=CHANNEL_KEY,
        secret=CHANNEL_SECRET,
        config={
            "provider": "kannel",
            "sendsms_url": kannel.sendsms_url,
            "username": kannel.username,
            "password": kannel.password,
            "sender": kannel.short_code,
        },
        base_url=webhooks.base_url,
    )
    return channel


@pytest.fixture(autouse=True)
def _fresh_queues(request: pytest.FixtureRequest) -> None:
    """Each test starts with nothing pending from the previous one."""
    if "kannel" in request.fixturenames:
        gateway = request.getfixturevalue("kannel")
        recorder = request.getfixturevalue("webhooks")
        recorder.drain()
        recorder.fail_next = 0
        if gateway.phone is not None:
            while not gateway.phone.lines.empty():
                gateway.phone.lines.get_nowait()


def as_webhook_request(call: RecordedCall, base_url: str) -> WebhookRequest:
    """The request as Teranga's route would hand it to the adapter."""
    url = base_url + call.path
    return WebhookRequest(
        method=call.method,
        url=url,
        headers=call.headers,
        query=dict(parse_qsl(urlsplit(url).query, errors="replace")),
        body=call.body,
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    report = yield
    gateway = getattr(item, "funcargs", {}).get("kannel")
    if report.failed and isinstance(gateway, KannelGateway):
        report.sections.append(("Kannel logs", gateway.logs()))
    return report
