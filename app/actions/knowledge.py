"""The knowledge base: a tenant's FAQ, call scripts and sales arguments, searchable
by the agent in the middle of a conversation."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from app.access import Actor
from app.actions.setup import tenant_by_slug
from app.context import AppContext
from app.errors import Invalid, NotFound
from app.models import KnowledgeArticle
from app.models.content import ARTICLE_KINDS
from app.serializers import iso
from classifier.text import normalize

MAX_BODY = 50_000
MAX_TAGS = 20
SEARCH_LIMIT = 30


def article_dict(a: KnowledgeArticle, *, with_body: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"id": a.id, "tenant_id": a.tenant_id, "kind": a.kind,
                           "title": a.title, "tags": a.tags, "language": a.language,
                           "updated_at": iso(a.updated_at)}
    if with_body:
        out["body"] = a.body
    else:
        out["excerpt"] = a.body[:200]
    return out


def _clean(kind: str | None, title: str | None, body: str | None, tags: list[str] | None,
           language: str | None) -> None:
    if kind is not None and kind not in ARTICLE_KINDS:
        raise Invalid(f"kind must be one of {', '.join(ARTICLE_KINDS)}")
    if title is not None and not 1 <= len(title.strip()) <= 300:
        raise Invalid("title must be 1-300 characters")
    if body is not None and not 1 <= len(body.strip()) <= MAX_BODY:
        raise Invalid(f"body must be 1-{MAX_BODY} characters")
    if tags is not None and (len(tags) > MAX_TAGS
                             or any(not isinstance(t, str) or len(t) > 50 for t in tags)):
        raise Invalid(f"at most {MAX_TAGS} tags of at most 50 characters")
    if language is not None and language not in ("", "fr", "en"):
        raise Invalid("language must be 'fr', 'en' or empty")


def _index(a: KnowledgeArticle) -> None:
    a.search_text = normalize(" ".join([a.title, a.body, *a.tags]))


def create_article(
    ctx: AppContext, actor: Actor, tenant_slug: str, *, kind: str, title: str, body: str,
    tags: list[str] | None = None, language: str | None = None,
) -> KnowledgeArticle:
    _clean(kind, title, body, tags, language)
    with ctx.transaction() as tx:
        s = tx.session
        tenant = tenant_by_slug(s, actor, tenant_slug)
        assert tenant.id is not None
        actor.require_supervisor(tenant.id)
        now = ctx.clock()
        row = KnowledgeArticle(tenant_id=tenant.id, kind=kind, title=title.strip(),
                               body=body.strip(), tags=[t.strip() for t in tags or [] if t.strip()],
                               language=language or None, updated_by=actor.user_id,
                               created_at=now, updated_at=now)
        _index(row)
        s.add(row)
        s.flush()
    return row


def visible_article(s: Session, actor: Actor, article_id: int) -> KnowledgeArticle:
    row = s.get(KnowledgeArticle, article_id)
    if row is None or row.tenant_id not in actor.tenant_ids:
        raise NotFound("article not found")
    return row


def update_article(
    ctx: AppContext, actor: Actor, article_id: int, *, kind: str | None = None,
    title: str | None = None, body: str | None = None, tags: list[str] | None = None,
    language: str | None = None,
) -> KnowledgeArticle:
    _clean(kind, title, body, tags, language)
    with ctx.transaction() as tx:
        s = tx.session
        row = visible_article(s, actor, article_id)
        actor.require_supervisor(row.tenant_id)
        if kind is not None:
            row.kind = kind
        if title is not None:
            row.title = title.strip()
        if body is not None:
            row.body = body.strip()
        if tags is not None:
            row.tags = [t.strip() for t in tags if t.strip()]
        if language is not None:
            row.language = language or None
        _index(row)
        row.updated_by = actor.user_id
        row.updated_at = ctx.clock()
        s.add(row)
    return row


def delete_article(ctx: AppContext, actor: Actor, article_id: int) -> None:
    with ctx.transaction() as tx:
        row = visible_article(tx.session, actor, article_id)
        actor.require_supervisor(row.tenant_id)
        tx.session.delete(row)


def search_articles(
    ctx: AppContext, actor: Actor, tenant_slug: str, q: str | None = None,
    kind: str | None = None,
) -> list[dict[str, Any]]:
    """Every word of the query must appear (accents and case ignored); titles that
    match rank first."""
    if kind is not None and kind not in ARTICLE_KINDS:
        raise Invalid(f"kind must be one of {', '.join(ARTICLE_KINDS)}")
    words = normalize(q or "").split()[:10]
    with ctx.read_session() as s:
        tenant = tenant_by_slug(s, actor, tenant_slug)
        query = select(KnowledgeArticle).where(KnowledgeArticle.tenant_id == tenant.id)
        if kind:
            query = query.where(KnowledgeArticle.kind == kind)
        for word in words:
            query = query.where(col(KnowledgeArticle.search_text).contains(word, autoescape=True))
        rows = s.exec(query.order_by(col(KnowledgeArticle.updated_at).desc())
                      .limit(SEARCH_LIMIT * 4)).all()
    def title_hits(a: KnowledgeArticle) -> int:
        title = normalize(a.title)
        return sum(1 for w in words if w in title)

    ranked = sorted(rows, key=lambda a: -title_hits(a))[:SEARCH_LIMIT]
    return [article_dict(a, with_body=True) for a in ranked]
