"""A tenant's canned responses (supervisors and admins write them; agents use them)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from app.actions import canned
from app.api.deps import Ctx, CurrentActor

router = APIRouter(prefix="/api/v1", tags=["canned responses"])


class CannedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=canned.MAX_BODY)
    shortcut: str | None = Field(default=None, max_length=33)
    skill_group_id: int | None = None
    language: str | None = Field(default=None, max_length=8)


class CannedPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(default=None, min_length=1, max_length=200)
    body: str | None = Field(default=None, min_length=1, max_length=canned.MAX_BODY)
    shortcut: str | None = Field(default=None, max_length=33)
    skill_group_id: int | None = None
    clear_skill_group: bool = False
    language: str | None = Field(default=None, max_length=8)


@router.get("/tenants/{slug}/canned-responses")
def list_canned(slug: str, ctx: Ctx, actor: CurrentActor,
                q: str | None = Query(default=None, max_length=100)) -> dict[str, Any]:
    return {"items": canned.list_canned(ctx, actor, slug, q),
            "variables": list(canned.VARIABLES)}


@router.post("/tenants/{slug}/canned-responses", status_code=201)
def create_canned(slug: str, body: CannedIn, ctx: Ctx, actor: CurrentActor) -> dict[str, Any]:
    """Variables: ``{{contact.name}}``, ``{{agent.name}}``… (see ``variables`` in the list)."""
    row = canned.create_canned(ctx, actor, slug, title=body.title, body=body.body,
                               shortcut=body.shortcut, skill_group_id=body.skill_group_id,
                               language=body.language)
    return canned.canned_dict(row)


@router.patch("/canned-responses/{canned_id}")
def patch_canned(canned_id: int, body: CannedPatch, ctx: Ctx, actor: CurrentActor
                 ) -> dict[str, Any]:
    row = canned.update_canned(ctx, actor, canned_id, title=body.title, body=body.body,
                               shortcut=body.shortcut, skill_group_id=body.skill_group_id,
                               clear_skill_group=body.clear_skill_group,
                               language=body.language)
    return canned.canned_dict(row)


@router.delete("/canned-responses/{canned_id}", status_code=204)
def delete_canned(canned_id: int, ctx: Ctx, actor: CurrentActor) -> Response:
    canned.delete_canned(ctx, actor, canned_id)
    return Response(status_code=204)
