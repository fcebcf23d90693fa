"""Providers call these: inbound SMS and delivery reports.

Each answer tells the gateway what to do: 2xx once the message is durable (ingest
committed), 4xx for a request that will never succeed, 503 when we cannot store
it right now (the gateway retries later).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlmodel import select
from starlette.concurrency import run_in_threadpool

from app import actions
from app.api.deps import Ctx
from app.context import AppContext
from app.errors import Invalid, NotFound
from app.models import Channel, Tenant
from app.services.identities import normalize_phone
from channels.sms.base import InboundSms, SmsProvider, WebhookRequest
from channels.sms.generic import GenericProvider
from channels.types import ChannelConfig, Identity, InboundMessage

router = APIRouter(tags=["webhooks"])

MAX_WEBHOOK_BYTES = 256 * 1024
_generic = GenericProvider()


def _channel(ctx: AppContext, key: str, kind: str) -> tuple[ChannelConfig, str]:
    with ctx.read_session() as s:
        channel = s.exec(select(Channel).where(Channel.key == key)).first()
        if channel is None or channel.kind != kind or not channel.is_active:
            raise NotFound("unknown channel")
        tenant = s.get(Tenant, channel.tenant_id)
        assert channel.id is not None and tenant is not None
        config = ChannelConfig(id=channel.id, tenant_id=channel.tenant_id,
                               kind=channel.kind,  # type: ignore[arg-type]
                               key=channel.key, secret=channel.secret,
                               config=dict(channel.config), base_url=ctx.settings.base_url)
        return config, tenant.default_region


async def webhook_request(request: Request) -> WebhookRequest:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_WEBHOOK_BYTES:
        raise Invalid(f"body larger than {MAX_WEBHOOK_BYTES} bytes")
    body = await request.body()
    if len(body) > MAX_WEBHOOK_BYTES:
        raise Invalid(f"body larger than {MAX_WEBHOOK_BYTES} bytes")
    form: dict[str, str] | None = None
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        from urllib.parse import parse_qsl

        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    # Behind a proxy, the provider signed the URL it called, not ours.
    proto = request.headers.get("x-forwarded-proto", request.url.scheme)
    host = request.headers.get("x-forwarded-host", request.headers.get("host", request.url.netloc))
    url = f"{proto}://{host}{request.url.path}"
    if request.url.query:
        url += f"?{request.url.query}"
    return WebhookRequest(
        method=request.method,
        url=url,
        headers={k.lower(): v for k, v in request.headers.items()},
        query=dict(request.query_params),
        body=body,
        form=form,
    )


def ingest_sms(ctx: AppContext, channel: ChannelConfig, region: str, sms: InboundSms
               ) -> actions.IngestResult:
    try:
        sender = normalize_phone(sms.sender, region)
    except Invalid as exc:
        raise Invalid(f"field 'from': {exc.detail}") from None
    return actions.ingest(ctx, InboundMessage(
        channel_id=channel.id,
        sender=Identity("phone", sender),
        text=sms.text,
        provider_id=sms.provider_id,
        recipient=sms.recipient,
        sent_at=sms.sent_at,
        meta=dict(sms.meta),
    ))


async def receive_sms(ctx: AppContext, provider: SmsProvider, key: str, request: Request
                      ) -> list[actions.IngestResult]:
    channel, region = await run_in_threadpool(_channel, ctx, key, "sms")
    parsed = provider.parse_inbound(await webhook_request(request), channel)
    return [await run_in_threadpool(ingest_sms, ctx, channel, region, sms) for sms in parsed]


@router.post("/webhooks/sms/{channel_key}")
async def generic_sms(channel_key: str, request: Request, ctx: Ctx) -> dict[str, Any]:
    """The contract's generic SMS webhook (JSON, HMAC-SHA256 signed)."""
    results = await receive_sms(ctx, _generic, channel_key, request)
    first = results[0]
    return {"status": "ok", "message_id": first.message_id,
            "interaction_id": first.interaction_id, "duplicate": first.duplicate}


@router.post("/webhooks/sms/{channel_key}/status")
async def generic_sms_status(channel_key: str, request: Request, ctx: Ctx) -> dict[str, Any]:
    channel, _ = await run_in_threadpool(_channel, ctx, channel_key, "sms")
    updates = _generic.parse_status(await webhook_request(request), channel)
    matched = 0
    for update in updates:
        found = await run_in_threadpool(
            actions.delivery_update, ctx, channel.id, update.status,
            message_id=update.message_id, provider_id=update.provider_id, reason=update.reason)
        matched += int(found)
    return {"status": "ok", "matched": matched}
