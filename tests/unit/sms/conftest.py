"""Builders for the SMS adapter tests: a channel, and a webhook request as the app makes it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from channels.sms.base import WebhookRequest
from channels.types import ChannelConfig

SECRET = "s3cr3t-Token_value"


def make_channel(provider: str, **config: Any) -> ChannelConfig:
    return ChannelConfig(
        id=7,
        tenant_id=1,
        kind="sms",
        key="chan-key",
        secret=SECRET,
        config={"provider": provider, **config},
        base_url="https://teranga.example.sn",
    )


def make_request(
    url: str,
    *,
    method: str = "GET",
    form: dict[str, str] | list[tuple[str, str]] | None = None,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> WebhookRequest:
    """What the app hands an adapter: full URL with its raw query, parsed query, raw body."""
    query = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    form_dict = None
    if form is not None:
        body = urlencode(form).encode()
        form_dict = dict(form)
        method = "POST"
    return WebhookRequest(
        method=method,
        url=url,
        headers={k.lower(): v for k, v in (headers or {}).items()},
        query=query,
        body=body or b"",
        form=form_dict,
    )


@pytest.fixture
def channel() -> Callable[..., ChannelConfig]:
    return make_channel


@pytest.fixture
def request_for() -> Callable[..., WebhookRequest]:
    return make_request
