"""Providers call these: inbound SMS and delivery reports, one pair of routes per
gateway (``/webhooks/{slug}/{channel_key}`` and ``…/dlr``).

Each answer tells the gateway what to do: 2xx once the message is durable (ingest
committed), 4xx for a request that will never succeed, 503 when we cannot store it
right now (the gateway retries later).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

import orjson
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from app import actions
from app.api.deps import Ctx
from app.context import AppContext
from app.errors import Invalid, NotFound
from app.models import Channel
from app.services.cache import ChannelEntry
from app.services.group_commit import group_commit
from channels.sms import inbound
from channels.sms.base import WebhookRequest
from channels.sms.registry import SLUGS, UnknownProviderError, provider_name
from channels.types import ChannelConfig, InboundMessage

router = APIRouter(tags=["webhooks"])

MAX_WEBHOOK_BYTES = 256 * 1024


def channel_config(ctx: AppContext, channel: Channel) -> ChannelConfig:
    assert channel.id is not None
    return ChannelConfig(id=channel.id, tenant_id=channel.tenant_id,
                         kind=channel.kind,  # type: ignore[arg-type]
                         key=channel.key, secret=channel.secret, config=dict(channel.config),
                         base_url=ctx.settings.base_url)


def _sms_channel(ctx: AppContext, entry: ChannelEntry | None, provider: str) -> ChannelConfig:
    """The SMS channel behind a webhook URL, if that URL is its provider's."""
    if entry is None:
        raise NotFound("unknown channel")
    channel = entry.channel
    if channel.kind != "sms" or not channel.is_active:
        raise NotFound("unknown channel")
    config = channel_config(ctx, channel)
    try:
        configured = provider_name(config.config)
    except UnknownProviderError as exc:
        raise NotFound(str(exc)) from None
    if configured != provider:
        raise NotFound(f"this channel receives through '{configured}', not '{provider}'")
    # Numbers written without a country code are read in the tenant's region.
    config.config.setdefault("default_region", entry.tenant.default_region)
    return config


async def sms_channel(ctx: AppContext, key: str, provider: str) -> ChannelConfig:
    """From the per-process cache when fresh (no thread hop, no query), else read."""
    entry = ctx.config_cache.peek_key(key)
    if entry is None:
        entry = await run_in_threadpool(ctx.config_cache.by_key, key)
    return _sms_channel(ctx, entry, provider)


async def webhook_request(request: Request) -> WebhookRequest:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_WEBHOOK_BYTES:
        raise Invalid(f"body larger than {MAX_WEBHOOK_BYTES} bytes")
    body = await request.body()
    if len(body) > MAX_WEBHOOK_BYTES:
        raise Invalid(f"body larger than {MAX_WEBHOOK_BYTES} bytes")
    form: dict[str, str] | None = None
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    # Behind a proxy, the provider signed the URL it called, not ours. The raw query
    # string is kept: Kannel passes UCS-2 text as url-encoded UTF-16 bytes.
    proto = request.headers.get("x-forwarded-proto", request.url.scheme)
    host = request.headers.get("x-forwarded-host", request.headers.get("host", request.url.netloc))
    url = f"{proto}://{host}{request.url.path}"
    query = request.scope.get("query_string", b"").decode("latin-1")
    if query:
        url += f"?{query}"
    return WebhookRequest(
        method=request.method,
        url=url,
        headers={k.lower(): v for k, v in request.headers.items()},
        query=dict(request.query_params),
        body=body,
        form=form,
    )


async def ingest(ctx: AppContext, message: InboundMessage) -> actions.IngestResult:
    """Durable before the answer: the message's group commit has happened."""
    return await group_commit(ctx).ingest(message)


async def receive_sms(ctx: AppContext, provider: str, key: str, request: Request
                      ) -> list[actions.IngestResult]:
    channel = await sms_channel(ctx, key, provider)
    messages = inbound.receive(channel, await webhook_request(request))
    return [await ingest(ctx, m) for m in messages]


async def receive_status(ctx: AppContext, provider: str, key: str, request: Request) -> int:
    channel = await sms_channel(ctx, key, provider)
    matched = 0
    for update in inbound.receive_status(channel, await webhook_request(request)):
        found = await run_in_threadpool(
            actions.delivery_update, ctx, channel.id, update.status,
            message_id=update.message_id, provider_id=update.provider_id, reason=update.reason)
        matched += int(found)
    return matched


def _ack(provider: str) -> Response:
    if provider == "twilio":
        return Response("<Response></Response>", media_type="text/xml")
    # Kannel would send a non-empty body back to the phone as a reply.
    return Response(b"", status_code=200, media_type="text/plain")


class SmsAccepted(BaseModel):
    status: str = "ok"
    message_id: int
    interaction_id: int
    duplicate: bool


@router.post("/webhooks/sms/{channel_key}", response_model=SmsAccepted)
async def generic_sms(channel_key: str, request: Request) -> Response:
    """The contract's generic SMS webhook: JSON ``{"id", "from", "to", "text"}`` signed with
    ``X-Teranga-Signature: sha256=<hex HMAC-SHA256 of the body with the channel secret>``."""
    # The hottest route: the context straight from the app, and the answer encoded
    # here (orjson), not by the dependency and response-model machinery.
    ctx: AppContext = request.app.state.ctx
    results = await receive_sms(ctx, "generic", channel_key, request)
    first = results[0]
    return Response(orjson.dumps({"status": "ok", "message_id": first.message_id,
                                  "interaction_id": first.interaction_id,
                                  "duplicate": first.duplicate}),
                    media_type="application/json")


@router.post("/webhooks/sms/{channel_key}/dlr")
async def generic_sms_status(channel_key: str, request: Request, ctx: Ctx) -> dict[str, Any]:
    """Delivery report for the generic gateway: ``{"id", "status", "reason"?}``, signed."""
    return {"status": "ok", "matched": await receive_status(ctx, "generic", channel_key,
                                                            request)}


def _gateway_routes(provider: str, slug: str) -> None:
    """Each gateway's own URLs. Kannel calls with GET; the others POST."""

    def inbound_endpoint() -> Callable[[str, Request, AppContext], Awaitable[Response]]:
        async def endpoint(channel_key: str, request: Request, ctx: Ctx) -> Response:
            await receive_sms(ctx, provider, channel_key, request)
            return _ack(provider)

        endpoint.__name__ = f"{provider}_sms"
        endpoint.__doc__ = f"Inbound SMS from {provider} (its own fields and signature)."
        return endpoint

    def status_endpoint() -> Callable[[str, Request, AppContext], Awaitable[Response]]:
        async def endpoint(channel_key: str, request: Request, ctx: Ctx) -> Response:
            matched = await receive_status(ctx, provider, channel_key, request)
            if provider == "kannel":
                return _ack(provider)
            return JSONResponse({"status": "ok", "matched": matched})

        endpoint.__name__ = f"{provider}_dlr"
        endpoint.__doc__ = f"Delivery reports from {provider}."
        return endpoint

    # Kannel's get-url and dlr-url are GET requests by default; the others POST.
    methods = ["GET", "POST"] if provider == "kannel" else ["POST"]
    for method in methods:
        router.add_api_route(f"/webhooks/{slug}/{{channel_key}}", inbound_endpoint(),
                             methods=[method], response_class=Response,
                             operation_id=f"{provider}_sms_{method.lower()}")
        router.add_api_route(f"/webhooks/{slug}/{{channel_key}}/dlr", status_endpoint(),
                             methods=[method], response_class=Response,
                             operation_id=f"{provider}_dlr_{method.lower()}")


for _provider, _slug in SLUGS.items():
    if _provider != "generic":
        _gateway_routes(_provider, _slug)
