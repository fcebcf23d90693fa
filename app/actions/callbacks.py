"""Call-backs: booking one (the public form), and recording how each call went.

A booking is an ``ingest`` on the call-back channel with the requested time, so the
interaction joins the queue when it is due and its SLA counts from then. An agent's
call ends in an outcome; no answer or busy puts the work back in the queue for a
retry at the tenant's next delay (inside business hours), optionally texting the
customer, until the maximum number of attempts. Every attempt is a row.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from app.access import Actor
from app.actions.conversation import ctx_wake_outbox, visible_interaction
from app.actions.ingest import IngestResult, ingest
from app.context import AppContext, Transaction
from app.errors import Conflict, Invalid, NotFound
from app.events import Event
from app.models import (
    AgentState,
    CallbackAttempt,
    Channel,
    Contact,
    Interaction,
    InteractionEvent,
    Message,
    OutboxItem,
    Tenant,
)
from app.models.interactions import OPEN_STATUSES
from app.serializers import message_dict
from app.services import assignment
from app.services.callback_schedule import asap, check_slot, retry_time
from app.services.opening_hours import tenant_hours
from channels.callback.config import OUTCOMES, CallbackPolicy
from channels.callback.request import CallbackRequest, CallbackRequestError, parse_request
from channels.types import Identity, InboundMessage

log = logging.getLogger(__name__)

MAX_NOTE = 2000
# Outcomes where someone was reached (or the number was wrong): the call-back is done.
# The others, once no retry is left, leave it abandoned.
REACHED = ("reached_resolved", "voicemail", "wrong_number")


@dataclass(frozen=True, slots=True)
class CallbackChannel:
    id: int
    key: str
    tenant_id: int
    region: str
    timezone: str
    policy: CallbackPolicy


@dataclass(frozen=True, slots=True)
class Booking:
    interaction_id: int
    message_id: int
    due_at: datetime | None  # None: as soon as possible, now
    timezone: str


@dataclass(frozen=True, slots=True)
class OutcomeResult:
    attempt: int
    outcome: str
    status: str
    retry_at: datetime | None
    sms_message_id: int | None


def policy_of(channel: Channel) -> CallbackPolicy:
    try:
        return CallbackPolicy.parse(channel.config or {})
    except ValueError:
        log.warning("call-back channel %s has a bad config; using defaults", channel.id)
        return CallbackPolicy()


def callback_channel(ctx: AppContext, key: str) -> CallbackChannel:
    with ctx.read_session() as s:
        channel = s.exec(select(Channel).where(Channel.key == key)).first()
        if channel is None or channel.kind != "callback" or not channel.is_active:
            raise NotFound("unknown call-back channel")
        tenant = s.get(Tenant, channel.tenant_id)
        assert tenant is not None and channel.id is not None
        return CallbackChannel(channel.id, channel.key, channel.tenant_id,
                               tenant.default_region, tenant.timezone, policy_of(channel))


def read_request(ctx: AppContext, channel: CallbackChannel, body: object
                 ) -> tuple[CallbackRequest, datetime | None]:
    """The body checked (phone in the tenant's region, slot inside business hours):
    the request and the time it is due (None: now)."""
    try:
        request = parse_request(body, channel.region, channel.timezone)
    except CallbackRequestError as exc:
        raise Invalid(exc.detail) from None
    with ctx.read_session() as s:
        tenant = s.get(Tenant, channel.tenant_id)
        assert tenant is not None
        hours = tenant_hours(tenant)
    now = ctx.clock()
    if request.when is None:
        return request, asap(now, hours)
    return request, check_slot(request.when, now, hours, channel.policy, channel.timezone)


def book_callback(ctx: AppContext, channel: CallbackChannel, request: CallbackRequest,
                  due: datetime | None) -> Booking:
    meta = {"callback": {"name": request.name, "asap": request.when is None,
                         "requested_at": due.isoformat() if due else None,
                         "lang": request.lang}}
    result: IngestResult = ingest(ctx, InboundMessage(
        channel_id=channel.id, sender=Identity("phone", request.phone, request.name),
        text=request.note or "", requested_at=due, meta=meta))
    return Booking(result.interaction_id, result.message_id, due, channel.timezone)


def attempts_of(s: Session, interaction_id: int) -> list[CallbackAttempt]:
    return list(s.exec(select(CallbackAttempt).where(
        CallbackAttempt.interaction_id == interaction_id).order_by(
        col(CallbackAttempt.attempt))).all())


def record_outcome(ctx: AppContext, actor: Actor, interaction_id: int, outcome: str,
                   note: str | None = None) -> OutcomeResult:
    if outcome not in OUTCOMES:
        raise Invalid(f"outcome must be one of {', '.join(OUTCOMES)}")
    note = (note or "").strip() or None
    if note and len(note) > MAX_NOTE:
        raise Invalid(f"note is longer than {MAX_NOTE} characters")
    try:
        result, freed_agent = _record(ctx, actor, interaction_id, outcome, note)
    except IntegrityError:
        raise Conflict("another outcome was recorded for this call at the same moment; "
                       "reload and check") from None
    if result.sms_message_id is not None:
        ctx_wake_outbox(ctx)
    if freed_agent is not None:
        from app.actions.dispatch import dispatch_for_agent

        dispatch_for_agent(ctx, freed_agent)
    return result


def _record(ctx: AppContext, actor: Actor, interaction_id: int, outcome: str,
            note: str | None) -> tuple[OutcomeResult, int | None]:
    with ctx.transaction() as tx:
        s = tx.session
        interaction = visible_interaction(s, actor, interaction_id)
        assert interaction.id is not None
        if interaction.channel_kind != "callback":
            raise Conflict("only call-backs have call outcomes")
        if interaction.status not in OPEN_STATUSES:
            raise Conflict(f"this call-back is already {interaction.status}")
        channel = s.get(Channel, interaction.channel_id)
        tenant = s.get(Tenant, interaction.tenant_id)
        assert channel is not None and tenant is not None
        policy = policy_of(channel)
        now = ctx.clock()
        attempt = int(s.exec(select(func.count()).select_from(CallbackAttempt).where(
            CallbackAttempt.interaction_id == interaction.id)).one()) + 1
        holder = interaction.assignee_id if interaction.status == "assigned" else None
        previous = interaction.assignee_id
        retry = outcome in policy.retry_on and attempt < policy.max_attempts
        row = CallbackAttempt(
            tenant_id=interaction.tenant_id, interaction_id=interaction.id, attempt=attempt,
            agent_id=actor.user_id, outcome=outcome, note=note, created_at=now,
            phone=str(interaction.meta.get("customer_address", ""))[:32])
        interaction.first_response_at = interaction.first_response_at or now
        interaction.updated_at = now
        if retry:
            row.retry_at = retry_time(now, attempt, policy, tenant_hours(tenant),
                                      tenant.timezone)
            interaction.status = "queued"
            interaction.assignee_id = None
            interaction.assigned_at = None
            interaction.queued_at = row.retry_at
            if policy.sms_on_retry:
                row.sms_message_id = _queue_sms(tx, interaction, tenant, policy, actor,
                                                row.retry_at, now)
        else:
            # Never reached after the last attempt: the customer was not served.
            interaction.status = "resolved" if outcome in REACHED else "abandoned"
            interaction.resolved_at = now
        s.add(row)
        s.add(interaction)
        s.add(InteractionEvent(
            tenant_id=interaction.tenant_id, interaction_id=interaction.id,
            kind="callback_attempt", actor_id=actor.user_id, created_at=now,
            data={"attempt": attempt, "outcome": outcome, "status": interaction.status,
                  "retry_at": row.retry_at.isoformat() if row.retry_at else None}))
        if holder is not None:
            _wrap_up(s, tenant, holder, now)
        assignment.emit_interaction(tx, interaction, "interaction.updated",
                                    previous_assignee_id=previous)
        s.flush()
        return OutcomeResult(attempt, outcome, interaction.status, row.retry_at,
                             row.sms_message_id), holder


def _wrap_up(s: Session, tenant: Tenant, agent_id: int, now: datetime) -> None:
    seconds = int((tenant.settings or {}).get("wrap_up_seconds", 0) or 0)
    state = s.get(AgentState, agent_id)
    if state is not None and seconds > 0:
        state.wrap_up_until = now + timedelta(seconds=seconds)
        s.add(state)


def _sms_channel(s: Session, tenant_id: int, key: str | None) -> Channel | None:
    query = select(Channel).where(Channel.tenant_id == tenant_id, Channel.kind == "sms",
                                  Channel.is_active)
    if key:
        query = query.where(Channel.key == key)
    return s.exec(query.order_by(col(Channel.id))).first()


def _queue_sms(tx: Transaction, interaction: Interaction, tenant: Tenant,
               policy: CallbackPolicy, actor: Actor, retry_at: datetime,
               now: datetime) -> int | None:
    """"We tried to call you", through the tenant's SMS channel and the outbox."""
    s = tx.session
    contact = s.get(Contact, interaction.contact_id)
    sms = _sms_channel(s, tenant.id or 0, policy.sms_channel)
    if contact is None or contact.sms_opted_out or sms is None or sms.id is None:
        return None
    lang = (interaction.meta.get("callback") or {}).get("lang") or tenant.locale
    template = policy.sms_text.get(lang) or policy.sms_text["fr"]
    local = retry_at.astimezone(ZoneInfo(tenant.timezone))
    when = local.strftime("%H:%M") if local.date() == now.astimezone(local.tzinfo).date() \
        else local.strftime("%d/%m %H:%M")
    text = template.replace("{name}", contact.name or "").replace("{time}", when)
    assert interaction.id is not None
    message = Message(tenant_id=interaction.tenant_id, interaction_id=interaction.id,
                      channel_id=sms.id, direction="out", text=text, delivery_status="queued",
                      author_id=actor.user_id, created_at=now,
                      meta={"callback_retry": True})
    s.add(message)
    s.flush()
    assert message.id is not None
    s.add(OutboxItem(tenant_id=interaction.tenant_id, message_id=message.id,
                     channel_id=sms.id, next_attempt_at=now, created_at=now, updated_at=now))
    tx.emit(Event(type="message.created", tenant_id=interaction.tenant_id,
                  data=message_dict(message, actor.name), interaction_id=interaction.id,
                  skill_group_id=interaction.skill_group_id, assignee_id=None))
    return message.id
