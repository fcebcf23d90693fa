"""The inbox: list, read, reply, resolve, assign."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query
from sqlalchemy import or_
from sqlmodel import col, select

from app import actions
from app.actions import sweeps
from app.actions.conversation import visible_interaction
from app.api.deps import Ctx, CurrentActor, Id
from app.api.schemas import AssignIn, ReplyIn, ResolveIn
from app.errors import Invalid
from app.models import Interaction, InteractionEvent, Message, SkillGroup, Tenant
from app.serializers import interaction_dicts, iso, message_dicts

router = APIRouter(prefix="/api/v1/interactions", tags=["interactions"])

Status = Literal["queued", "assigned", "waiting_customer", "resolved", "abandoned", "open"]
Kind = Literal["email", "sms", "chat", "callback"]


@router.get("")
def list_interactions(
    ctx: Ctx,
    actor: CurrentActor,
    tenant: str | None = None,
    status: Status | None = None,
    skill_group: str | None = None,
    channel: Kind | None = None,
    assignee: str | None = Query(default=None, description="'me', 'none' or a user id"),
    limit: int = Query(default=50, ge=1, le=200),
    before_id: int | None = Query(default=None, ge=1, le=2**63 - 1),
) -> dict[str, Any]:
    with ctx.read_session() as s:
        q = select(Interaction).where(col(Interaction.tenant_id).in_(sorted(actor.tenant_ids)))
        if not actor.is_supervisor:
            q = q.where(or_(
                col(Interaction.assignee_id) == actor.user_id,
                col(Interaction.skill_group_id).in_(sorted(actor.skill_group_ids)),
                col(Interaction.skill_group_id).is_(None),
            ))
        if tenant is not None:
            q = q.join(Tenant, col(Tenant.id) == col(Interaction.tenant_id)).where(
                Tenant.slug == tenant)
        if status == "open":
            q = q.where(col(Interaction.status).in_(("queued", "assigned", "waiting_customer")))
        elif status is not None:
            q = q.where(Interaction.status == status)
        if skill_group is not None:
            q = q.join(SkillGroup, col(SkillGroup.id) == col(Interaction.skill_group_id)).where(
                SkillGroup.name == skill_group)
        if channel is not None:
            q = q.where(Interaction.channel_kind == channel)
        if assignee == "me":
            q = q.where(Interaction.assignee_id == actor.user_id)
        elif assignee == "none":
            q = q.where(col(Interaction.assignee_id).is_(None))
        elif assignee is not None:
            if not assignee.isdigit():
                raise Invalid("assignee must be 'me', 'none' or a user id")
            q = q.where(Interaction.assignee_id == int(assignee))
        if before_id is not None:
            q = q.where(col(Interaction.id) < before_id)
        rows = s.exec(q.order_by(col(Interaction.id).desc()).limit(limit)).all()
        return {"items": interaction_dicts(s, rows)}


@router.get("/{interaction_id}")
def get_interaction(interaction_id: Id, ctx: Ctx, actor: CurrentActor) -> dict[str, Any]:
    with ctx.read_session() as s:
        interaction = visible_interaction(s, actor, interaction_id)
        data = interaction_dicts(s, [interaction], with_preview=False)[0]
        messages = s.exec(select(Message).where(Message.interaction_id == interaction.id)
                          .order_by(col(Message.id))).all()
        data["messages"] = message_dicts(s, messages)
        history = s.exec(select(InteractionEvent)
                         .where(InteractionEvent.interaction_id == interaction.id)
                         .order_by(col(InteractionEvent.id))).all()
        data["history"] = [{"kind": e.kind, "actor_id": e.actor_id, "data": e.data,
                            "at": iso(e.created_at)} for e in history]
        return data


@router.post("/{interaction_id}/replies", status_code=202)
def post_reply(interaction_id: Id, body: ReplyIn, ctx: Ctx, actor: CurrentActor
               ) -> dict[str, Any]:
    result = actions.reply(ctx, actor, interaction_id, body.text)
    return {"message_id": result.message_id, "status": result.status}


@router.post("/{interaction_id}/resolve")
def post_resolve(interaction_id: Id, ctx: Ctx, actor: CurrentActor,
                 body: ResolveIn | None = None) -> dict[str, Any]:
    actions.resolve(ctx, actor, interaction_id, body.outcome if body else None)
    return {"id": interaction_id, "status": "resolved"}


@router.post("/{interaction_id}/accept")
def post_accept(interaction_id: Id, ctx: Ctx, actor: CurrentActor) -> dict[str, Any]:
    """The assigned agent takes the offer; chats and call-backs not accepted within the
    tenant's no-pick-up time go to someone else."""
    sweeps.accept(ctx, actor, interaction_id)
    return {"id": interaction_id, "accepted": True}


@router.post("/{interaction_id}/assign")
def post_assign(interaction_id: Id, body: AssignIn, ctx: Ctx, actor: CurrentActor
                ) -> dict[str, Any]:
    actions.assign(ctx, actor, interaction_id, body.agent_id, body.reason)
    with ctx.read_session() as s:
        return interaction_dicts(s, [visible_interaction(s, actor, interaction_id)])[0]
