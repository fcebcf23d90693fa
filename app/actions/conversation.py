"""What agents do to an interaction: reply, resolve, assign."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, select

from app.access import Actor
from app.actions import csat, learning
from app.actions.chat import transcripts_after_resolve
from app.actions.email import prepare_reply
from app.context import AppContext, Transaction
from app.errors import Conflict, Invalid, NotFound
from app.events import Event
from app.models import (
    AgentSkill,
    AgentState,
    Attachment,
    Channel,
    Contact,
    Interaction,
    InteractionEvent,
    Message,
    OutboxItem,
    Tenant,
    User,
)
from app.serializers import message_dict
from app.services import assignment
from app.services.audit import audit
from app.services.routing_config import configs_for
from channels.sms.segments import segment_info
from routing.config import TenantConfig

# Channels where an agent's reply hands the turn to the customer; a live chat keeps
# holding the agent's attention (and capacity) until it is resolved.
ASYNC_KINDS = ("email", "sms", "callback")
# Longest SMS reply, in segments, unless the tenant says otherwise (settings.sms_max_segments).
DEFAULT_SMS_SEGMENTS = 6


@dataclass(frozen=True, slots=True)
class ReplyResult:
    message_id: int
    status: str = "queued"


def visible_interaction(s: Session, actor: Actor, interaction_id: int) -> Interaction:
    """The interaction if the actor may see it; otherwise 404, never a hint it exists."""
    interaction = s.get(Interaction, interaction_id)
    if interaction is None or not actor.may_see_interaction(
        interaction.tenant_id, interaction.skill_group_id, interaction.assignee_id
    ):
        raise NotFound("interaction not found")
    return interaction


@dataclass(frozen=True, slots=True)
class Upload:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True, slots=True)
class EmailExtras:
    """What the e-mail composer adds to a reply: a subject, copies, attachments."""

    subject: str | None = None
    cc: tuple[str, ...] = ()
    attachments: tuple[Upload, ...] = ()


def reply(
    ctx: AppContext, actor: Actor, interaction_id: int, text: str,
    email: EmailExtras | None = None,
) -> ReplyResult:
    text = text.strip()
    if not text:
        raise Invalid("text must not be empty")
    if len(text) > ctx.settings.max_text_chars:
        raise Invalid(f"text is longer than {ctx.settings.max_text_chars} characters")
    with ctx.transaction() as tx:
        s = tx.session
        interaction = visible_interaction(s, actor, interaction_id)
        channel = s.get(Channel, interaction.channel_id)
        contact = s.get(Contact, interaction.contact_id)
        assert channel is not None and contact is not None
        assert interaction.id is not None and channel.id is not None
        if channel.kind == "sms" and contact.sms_opted_out:
            raise Conflict("this contact has opted out of SMS (STOP); the reply was not sent")
        if channel.kind == "callback":
            raise Conflict("a call-back is answered by phone; record the call's outcome instead")
        if channel.kind == "sms":
            _check_sms_length(s, interaction.tenant_id, text)
        if email is not None and channel.kind != "email":
            raise Conflict("subject, CC and attachments are for e-mail conversations")
        now = ctx.clock()
        message = Message(
            tenant_id=interaction.tenant_id,
            interaction_id=interaction.id,
            channel_id=channel.id,
            direction="out",
            text=text,
            delivery_status="queued",
            author_id=actor.user_id,
            created_at=now,
        )
        s.add(message)
        s.flush()
        assert message.id is not None
        if channel.kind == "email":
            # Our signed Message-ID, stored now: a reply to it threads even before it is sent.
            prepare_reply(s, channel, interaction, message)
            if email is not None:
                _add_email_extras(s, interaction, message, email)
        s.add(OutboxItem(tenant_id=interaction.tenant_id, message_id=message.id,
                         channel_id=channel.id, next_attempt_at=now, created_at=now,
                         updated_at=now))
        if interaction.assignee_id is None:
            # Answering unowned work takes it, as in every shared inbox.
            state = s.get(AgentState, actor.user_id)
            assignment.assign(tx, interaction, state or _ensure_state(s, actor.user_id),
                              now, actor_id=actor.user_id, reason="replied")
        interaction.first_response_at = interaction.first_response_at or now
        if interaction.assignee_id == actor.user_id and interaction.accepted_at is None:
            interaction.accepted_at = now
        interaction.last_message_at = now
        interaction.updated_at = now
        if channel.kind in ASYNC_KINDS or interaction.status in ("resolved", "abandoned"):
            interaction.status = "waiting_customer"
            interaction.resolved_at = None
        s.add(interaction)
        replied: dict[str, object] = {"message_id": message.id}
        if email is not None:
            replied.update(cc=list(email.cc), attachments=len(email.attachments))
        s.add(InteractionEvent(tenant_id=interaction.tenant_id, interaction_id=interaction.id,
                               kind="replied", actor_id=actor.user_id, data=replied,
                               created_at=now))
        assignment.emit_interaction(tx, interaction, "interaction.updated")
        author = s.get(User, actor.user_id)
        tx.emit(_message_event(interaction, message, author.name if author else None))
        result = ReplyResult(message_id=message.id)
    ctx_wake_outbox(ctx)
    return result


def resolve(ctx: AppContext, actor: Actor, interaction_id: int, outcome: str | None = None) -> None:
    agent_to_refill: int | None = None
    with ctx.transaction() as tx:
        s = tx.session
        interaction = visible_interaction(s, actor, interaction_id)
        if interaction.status == "resolved":
            return
        assert interaction.id is not None
        now = ctx.clock()
        was_holding = interaction.status == "assigned"
        interaction.status = "resolved"
        interaction.resolved_at = now
        interaction.updated_at = now
        s.add(interaction)
        s.add(InteractionEvent(tenant_id=interaction.tenant_id, interaction_id=interaction.id,
                               kind="resolved", actor_id=actor.user_id,
                               data={"outcome": outcome} if outcome else {}, created_at=now))
        # Resolved in this group by a person: the classifier learns it was the right one.
        learning.record_example(tx, interaction, "resolved")
        if interaction.assignee_id is not None and was_holding:
            state = s.get(AgentState, interaction.assignee_id)
            if state is not None:
                wrap_up = _wrap_up_seconds(s, interaction)
                if wrap_up > 0:
                    state.wrap_up_until = now + timedelta(seconds=wrap_up)
                s.add(state)
            agent_to_refill = interaction.assignee_id
        assignment.emit_interaction(tx, interaction, "interaction.updated")
    if agent_to_refill is not None:
        from app.actions.dispatch import dispatch_for_agent

        dispatch_for_agent(ctx, agent_to_refill)
    csat.survey_after_resolve(ctx, interaction_id)  # the customer's survey, if the tenant asks
    transcripts_after_resolve(ctx, interaction_id)  # chat transcripts asked for by e-mail


def assign(
    ctx: AppContext, actor: Actor, interaction_id: int, agent_id: int | None,
    reason: str = "manual",
) -> None:
    """Give an interaction to a named agent (or back to the queue with ``None``)."""
    with ctx.transaction() as tx:
        s = tx.session
        interaction = visible_interaction(s, actor, interaction_id)
        if agent_id is not None and agent_id != actor.user_id:
            actor.require_supervisor(interaction.tenant_id)
        if interaction.status in ("resolved", "abandoned"):
            raise Conflict(f"the interaction is {interaction.status}")
        now = ctx.clock()
        state = None
        if agent_id is not None:
            state = _assignable_state(s, interaction, agent_id)
        assignment.assign(tx, interaction, state, now, actor_id=actor.user_id, reason=reason)
        if agent_id is not None and agent_id != actor.user_id:
            audit(tx, actor, "interaction.assign", tenant_id=interaction.tenant_id,
                  target=str(interaction.id), data={"agent_id": agent_id, "reason": reason})
        if state is None and interaction.status == "queued":
            assignment.offer(tx, interaction, now, _config(s, interaction.tenant_id))


def _add_email_extras(s: Session, interaction: Interaction, message: Message,
                      email: EmailExtras) -> None:
    """The agent's subject and copies join what ``prepare_reply`` took from the
    customer's mail; attachments are stored with the message, in its transaction."""
    assert message.id is not None
    if email.subject:
        message.subject = email.subject
    copies = [*message.meta.get("cc", []), *(a for a in email.cc
                                             if a not in message.meta.get("cc", []))]
    message.meta = {**message.meta, "cc": copies}
    s.add(message)
    for f in email.attachments:
        s.add(Attachment(tenant_id=interaction.tenant_id, message_id=message.id,
                         filename=f.filename[:255] or "attachment",
                         content_type=f.content_type[:255] or "application/octet-stream",
                         size=len(f.content), content=f.content))


def _check_sms_length(s: Session, tenant_id: int, text: str) -> None:
    """Operators bill per segment: each tenant caps how long a reply may be."""
    tenant = s.get(Tenant, tenant_id)
    settings = tenant.settings if tenant else {}
    limit = int(settings.get("sms_max_segments", DEFAULT_SMS_SEGMENTS))
    info = segment_info(text)
    if info.segments > limit:
        raise Invalid(f"this SMS needs {info.segments} segments ({info.encoding}, "
                      f"{info.characters} characters); the limit is {limit}")


def _config(s: Session, tenant_id: int) -> TenantConfig:
    return configs_for(s, [tenant_id])[tenant_id]


def _assignable_state(s: Session, interaction: Interaction, agent_id: int) -> AgentState:
    from app.models import Membership

    member = s.exec(select(Membership.id).where(Membership.user_id == agent_id,
                                                Membership.tenant_id == interaction.tenant_id)
                    ).first()
    if member is None:
        raise Invalid("that agent does not work for this tenant")
    if interaction.skill_group_id is not None:
        skilled = s.exec(select(AgentSkill.id).where(
            AgentSkill.user_id == agent_id,
            AgentSkill.skill_group_id == interaction.skill_group_id)).first()
        if skilled is None:
            raise Invalid("that agent lacks the interaction's skill group")
    return s.get(AgentState, agent_id) or _ensure_state(s, agent_id)


def _ensure_state(s: Session, user_id: int) -> AgentState:
    state = AgentState(user_id=user_id)
    s.add(state)
    s.flush()
    return state


def _wrap_up_seconds(s: Session, interaction: Interaction) -> float:
    """After-call work time for this kind of interaction (tenant routing rules)."""
    return _config(s, interaction.tenant_id).wrap_up_for(interaction.channel_kind)


def _message_event(interaction: Interaction, message: Message, author: str | None) -> Event:
    return Event(
        type="message.created",
        tenant_id=interaction.tenant_id,
        data=message_dict(message, author),
        interaction_id=interaction.id,
        skill_group_id=interaction.skill_group_id,
        assignee_id=interaction.assignee_id,
    )


def ctx_wake_outbox(ctx: AppContext) -> None:
    """Tell this process's outbox worker there is work, rather than waiting for its poll."""
    if ctx.outbox_wakeup is not None:
        ctx.outbox_wakeup()


__all__ = ["ReplyResult", "Transaction", "assign", "reply", "resolve", "visible_interaction"]
