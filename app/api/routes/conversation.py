"""What an agent does inside a conversation besides replying: notes, transfer,
snooze, merge, canned and suggested replies, the cross-channel timeline, and the
live signals (who is viewing, who is typing)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, File, Form, UploadFile
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import col, select
from starlette.concurrency import run_in_threadpool

from app.actions import canned, compose, merge, notes, snooze, suggestions, transfer, viewing
from app.actions.conversation import visible_interaction
from app.api.deps import Ctx, CurrentActor
from app.models import Interaction, InteractionEvent, Message, User
from app.serializers import interaction_dicts, iso, message_dicts

router = APIRouter(prefix="/api/v1/interactions", tags=["conversation"])
TIMELINE_LIMIT = 300


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NoteIn(Body):
    text: str = Field(min_length=1, max_length=notes.MAX_NOTE_CHARS)


class TransferIn(Body):
    reason: str = Field(min_length=1, max_length=transfer.MAX_REASON)
    agent_id: int | None = None
    skill_group_id: int | None = None


class SnoozeIn(Body):
    until: datetime
    reason: str | None = Field(default=None, max_length=500)


class MergeIn(Body):
    other_id: int = Field(description="the interaction merged into this one, then closed")


class ViewingIn(Body):
    state: Literal["open", "closed"] = "open"


class TypingIn(Body):
    state: bool


@router.post("/{interaction_id}/notes", status_code=201)
def post_note(interaction_id: int, body: NoteIn, ctx: Ctx, actor: CurrentActor
              ) -> dict[str, Any]:
    """A private note for colleagues: stored in the conversation, never sent."""
    note = notes.add_note(ctx, actor, interaction_id, body.text)
    return {"message_id": note.id, "kind": "note"}


@router.post("/{interaction_id}/transfer")
def post_transfer(interaction_id: int, body: TransferIn, ctx: Ctx, actor: CurrentActor
                  ) -> dict[str, Any]:
    """To an agent (``agent_id``), a skill group (``skill_group_id``) or an agent within a
    group; the reason is kept in the interaction's history."""
    result = transfer.transfer(ctx, actor, interaction_id, reason=body.reason,
                               agent_id=body.agent_id, group_id=body.skill_group_id)
    return {"id": result.interaction_id, "skill_group_id": result.skill_group_id,
            "assignee": result.assignee_id}


@router.post("/{interaction_id}/snooze")
def post_snooze(interaction_id: int, body: SnoozeIn, ctx: Ctx, actor: CurrentActor
                ) -> dict[str, Any]:
    """Set aside until ``until`` (ISO-8601 with a zone); then it is offered again."""
    interaction = snooze.snooze(ctx, actor, interaction_id, body.until, body.reason)
    return {"id": interaction.id, "status": interaction.status,
            "snoozed_until": iso(interaction.queued_at)}


@router.post("/{interaction_id}/wake")
def post_wake(interaction_id: int, ctx: Ctx, actor: CurrentActor) -> dict[str, Any]:
    interaction = snooze.wake(ctx, actor, interaction_id)
    return {"id": interaction.id, "status": interaction.status}


@router.post("/{interaction_id}/merge")
def post_merge(interaction_id: int, body: MergeIn, ctx: Ctx, actor: CurrentActor
               ) -> dict[str, Any]:
    kept = merge.merge_interactions(ctx, actor, interaction_id, body.other_id)
    with ctx.read_session() as s:
        return interaction_dicts(s, [visible_interaction(s, actor, kept.id or 0)])[0]


@router.post("/{interaction_id}/viewing", status_code=204)
def post_viewing(interaction_id: int, body: ViewingIn, ctx: Ctx, actor: CurrentActor) -> None:
    """Tell colleagues you have it open (collision warning); repeat every 20 s."""
    viewing.announce_viewing(ctx, actor, interaction_id, body.state)


@router.post("/{interaction_id}/typing", status_code=204)
def post_typing(interaction_id: int, body: TypingIn, ctx: Ctx, actor: CurrentActor) -> None:
    viewing.announce_typing(ctx, actor, interaction_id, body.state)


@router.get("/{interaction_id}/canned-responses")
def get_canned(interaction_id: int, ctx: Ctx, actor: CurrentActor) -> dict[str, Any]:
    return {"items": canned.canned_for_interaction(ctx, actor, interaction_id),
            "variables": list(canned.VARIABLES)}


@router.get("/{interaction_id}/canned-responses/{canned_id}")
def render_canned(interaction_id: int, canned_id: int, ctx: Ctx, actor: CurrentActor
                  ) -> dict[str, Any]:
    """The canned response with this conversation's variables filled in (not sent)."""
    return canned.render_canned(ctx, actor, interaction_id, canned_id)


@router.get("/{interaction_id}/suggestions")
def get_suggestions(interaction_id: int, ctx: Ctx, actor: CurrentActor) -> dict[str, Any]:
    """Canned responses closest to what the customer wrote, filled in; never sent."""
    return {"items": suggestions.suggest_replies(ctx, actor, interaction_id)}


@router.get("/{interaction_id}/timeline")
def get_timeline(interaction_id: int, ctx: Ctx, actor: CurrentActor) -> dict[str, Any]:
    """Every message of the contact on every channel that you may see, oldest first,
    and this interaction's history (assignments, transfers with their reason…)."""
    with ctx.read_session() as s:
        interaction = visible_interaction(s, actor, interaction_id)
        siblings = [i for i in s.exec(select(Interaction).where(
            Interaction.contact_id == interaction.contact_id,
            Interaction.tenant_id == interaction.tenant_id))
            if actor.may_see_interaction(i.tenant_id, i.skill_group_id, i.assignee_id)]
        kinds = {i.id: i.channel_kind for i in siblings}
        rows = list(reversed(s.exec(
            select(Message).where(col(Message.interaction_id).in_(sorted(kinds)))
            .order_by(col(Message.id).desc()).limit(TIMELINE_LIMIT)).all()))
        items = message_dicts(s, rows)
        for item in items:
            item["channel"] = kinds.get(item["interaction_id"])
        history = s.exec(select(InteractionEvent)
                         .where(InteractionEvent.interaction_id == interaction.id)
                         .order_by(col(InteractionEvent.id))).all()
        names = dict(s.exec(select(User.id, User.name).where(col(User.id).in_(
            sorted({e.actor_id for e in history if e.actor_id})))).all())
        return {
            "interaction": interaction_dicts(s, [interaction], with_preview=False)[0],
            "messages": items,
            "history": [{"kind": e.kind, "actor": names.get(e.actor_id) if e.actor_id else None,
                         "data": e.data, "at": iso(e.created_at)} for e in history],
        }


@router.post("/{interaction_id}/email-replies", status_code=202)
async def post_email_reply(
    interaction_id: int, ctx: Ctx, actor: CurrentActor,
    text: str = Form(..., max_length=20_000), subject: str | None = Form(None, max_length=500),
    cc: str | None = Form(None, max_length=3000,
                          description="addresses separated by commas"),
    attachments: list[UploadFile] | None = File(None),
) -> dict[str, Any]:
    """An e-mail reply with subject, CC and attachments (multipart form)."""
    uploads = [compose.Upload(f.filename or "attachment", f.content_type or "",
                              await f.read(compose.MAX_FILE_BYTES + 1))
               for f in attachments or [] if f.filename]
    addresses = [a for a in (cc or "").replace(";", ",").split(",") if a.strip()]
    result = await run_in_threadpool(
        compose.reply_email, ctx, actor, interaction_id, text, subject=subject,
        cc=addresses, attachments=uploads)
    return {"message_id": result.message_id, "status": result.status}
