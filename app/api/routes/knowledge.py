"""A tenant's knowledge base: FAQ, call scripts, sales arguments."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from app.actions import knowledge
from app.api.deps import Ctx, CurrentActor

router = APIRouter(prefix="/api/v1", tags=["knowledge base"])
ArticleKind = Literal["faq", "script", "argument"]


class ArticleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: ArticleKind = "faq"
    title: str = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1, max_length=knowledge.MAX_BODY)
    tags: list[str] = Field(default_factory=list, max_length=knowledge.MAX_TAGS)
    language: str | None = Field(default=None, max_length=8)


class ArticlePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: ArticleKind | None = None
    title: str | None = Field(default=None, min_length=1, max_length=300)
    body: str | None = Field(default=None, min_length=1, max_length=knowledge.MAX_BODY)
    tags: list[str] | None = Field(default=None, max_length=knowledge.MAX_TAGS)
    language: str | None = Field(default=None, max_length=8)


@router.get("/tenants/{slug}/knowledge")
def search(slug: str, ctx: Ctx, actor: CurrentActor,
           q: str | None = Query(default=None, max_length=200),
           kind: ArticleKind | None = None) -> dict[str, Any]:
    """Articles containing every word of ``q`` (accents and case ignored)."""
    return {"items": knowledge.search_articles(ctx, actor, slug, q, kind)}


@router.post("/tenants/{slug}/knowledge", status_code=201)
def create(slug: str, body: ArticleIn, ctx: Ctx, actor: CurrentActor) -> dict[str, Any]:
    row = knowledge.create_article(ctx, actor, slug, kind=body.kind, title=body.title,
                                   body=body.body, tags=body.tags, language=body.language)
    return knowledge.article_dict(row)


@router.get("/knowledge/{article_id}")
def get(article_id: int, ctx: Ctx, actor: CurrentActor) -> dict[str, Any]:
    with ctx.read_session() as s:
        return knowledge.article_dict(knowledge.visible_article(s, actor, article_id))


@router.patch("/knowledge/{article_id}")
def patch(article_id: int, body: ArticlePatch, ctx: Ctx, actor: CurrentActor
          ) -> dict[str, Any]:
    row = knowledge.update_article(ctx, actor, article_id, kind=body.kind, title=body.title,
                                   body=body.body, tags=body.tags, language=body.language)
    return knowledge.article_dict(row)


@router.delete("/knowledge/{article_id}", status_code=204)
def delete(article_id: int, ctx: Ctx, actor: CurrentActor) -> Response:
    knowledge.delete_article(ctx, actor, article_id)
    return Response(status_code=204)
