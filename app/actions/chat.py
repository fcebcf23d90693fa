"""What a chat visitor changes besides their lines (which go through ``ingest``):
asking for the transcript by e-mail, and the transcript's way to their mailbox.

When it is sent: once the conversation is over (resolved or abandoned), or at once
when it already is. A transcript asked for in the middle of a chat would miss the
agent's answer to the very question the visitor wants to keep; people asking for
"this conversation" expect all of it. ``queue_transcripts`` runs right after a
resolution and in the distributor's sweep, so a resolution by any path (agent,
merge, call-back outcome) or a process that died in between still sends it.

Exactly once: the request row turns ``pending`` → ``queued`` under a row lock in the
same transaction that writes the e-mail and its one outbox row (``message_id`` is
unique on both), and a repeated request for the same address returns the request
already there instead of adding one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from app.actions.outbox import enqueue_system_email
from app.context import AppContext, Transaction
from app.errors import NotFound
from app.events import Event
from app.models import (
    Channel,
    Contact,
    ContactIdentity,
    Interaction,
    InteractionEvent,
    Message,
    Tenant,
    TranscriptRequest,
    User,
)
from app.serializers import message_dict
from app.services import transcripts
from app.services.identities import normalize_email
from channels.chat.config import ChannelConfigError, ChatSettings
from channels.types import ChannelConfig

log = logging.getLogger(__name__)

OVER = ("resolved", "abandoned")
BATCH = 50
NO_EMAIL_CHANNEL = "this business has no e-mail channel to send the conversation from"
# Longest conversation written out (lines); a longer one keeps its last lines.
MAX_LINES = 2000


@dataclass(frozen=True, slots=True)
class TranscriptAnswer:
    id: int
    status: str  # pending | queued | sent | failed
    error: str | None = None


def request_transcript(ctx: AppContext, channel_id: int, visitor_id: str,
                       interaction_id: int, email: str) -> TranscriptAnswer:
    """The visitor asks for their conversation by e-mail.

    Only the visitor the conversation belongs to may ask. Asking again for the same
    address while the first request waits (or once it was sent, when nothing was said
    since) answers that request: one mail. Without an e-mail channel the request is
    stored ``failed`` with the reason, so the visitor can be told at once.
    """
    address = normalize_email(email)
    queued = False
    with ctx.transaction() as tx:
        s = tx.session
        # Locked: two requests of one visitor on two processes are taken one by one.
        interaction = s.get(Interaction, interaction_id, with_for_update=True)
        if interaction is None or interaction.channel_id != channel_id:
            raise NotFound("conversation not found")
        owner = s.exec(select(ContactIdentity.id).where(
            ContactIdentity.tenant_id == interaction.tenant_id,
            ContactIdentity.contact_id == interaction.contact_id,
            ContactIdentity.kind == "visitor", ContactIdentity.value == visitor_id)).first()
        if owner is None:
            raise NotFound("conversation not found")
        same = _same_request(s, interaction, address)
        if same is not None:
            assert same.id is not None
            return TranscriptAnswer(same.id, same.status, same.error)
        now = ctx.clock()
        request = TranscriptRequest(tenant_id=interaction.tenant_id,
                                    interaction_id=interaction_id, email=address,
                                    created_at=now)
        s.add(request)
        s.add(InteractionEvent(tenant_id=interaction.tenant_id, interaction_id=interaction_id,
                               kind="transcript_requested", data={"email": address},
                               created_at=now))
        s.flush()
        email_channel = _email_channel(s, interaction)
        if email_channel is None:
            _fail(tx, request, interaction, NO_EMAIL_CHANNEL, now, notify=False)
        elif interaction.status in OVER:
            _queue(ctx, tx, request, interaction, email_channel)
            queued = True
        assert request.id is not None
        answer = TranscriptAnswer(request.id, request.status, request.error)
    if queued:
        _wake_outbox(ctx)
    return answer


def _same_request(s: Session, interaction: Interaction, address: str
                  ) -> TranscriptRequest | None:
    """The request this one repeats: the latest for this address, if it still waits, or
    if it was sent (or is being sent) and no line was written since."""
    latest = s.exec(select(TranscriptRequest).where(
        TranscriptRequest.interaction_id == interaction.id,
        TranscriptRequest.email == address,
    ).order_by(col(TranscriptRequest.id).desc())).first()
    if latest is None or latest.status == "failed":
        return None
    if latest.status == "pending":
        return latest
    mail = s.get(Message, latest.message_id) if latest.message_id else None
    through = int((mail.meta or {}).get("through_message_id") or 0) if mail else 0
    newer = s.exec(select(Message.id).where(
        Message.interaction_id == interaction.id, Message.channel_id == interaction.channel_id,
        Message.kind == "message", col(Message.id) > through).limit(1)).first()
    return latest if newer is None else None


def queue_transcripts(ctx: AppContext, interaction_id: int | None = None) -> int:
    """Queue the e-mails of waiting requests whose conversation is over (all of them, or
    those of one conversation). Returns how many were queued or failed."""
    with ctx.read_session() as s:  # the usual answer is "none", found without a write lock
        query = select(TranscriptRequest.id).join(
            Interaction, col(Interaction.id) == col(TranscriptRequest.interaction_id)).where(
            TranscriptRequest.status == "pending", col(Interaction.status).in_(OVER))
        if interaction_id is not None:
            query = query.where(TranscriptRequest.interaction_id == interaction_id)
        if s.exec(query.limit(1)).first() is None:
            return 0
    done = 0
    queued = False
    with ctx.transaction() as tx:
        s = tx.session
        due = select(TranscriptRequest).join(
            Interaction, col(Interaction.id) == col(TranscriptRequest.interaction_id)).where(
            TranscriptRequest.status == "pending", col(Interaction.status).in_(OVER))
        if interaction_id is not None:
            due = due.where(TranscriptRequest.interaction_id == interaction_id)
        rows = s.exec(due.order_by(col(TranscriptRequest.id)).limit(BATCH)
                      .with_for_update(skip_locked=True, of=TranscriptRequest)).all()
        for request in rows:
            s.refresh(request)
            if request.status != "pending":
                continue  # another process queued it between our read and our lock
            interaction = _survivor(s, request.interaction_id)
            if interaction.id != request.interaction_id:
                # Merged into another conversation: its lines moved there, so does the
                # request, and it waits for that one to end.
                request.interaction_id = interaction.id or request.interaction_id
                s.add(request)
                if interaction.status not in OVER:
                    continue
            email_channel = _email_channel(s, interaction)
            if email_channel is None:
                _fail(tx, request, interaction, NO_EMAIL_CHANNEL, ctx.clock(), notify=True)
            else:
                _queue(ctx, tx, request, interaction, email_channel)
                queued = True
            done += 1
    if queued:
        _wake_outbox(ctx)
    return done


def _survivor(s: Session, interaction_id: int) -> Interaction:
    """The conversation, or the one it was merged into (and so on)."""
    interaction = s.get(Interaction, interaction_id)
    assert interaction is not None
    for _ in range(10):
        into = (interaction.meta or {}).get("merged_into")
        following = s.get(Interaction, int(into)) if into else None
        if following is None:
            break
        interaction = following
    return interaction


def transcripts_after_resolve(ctx: AppContext, interaction_id: int) -> None:
    """Called once a resolution committed; the sweep retries whatever fails here."""
    try:
        queue_transcripts(ctx, interaction_id)
    except Exception:
        log.exception("transcripts of interaction %s not queued yet", interaction_id)


def _email_channel(s: Session, interaction: Interaction) -> Channel | None:
    """The chat channel's ``transcript_channel``, else the tenant's first active e-mail
    channel."""
    chat = s.get(Channel, interaction.channel_id)
    wanted = None
    if chat is not None:
        try:
            wanted = ChatSettings.parse(chat.config or {}).transcript_channel
        except ChannelConfigError:
            wanted = None
    query = select(Channel).where(Channel.tenant_id == interaction.tenant_id,
                                  Channel.kind == "email", col(Channel.is_active).is_(True))
    if wanted:
        found = s.exec(query.where(Channel.key == wanted)).first()
        if found is not None:
            return found
    return s.exec(query.order_by(col(Channel.id))).first()


def _queue(ctx: AppContext, tx: Transaction, request: TranscriptRequest,
           interaction: Interaction, email_channel: Channel) -> None:
    """Write the transcript as an outbound e-mail with its outbox row; the request is
    ``queued`` in the same transaction."""
    s = tx.session
    assert interaction.id is not None and request.id is not None
    assert email_channel.id is not None
    tenant = s.get(Tenant, interaction.tenant_id)
    contact = s.get(Contact, interaction.contact_id)
    assert tenant is not None
    # The chat lines: a conversation merged into this one brought its own.
    rows = list(reversed(s.exec(
        select(Message).join(Channel, col(Channel.id) == col(Message.channel_id))
        .where(Message.interaction_id == interaction.id, Channel.kind == "chat",
               Message.kind == "message")
        .order_by(col(Message.id).desc()).limit(MAX_LINES)).all()))
    authors = {u.id: u.name for u in s.exec(select(User).where(
        col(User.id).in_({m.author_id for m in rows if m.author_id}))).all()} if rows else {}
    lines = [transcripts.Line(
        at=m.created_at,
        author=None if m.direction == "in" else authors.get(m.author_id or 0) or tenant.name,
        text=m.text) for m in rows]
    now = ctx.clock()
    ref = f"T-{interaction.id}"
    written = transcripts.render(
        lines, business=tenant.name, visitor_name=contact.name if contact else None,
        language=transcripts.language_for(interaction.language, tenant.locale),
        timezone=tenant.timezone, ref=ref, now=now)
    message = Message(
        tenant_id=interaction.tenant_id, interaction_id=interaction.id,
        channel_id=email_channel.id, direction="out", kind="system", text=written.text,
        html=written.html, subject=written.subject, delivery_status="queued", created_at=now,
        meta={"transcript_request": request.id, "to": request.email, "ref": ref,
              "subject_as_is": True, "auto_submitted": True, "language": written.language,
              "through_message_id": rows[-1].id if rows else 0})
    enqueue_system_email(s, _config(ctx, email_channel), message, interaction.id,
                         interaction.tenant_id, now)
    request.status = "queued"
    request.message_id = message.id
    s.add(request)
    s.add(InteractionEvent(tenant_id=interaction.tenant_id, interaction_id=interaction.id,
                           kind="transcript_queued",
                           data={"email": request.email, "message_id": message.id},
                           created_at=now))
    tx.emit(Event(type="message.created", tenant_id=interaction.tenant_id,
                  data=message_dict(message), interaction_id=interaction.id,
                  skill_group_id=interaction.skill_group_id,
                  assignee_id=interaction.assignee_id))


def _config(ctx: AppContext, channel: Channel) -> ChannelConfig:
    assert channel.id is not None
    return ChannelConfig(id=channel.id, tenant_id=channel.tenant_id,
                         kind=channel.kind,  # type: ignore[arg-type]
                         key=channel.key, secret=channel.secret, config=dict(channel.config),
                         base_url=ctx.settings.base_url)


def _fail(tx: Transaction, request: TranscriptRequest, interaction: Interaction, reason: str,
          now: datetime, *, notify: bool) -> None:
    request.status = "failed"
    request.error = reason[:500]
    tx.session.add(request)
    tx.session.add(InteractionEvent(tenant_id=interaction.tenant_id,
                                    interaction_id=request.interaction_id,
                                    kind="transcript_failed",
                                    data={"email": request.email, "reason": request.error},
                                    created_at=now))
    if notify:
        _tell_visitor(tx, request, interaction)


def _tell_visitor(tx: Transaction, request: TranscriptRequest, interaction: Interaction) -> None:
    """The visitor's socket, wherever it is, learns what became of their request."""
    chat = tx.session.get(Channel, interaction.channel_id)
    visitor = str((interaction.meta or {}).get("customer_address") or "")
    if chat is None or chat.kind != "chat" or not visitor:
        return
    frame: dict[str, object] = {"type": "transcript", "status": request.status,
                                "email": request.email}
    if request.error:
        frame["detail"] = request.error
    tx.emit(Event(type="chat.transcript", tenant_id=None, channel_key=chat.key,
                  interaction_id=interaction.id, data={"visitor": visitor, "frame": frame}))


def transcript_delivery(tx: Transaction, message: Message, status: str,
                        reason: str | None, now: datetime) -> None:
    """The outbox (or a bounce) moved a transcript e-mail to ``status``: the request
    follows, and the visitor hears of it. Called inside that transaction."""
    request_id = (message.meta or {}).get("transcript_request")
    if not request_id or status not in ("sent", "delivered", "failed"):
        return
    s = tx.session
    request = s.get(TranscriptRequest, int(request_id), with_for_update=True)
    if request is None:
        return
    interaction = s.get(Interaction, request.interaction_id)
    assert interaction is not None
    if status == "failed":
        if request.status == "failed":
            return
        request.status = "failed"
        request.error = (reason or "the mail server refused it")[:500]
        kind = "transcript_failed"
    else:
        if request.status == "sent":
            return
        request.status = "sent"
        request.error = None
        request.sent_at = now
        kind = "transcript_sent"
    s.add(request)
    s.add(InteractionEvent(tenant_id=request.tenant_id, interaction_id=request.interaction_id,
                           kind=kind, data={"email": request.email, "reason": request.error},
                           created_at=now))
    _tell_visitor(tx, request, interaction)


def _wake_outbox(ctx: AppContext) -> None:
    if ctx.outbox_wakeup is not None:
        ctx.outbox_wakeup()
