"""An e-mail reply with what the e-mail composer adds: a subject, copies (CC) and
attachments, stored in the same transaction as the reply so the outbox never sees
the message without them.

What is stored where (the e-mail channel reads these when it sends):
- ``Message.subject``: the subject the agent wrote (default: the conversation's);
- ``Message.meta["cc"]``: the addresses to copy (``channels.email.compose`` reads it);
- ``Attachment`` rows on the message (filename, type, bytes).

Lead: this mirrors ``conversation.reply`` for e-mail; fold it in as
``reply(..., subject=, meta=, attachments=)`` and drop this module. Until the e-mail
sender reads ``Message.subject`` and the attachment rows, the subject of an outgoing
mail is still the conversation's and attachments are kept but not sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.access import Actor
from app.actions.conversation import ReplyResult, ctx_wake_outbox, visible_interaction
from app.context import AppContext
from app.errors import Conflict, Invalid
from app.events import Event
from app.models import AgentState, Attachment, Channel, InteractionEvent, Message, OutboxItem, User
from app.serializers import message_dict
from app.services import assignment
from app.services.identities import normalize_email

MAX_CC = 10
MAX_FILES = 5
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_TOTAL_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Upload:
    filename: str
    content_type: str
    content: bytes


def reply_email(
    ctx: AppContext, actor: Actor, interaction_id: int, text: str, *,
    subject: str | None = None, cc: list[str] | None = None,
    attachments: list[Upload] | None = None,
) -> ReplyResult:
    text = text.strip()
    if not text:
        raise Invalid("text must not be empty")
    if len(text) > ctx.settings.max_text_chars:
        raise Invalid(f"text is longer than {ctx.settings.max_text_chars} characters")
    subject = " ".join((subject or "").split()) or None
    if subject is not None and len(subject) > 500:
        raise Invalid("the subject may be at most 500 characters")
    copies = list(dict.fromkeys(normalize_email(a) for a in (cc or []) if a.strip()))
    if len(copies) > MAX_CC:
        raise Invalid(f"at most {MAX_CC} addresses in CC")
    files = attachments or []
    if len(files) > MAX_FILES:
        raise Invalid(f"at most {MAX_FILES} attachments")
    if any(len(f.content) > MAX_FILE_BYTES for f in files) or \
            sum(len(f.content) for f in files) > MAX_TOTAL_BYTES:
        raise Invalid("attachments: at most 5 MB each and 10 MB in all")
    with ctx.transaction() as tx:
        s = tx.session
        interaction = visible_interaction(s, actor, interaction_id)
        channel = s.get(Channel, interaction.channel_id)
        assert channel is not None and channel.id is not None and interaction.id is not None
        if channel.kind != "email":
            raise Conflict("subject, CC and attachments are for e-mail conversations")
        now = ctx.clock()
        message = Message(tenant_id=interaction.tenant_id, interaction_id=interaction.id,
                          channel_id=channel.id, direction="out", text=text,
                          subject=subject or interaction.subject, delivery_status="queued",
                          author_id=actor.user_id, created_at=now,
                          meta={"cc": copies} if copies else {})
        s.add(message)
        s.flush()
        assert message.id is not None
        for f in files:
            s.add(Attachment(tenant_id=interaction.tenant_id, message_id=message.id,
                             filename=f.filename[:255] or "attachment",
                             content_type=f.content_type[:255] or "application/octet-stream",
                             size=len(f.content), content=f.content))
        s.add(OutboxItem(tenant_id=interaction.tenant_id, message_id=message.id,
                         channel_id=channel.id, next_attempt_at=now, created_at=now,
                         updated_at=now))
        if interaction.assignee_id is None:
            state = s.get(AgentState, actor.user_id) or AgentState(user_id=actor.user_id)
            assignment.assign(tx, interaction, state, now, actor_id=actor.user_id,
                              reason="replied")
        interaction.first_response_at = interaction.first_response_at or now
        interaction.last_message_at = now
        interaction.updated_at = now
        interaction.status = "waiting_customer"
        interaction.resolved_at = None
        s.add(interaction)
        s.add(InteractionEvent(tenant_id=interaction.tenant_id, interaction_id=interaction.id,
                               kind="replied", actor_id=actor.user_id, created_at=now,
                               data={"message_id": message.id, "cc": copies,
                                     "attachments": len(files)}))
        assignment.emit_interaction(tx, interaction, "interaction.updated")
        author = s.get(User, actor.user_id)
        tx.emit(Event(type="message.created", tenant_id=interaction.tenant_id,
                      data=message_dict(message, author.name if author else None),
                      interaction_id=interaction.id, skill_group_id=interaction.skill_group_id,
                      assignee_id=interaction.assignee_id))
        result = ReplyResult(message_id=message.id)
    ctx_wake_outbox(ctx)
    return result
