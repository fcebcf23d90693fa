"""``ingest``: one inbound message from any channel becomes durable, threaded,
classified and routed in one transaction; events follow the commit."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.context import AppContext, Transaction
from app.errors import Invalid, NotFound
from app.events import Event
from app.models import (
    Channel,
    Contact,
    ContactIdentity,
    Interaction,
    InteractionEvent,
    Message,
    SkillGroup,
    Tenant,
)
from app.models.interactions import OPEN_STATUSES
from app.observability import METRICS
from app.serializers import message_dict
from app.services import assignment, auto_reply, queueing, spam
from app.services.classification import GroupRules, TenantRules
from app.services.html import sanitize_html
from app.services.identities import normalize_identity
from app.services.routing_config import tenant_config
from channels.types import Identity, InboundMessage
from routing.config import TenantConfig

log = logging.getLogger(__name__)

# Two ingests racing on the same new contact or provider id: the loser retries and
# then finds the winner's rows.
RACE_RETRIES = 3
# Channel health ("last message at") is precise to this much.
HEALTH_STRIDE = timedelta(seconds=10)


@dataclass(frozen=True, slots=True)
class IngestResult:
    message_id: int
    interaction_id: int
    duplicate: bool = False
    new_interaction: bool = False
    assignee_id: int | None = None
    channel_kind: str = ""


def ingest(ctx: AppContext, msg: InboundMessage) -> IngestResult:
    if len(msg.text) > ctx.settings.max_text_chars:
        raise Invalid(f"text is longer than {ctx.settings.max_text_chars} characters")
    # "4" in answer to a satisfaction survey is a score, not a new request.
    from app.actions.csat import take_sms_survey_reply  # csat imports this module

    taken = take_sms_survey_reply(ctx, msg)
    if taken is not None:
        return taken
    for attempt in range(RACE_RETRIES):
        try:
            result = _ingest_once(ctx, msg)
        except IntegrityError:
            if attempt == RACE_RETRIES - 1:
                raise
            log.info("ingest race on channel %s, retrying", msg.channel_id)
            continue
        counter = METRICS.duplicates if result.duplicate else METRICS.ingested
        counter.labels(result.channel_kind).inc()
        return result
    raise AssertionError("unreachable")


def _ingest_once(ctx: AppContext, msg: InboundMessage) -> IngestResult:
    with ctx.transaction() as tx:
        s = tx.session
        channel = s.get(Channel, msg.channel_id)
        if channel is None or not channel.is_active:
            raise NotFound("unknown or inactive channel")
        assert channel.id is not None
        if msg.provider_id:
            seen = s.exec(
                select(Message.id, Message.interaction_id).where(
                    Message.tenant_id == channel.tenant_id,
                    Message.channel_id == channel.id,
                    Message.direction == "in",
                    Message.provider_id == msg.provider_id,
                )
            ).first()
            if seen is not None:
                assert seen[0] is not None
                return IngestResult(message_id=seen[0], interaction_id=seen[1], duplicate=True,
                                    channel_kind=channel.kind)
        tenant = s.get(Tenant, channel.tenant_id)
        assert tenant is not None and tenant.id is not None
        now = ctx.clock()
        groups = s.exec(select(SkillGroup).where(SkillGroup.tenant_id == tenant.id)
                        .order_by(col(SkillGroup.id))).all()
        config = tenant_config(tenant, groups)
        contact, address = _resolve_contact(s, tenant, msg.sender, msg.other_identities, now,
                                            trusted=bool(msg.meta.get("sender_not_phone")))
        interaction, created = _thread(ctx, tx, tenant, channel, contact, msg, now,
                                       groups, config)
        assert interaction.id is not None
        if created:
            interaction.meta = {**interaction.meta, "customer_address": address}
        message = Message(
            tenant_id=tenant.id,
            interaction_id=interaction.id,
            channel_id=channel.id,
            direction="in",
            text=msg.text,
            html=sanitize_html(msg.html) if msg.html else None,
            subject=msg.subject,
            provider_id=msg.provider_id,
            created_at=now,
            meta=_with_spam_verdict(channel.kind, msg),
        )
        if message.meta.get("spam", {}).get("flagged"):
            # Flag, never drop: the agent sees the warning and decides.
            interaction.meta = {**interaction.meta, "spam_suspected": True}
        s.add(message)
        interaction.last_message_at = now
        interaction.updated_at = now
        s.add(interaction)
        if channel.last_message_at is None or now - channel.last_message_at > HEALTH_STRIDE:
            # Every message of a channel would otherwise queue on this one row's lock.
            channel.last_message_at = now
            s.add(channel)
        s.flush()
        assert message.id is not None and interaction.id is not None
        tx.previews[interaction.id] = msg.text[:140]
        keyword = msg.meta.get("keyword")
        if channel.kind == "sms" and keyword in ("opt_out", "opt_in"):
            _record_opt(tx, contact, interaction, opted_out=keyword == "opt_out", now=now)
        if created:
            _after_hours(tx, interaction, channel, tenant, config, now)
        if interaction.status == "queued":
            assignment.offer(tx, interaction, now, config)
        assignment.emit_interaction(
            tx, interaction, "interaction.created" if created else "interaction.updated"
        )
        _emit_message(tx, interaction, message)
        return IngestResult(
            message_id=message.id,
            interaction_id=interaction.id,
            new_interaction=created,
            assignee_id=interaction.assignee_id,
            channel_kind=channel.kind,
        )


def _resolve_contact(
    s: Session,
    tenant: Tenant,
    sender: Identity,
    others: tuple[Identity, ...],
    now: datetime,
    *,
    trusted: bool = False,
) -> tuple[Contact, str]:
    """Find the customer by any identity they wrote from, or make them a card.

    ``trusted``: the channel already decided the sender is not a phone number it can
    normalise (an operator's notice signed "Orange"); keep it as given.
    """
    assert tenant.id is not None
    value = sender.value.strip() if trusted else normalize_identity(
        sender.kind, sender.value, tenant.default_region)
    ident = s.exec(
        select(ContactIdentity).where(
            ContactIdentity.tenant_id == tenant.id,
            ContactIdentity.kind == sender.kind,
            ContactIdentity.value == value,
        )
    ).first()
    if ident is not None:
        contact = s.get(Contact, ident.contact_id)
        assert contact is not None
    else:
        contact = Contact(tenant_id=tenant.id, name=sender.name, created_at=now, updated_at=now)
        s.add(contact)
        s.flush()
        assert contact.id is not None
        s.add(ContactIdentity(tenant_id=tenant.id, contact_id=contact.id, kind=sender.kind,
                              value=value, created_at=now))
    if sender.name and not contact.name:
        contact.name = sender.name
        contact.updated_at = now
        s.add(contact)
    for other in others:
        try:
            other_value = normalize_identity(other.kind, other.value, tenant.default_region)
        except Invalid:
            continue  # a visitor's mistyped number must not lose their message
        known = s.exec(
            select(ContactIdentity.id).where(
                ContactIdentity.tenant_id == tenant.id,
                ContactIdentity.kind == other.kind,
                ContactIdentity.value == other_value,
            )
        ).first()
        if known is None:
            assert contact.id is not None
            s.add(ContactIdentity(tenant_id=tenant.id, contact_id=contact.id, kind=other.kind,
                                  value=other_value, created_at=now))
    s.flush()
    return contact, value


def _record_opt(
    tx: Transaction, contact: Contact, interaction: Interaction, *, opted_out: bool,
    now: datetime,
) -> None:
    """STOP / START: replies by SMS are refused while the contact is opted out."""
    if contact.sms_opted_out == opted_out:
        return
    contact.sms_opted_out = opted_out
    contact.updated_at = now
    tx.session.add(contact)
    assert interaction.id is not None
    tx.session.add(InteractionEvent(
        tenant_id=interaction.tenant_id, interaction_id=interaction.id,
        kind="sms_opted_out" if opted_out else "sms_opted_in", created_at=now))


def _thread(
    ctx: AppContext,
    tx: Transaction,
    tenant: Tenant,
    channel: Channel,
    contact: Contact,
    msg: InboundMessage,
    now: datetime,
    groups: Sequence[SkillGroup],
    config: TenantConfig,
) -> tuple[Interaction, bool]:
    """Attach to the conversation this message continues, or open a new one."""
    s = tx.session
    found: Interaction | None = None
    if msg.interaction_id is not None:
        candidate = s.get(Interaction, msg.interaction_id)
        if candidate is not None and candidate.contact_id == contact.id \
                and candidate.channel_id == channel.id:
            found = candidate
    if found is None and msg.thread_refs:
        refs = list(msg.thread_refs)[:50]
        iid = s.exec(
            select(Message.interaction_id)
            .where(Message.tenant_id == tenant.id, col(Message.provider_id).in_(refs))
            .order_by(col(Message.id).desc())
        ).first()
        if iid is not None:
            found = s.get(Interaction, iid)
    if found is None:
        # The contact's latest conversation on this channel: open, or recently resolved.
        found = s.exec(
            select(Interaction)
            .where(
                Interaction.contact_id == contact.id,
                Interaction.channel_id == channel.id,
            )
            .order_by(col(Interaction.id).desc())
        ).first()
        if found is not None and channel.kind == "sms" and _stale_sms(tenant, found, now):
            found = None
    if found is not None:
        if found.status in OPEN_STATUSES:
            if found.status == "waiting_customer":
                # The customer answered: the work is back with its agent, or the queue.
                found.status = "assigned" if found.assignee_id else "queued"
                if found.status == "queued":
                    found.queued_at = _due(msg, now)
                    queueing.set_sla_due(found, config)
            elif found.status == "queued" and msg.requested_at is not None:
                found.queued_at = _due(msg, now)  # a call-back booked again: latest time wins
                queueing.set_sla_due(found, config)
            return found, False
        window = timedelta(days=int(tenant.settings.get("reopen_window_days",
                                                         ctx.settings.reopen_window_days)))
        if found.resolved_at and now - found.resolved_at <= window:
            _reopen(tx, found, now, _due(msg, now))
            queueing.set_sla_due(found, config)
            return found, False
    return _open(ctx, tx, tenant, channel, contact, msg, now, groups, config), True


def _stale_sms(tenant: Tenant, interaction: Interaction, now: datetime) -> bool:
    """An SMS long after the last one starts a new conversation, when the tenant sets
    a window (``settings.sms_thread_window_hours``); without one, an open
    conversation takes every SMS of its contact."""
    hours = (tenant.settings or {}).get("sms_thread_window_hours")
    last = interaction.last_message_at
    if not hours or last is None:
        return False
    return now - last > timedelta(hours=float(hours))


def _due(msg: InboundMessage, now: datetime) -> datetime:
    """When the work joins the queue: now, or a call-back's requested (future) time."""
    return msg.requested_at if msg.requested_at and msg.requested_at > now else now


def _reopen(tx: Transaction, interaction: Interaction, now: datetime,
            queued_at: datetime) -> None:
    assert interaction.id is not None
    interaction.status = "queued"
    interaction.resolved_at = None
    interaction.assignee_id = None
    interaction.queued_at = queued_at
    tx.session.add(InteractionEvent(tenant_id=interaction.tenant_id,
                                    interaction_id=interaction.id, kind="reopened",
                                    created_at=now))


def _open(
    ctx: AppContext,
    tx: Transaction,
    tenant: Tenant,
    channel: Channel,
    contact: Contact,
    msg: InboundMessage,
    now: datetime,
    groups: Sequence[SkillGroup],
    config: TenantConfig,
) -> Interaction:
    s = tx.session
    assert tenant.id is not None and channel.id is not None and contact.id is not None
    text = f"{msg.subject}\n{msg.text}" if msg.subject else msg.text
    prediction = ctx.classifiers.predict(tenant.id, classifier_rules(tenant, groups), text)
    classified = next((g for g in groups if g.name == prediction.label), None)
    group_id, path, reasons = queueing.choose_group(s, config, classified, now)
    queued_at = _due(msg, now)
    interaction = Interaction(
        tenant_id=tenant.id,
        channel_id=channel.id,
        channel_kind=channel.kind,
        contact_id=contact.id,
        status="queued",
        skill_group_id=group_id,
        priority=queueing.priority_for(config, contact, prediction.escalation),
        language=prediction.language if prediction.language in LANGUAGES else None,
        classification_label=prediction.label,
        classification_confidence=prediction.confidence,
        classification_source=prediction.source,
        subject=msg.subject[:500] if msg.subject else None,
        queued_at=queued_at,
        created_at=now,
        updated_at=now,
    )
    queueing.set_sla_due(interaction, config)
    s.add(interaction)
    s.flush()
    assert interaction.id is not None
    s.add(InteractionEvent(
        tenant_id=tenant.id, interaction_id=interaction.id, kind="created", created_at=now,
        data={"classification": {"label": prediction.label, "source": prediction.source,
                                 "confidence": prediction.confidence,
                                 "language": prediction.language,
                                 "escalation": prediction.escalation,
                                 "cues": list(prediction.cues)}},
    ))
    queueing.record_overflow(tx, interaction, path, reasons, now)
    queueing.reserve_for_last_agent_if_sticky(s, interaction, config, now)
    return interaction


def _after_hours(
    tx: Transaction, interaction: Interaction, channel: Channel, tenant: Tenant,
    config: TenantConfig, now: datetime,
) -> None:
    """Closed: note it on the interaction and, where the tenant says so, tell the
    customer when we open again (an automatic reply through the outbox)."""
    decision = queueing.arrival_hours(config, channel.kind, now)
    if decision.open:
        return
    reopens = queueing.from_ts(decision.reopens_at) if decision.reopens_at else None
    interaction.meta = {**(interaction.meta or {}), "after_hours": {
        "action": decision.action, "reopens_at": reopens.isoformat() if reopens else None}}
    if decision.action == "auto_reply" and channel.kind in ("sms", "email"):
        auto_reply.queue_closed_notice(tx, tenant, channel, interaction, reopens, now)


def _with_spam_verdict(kind: str, msg: InboundMessage) -> dict[str, Any]:
    meta = dict(msg.meta)
    if kind == "sms" and msg.text.strip():
        meta["spam"] = spam.verdict(msg.text)
    return meta


# Languages agents can be matched on (the classifier may also say "und": unknown).
LANGUAGES = ("fr", "en", "wo")


def classifier_rules(tenant: Tenant, groups: Sequence[SkillGroup]) -> TenantRules:
    """What the tenant's classifier is built from: keywords per group, the confidence
    below which work goes to triage, its language, and where complaints go."""
    settings = (tenant.settings or {}).get("classifier") or {}
    return TenantRules(
        groups=tuple(GroupRules(g.name, tuple(g.keywords or ()), g.is_fallback) for g in groups),
        threshold=float(settings.get("threshold", 0.5)),
        language=tenant.locale or "fr",
        complaint_group=settings.get("complaint_group"),
    )


def _emit_message(tx: Transaction, interaction: Interaction, message: Message) -> None:
    tx.emit(Event(
        type="message.created",
        tenant_id=interaction.tenant_id,
        data=message_dict(message),
        interaction_id=interaction.id,
        skill_group_id=interaction.skill_group_id,
        assignee_id=interaction.assignee_id,
    ))
