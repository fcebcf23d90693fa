"""Call-backs: the public booking form, bookable slots, and the agents' side (the
number to dial, the outcome of each call, the history of attempts)."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any, Literal

import httpx
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlmodel import col, select
from starlette.concurrency import run_in_threadpool

from app.access import Actor
from app.actions.callbacks import (
    CallbackChannel,
    attempts_of,
    book_callback,
    callback_channel,
    policy_of,
    read_request,
    record_outcome,
)
from app.actions.conversation import visible_interaction
from app.api.deps import Ctx, CurrentActor
from app.api.widget_cors import check_origin, cors_headers, preflight_headers
from app.context import AppContext
from app.errors import ActionError, Conflict, Invalid, TooManyRequests
from app.models import Channel, Contact, Tenant, User
from app.serializers import iso
from app.services.callback_schedule import slots
from app.services.chat_hub import hub_for
from app.services.opening_hours import tenant_hours

router = APIRouter(tags=["call-back"])

MAX_BODY_BYTES = 16 * 1024
DIAL_TIMEOUT_SECONDS = 10.0


class CallbackIn(BaseModel):
    """The contract's call-back request."""

    name: str = Field(max_length=200)
    phone: str = Field(max_length=64, description="read in the tenant's region; stored E.164")
    when: str | None = Field(default=None, description="ISO-8601, or null for as soon as "
                             "possible; without an offset it is the tenant's local time")
    note: str | None = Field(default=None, max_length=2000)
    lang: Literal["fr", "en"] | None = None


class OutcomeIn(BaseModel):
    outcome: Literal["reached_resolved", "no_answer", "busy", "wrong_number", "voicemail"]
    note: str | None = Field(default=None, max_length=2000)


# -- public: the booking form --------------------------------------------------------

async def _json_body(request: Request) -> Any:
    """JSON whatever the content type: the widget posts ``text/plain`` so that the
    browser skips a CORS preflight (one round trip less on 3G)."""
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise Invalid(f"body larger than {MAX_BODY_BYTES} bytes")
    try:
        return json.loads(body or b"null")
    except ValueError:
        raise Invalid("body: must be a JSON object") from None


@router.post("/public/callbacks/{channel_key}", status_code=201,
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": CallbackIn.model_json_schema()}}}})
async def book(channel_key: str, request: Request, ctx: Ctx) -> Response:
    """Ask to be called back: now (``when`` null) or at a slot inside business hours.
    422 names the field at fault; 429 when an address or a number asks too often."""
    channel = await run_in_threadpool(callback_channel, ctx, channel_key)
    check_origin(request, channel.policy.allowed_origins)
    try:
        return await _book(ctx, channel, request)
    except ActionError as exc:
        # The page must be able to read why (CORS headers on the error too).
        return JSONResponse({"detail": exc.detail}, status_code=exc.status,
                            headers=cors_headers(request, channel.policy.allowed_origins))


async def _book(ctx: AppContext, channel: CallbackChannel, request: Request) -> Response:
    body = await _json_body(request)
    hub = hub_for(request.app)
    ip = request.client.host if request.client else "unknown"
    if not await hub.limits.allow(("callback-ip", channel.key, ip),
                                   channel.policy.ip_requests_per_hour, 3600.0):
        raise TooManyRequests("too many call-back requests from your address; try later")
    req, due = await run_in_threadpool(read_request, ctx, channel, body)
    if not await hub.limits.allow(("callback-phone", channel.tenant_id, req.phone),
                                   channel.policy.phone_requests_per_day, 86_400.0):
        raise TooManyRequests("too many call-back requests for this number today")
    booking = await run_in_threadpool(book_callback, ctx, channel, req, due)
    return JSONResponse({
        "interaction_id": booking.interaction_id,
        "status": "booked",
        "phone": req.phone,
        "when": iso(booking.due_at),
        "asap": req.when is None,
        "timezone": booking.timezone,
    }, status_code=201, headers=cors_headers(request, channel.policy.allowed_origins))


@router.options("/public/callbacks/{channel_key}", include_in_schema=False)
async def book_preflight(channel_key: str, request: Request, ctx: Ctx) -> Response:
    channel = await run_in_threadpool(callback_channel, ctx, channel_key)
    check_origin(request, channel.policy.allowed_origins)
    return Response(status_code=204, headers=preflight_headers(
        request, channel.policy.allowed_origins, "POST, OPTIONS"))


def _slots(ctx: AppContext, channel: CallbackChannel, days: int) -> dict[str, Any]:
    with ctx.read_session() as s:
        tenant = s.get(Tenant, channel.tenant_id)
        assert tenant is not None
        hours = tenant_hours(tenant)
    now = ctx.clock()
    return {
        "timezone": channel.timezone,
        "open_now": hours is None or hours.is_open(now.timestamp()),
        "slot_minutes": channel.policy.slot_minutes,
        "slots": [iso(t) for t in slots(now, hours, channel.policy, channel.timezone, days)],
    }


@router.get("/public/callbacks/{channel_key}/slots")
async def bookable_slots(channel_key: str, request: Request, ctx: Ctx, days: int = 7
                         ) -> Response:
    """Slot starts a visitor may choose, inside business hours, in UTC (ISO-8601)."""
    if not 1 <= days <= 31:
        raise Invalid("days must be 1 to 31")
    channel = await run_in_threadpool(callback_channel, ctx, channel_key)
    check_origin(request, channel.policy.allowed_origins)
    data = await run_in_threadpool(_slots, ctx, channel, days)
    return JSONResponse(data, headers=cors_headers(request, channel.policy.allowed_origins))


# -- agents: dial, record, review --------------------------------------------------------

def _callback_view(ctx: AppContext, actor: Actor, interaction_id: int) -> dict[str, Any]:
    with ctx.read_session() as s:
        interaction = visible_interaction(s, actor, interaction_id)
        if interaction.channel_kind != "callback":
            raise Conflict("this interaction is not a call-back")
        channel = s.get(Channel, interaction.channel_id)
        contact = s.get(Contact, interaction.contact_id)
        assert channel is not None and contact is not None and interaction.id is not None
        policy = policy_of(channel)
        phone = str(interaction.meta.get("customer_address", ""))
        request = interaction.meta.get("callback") or {}
        attempts = attempts_of(s, interaction.id)
        ids = sorted({a.agent_id for a in attempts if a.agent_id})
        agents: dict[int | None, str] = dict(s.exec(
            select(User.id, User.name).where(col(User.id).in_(ids))).all()) if ids else {}
        return {
            "interaction_id": interaction.id,
            "status": interaction.status,
            "name": contact.name,
            "phone": phone,
            "tel": f"tel:{phone}",
            "sip": policy.sip_uri.replace("{phone}", phone) if policy.sip_uri else None,
            "click_to_call": policy.click_to_call_url is not None,
            "due_at": iso(interaction.queued_at),
            "asap": bool(request.get("asap")),
            "max_attempts": policy.max_attempts,
            "attempts": [{"attempt": a.attempt, "outcome": a.outcome,
                          "agent": agents.get(a.agent_id) if a.agent_id else None,
                          "at": iso(a.created_at), "retry_at": iso(a.retry_at),
                          "note": a.note, "sms_message_id": a.sms_message_id}
                         for a in attempts],
        }


@router.get("/api/v1/interactions/{interaction_id}/callback")
def callback_details(interaction_id: int, ctx: Ctx, actor: CurrentActor) -> dict[str, Any]:
    """The number to call (``tel:`` link, SIP URI when configured) and every attempt so far."""
    return _callback_view(ctx, actor, interaction_id)


@router.post("/api/v1/interactions/{interaction_id}/callback-outcomes", status_code=201)
def post_outcome(interaction_id: int, body: OutcomeIn, ctx: Ctx, actor: CurrentActor
                 ) -> dict[str, Any]:
    """How the call went. ``no_answer``/``busy`` schedule a retry per the channel's policy
    until ``max_attempts``; the other outcomes close the call-back."""
    result = record_outcome(ctx, actor, interaction_id, body.outcome, body.note)
    return {"attempt": result.attempt, "outcome": result.outcome, "status": result.status,
            "retry_at": iso(result.retry_at), "sms_message_id": result.sms_message_id}


@router.post("/api/v1/interactions/{interaction_id}/callback-dial", status_code=202)
async def dial(interaction_id: int, ctx: Ctx, actor: CurrentActor) -> dict[str, Any]:
    """Ask the business's telephony to connect the agent and the customer (click-to-call):
    a POST of ``{"interaction_id", "phone", "agent_email"}`` to the channel's
    ``click_to_call_url``, signed like SMS webhooks (``X-Teranga-Signature``)."""
    target = await run_in_threadpool(_dial_target, ctx, actor, interaction_id)
    url, secret, payload = target
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    try:
        async with httpx.AsyncClient(timeout=DIAL_TIMEOUT_SECONDS) as client:
            answer = await client.post(url, content=body, headers={
                "content-type": "application/json", "x-teranga-signature": signature})
    except httpx.HTTPError as exc:
        raise Conflict(f"the telephony did not answer: {exc.__class__.__name__}") from None
    if answer.status_code >= 400:
        raise Conflict(f"the telephony refused the call (HTTP {answer.status_code})")
    return {"status": "dialling", "phone": payload["phone"]}


def _dial_target(ctx: AppContext, actor: Actor, interaction_id: int
                 ) -> tuple[str, str, dict[str, Any]]:
    with ctx.read_session() as s:
        interaction = visible_interaction(s, actor, interaction_id)
        if interaction.channel_kind != "callback":
            raise Conflict("this interaction is not a call-back")
        channel = s.get(Channel, interaction.channel_id)
        assert channel is not None
        policy = policy_of(channel)
        if policy.click_to_call_url is None:
            raise Conflict("this call-back channel has no click_to_call_url configured")
        return policy.click_to_call_url, channel.secret, {
            "interaction_id": interaction.id, "agent_email": actor.email,
            "phone": str(interaction.meta.get("customer_address", ""))}
