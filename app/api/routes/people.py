"""Users and agents."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app import actions
from app.actions.users import user_summary
from app.api.deps import Ctx, CurrentActor
from app.api.schemas import PresenceIn, UserIn
from app.models import AgentState

router = APIRouter(prefix="/api/v1", tags=["people"])


@router.post("/users", status_code=201)
def create_user(body: UserIn, ctx: Ctx, actor: CurrentActor) -> dict[str, Any]:
    user = actions.create_user(
        ctx, actor, email=body.email, name=body.name, role=body.role, password=body.password,
        tenants=body.tenants, skills=body.skills, capacity=body.capacity,
        languages=body.languages,
    )
    return {**user_summary(user), "tenants": body.tenants}


@router.get("/agents/me")
def me(ctx: Ctx, actor: CurrentActor) -> dict[str, Any]:
    with ctx.read_session() as s:
        state = s.get(AgentState, actor.user_id)
    return {
        "id": actor.user_id, "email": actor.email, "name": actor.name, "role": actor.role,
        "tenant_ids": sorted(actor.tenant_ids),
        "skill_group_ids": sorted(actor.skill_group_ids),
        "presence": state.presence if state else "offline",
        "capacity": state.capacity if state else {},
    }


@router.put("/agents/me/presence")
def set_presence(body: PresenceIn, ctx: Ctx, actor: CurrentActor) -> dict[str, Any]:
    return actions.set_presence(ctx, actor, body.state)
