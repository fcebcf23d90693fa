"""A tenant's classifier: status, retraining, roll back."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from app.actions import learning
from app.api.deps import Ctx, CurrentActor
from app.api.schemas import Body

router = APIRouter(prefix="/api/v1/tenants/{slug}/classifier", tags=["classifier"])


class ActivateIn(Body):
    version: int | None = None


@router.get("")
def status(slug: str, ctx: Ctx, actor: CurrentActor) -> dict[str, Any]:
    """Model versions with their cross-validated figures, the active one, and the
    labelled examples agents' decisions have given so far."""
    return learning.model_status(ctx, actor, slug)


@router.post("/train", status_code=201)
async def train(slug: str, ctx: Ctx, actor: CurrentActor) -> dict[str, Any]:
    """Retrain now (a few seconds per thousand examples); the new version is activated."""
    result = await run_in_threadpool(learning.train_by_slug, ctx, slug, actor)
    return {"version": result.version, "n_examples": result.n_examples,
            "labels": result.labels, "evaluation": result.evaluation,
            "train_seconds": result.train_seconds}


@router.post("/activate")
def activate(slug: str, body: ActivateIn, ctx: Ctx, actor: CurrentActor) -> dict[str, Any]:
    """Activate a version; without one, roll back to the version before the active."""
    return {"active": learning.activate_model(ctx, actor, slug, body.version)}
