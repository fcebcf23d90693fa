"""Admin pages: tenants, channels (snippet, webhook URLs, health), skill groups and
keywords, agents, canned responses, knowledge base, the ACD rules, and each tenant's
classifier (model versions, figures, retrain, roll back). Server-rendered; every change
goes through the JSON API (static/admin.js).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import col, select
from starlette.concurrency import run_in_threadpool

from app.access import Actor
from app.actions.canned import canned_dict
from app.actions.knowledge import article_dict
from app.actions.learning import model_status
from app.actions.setup import tenant_by_slug
from app.api.routes.pages import page_actor, render, request_language
from app.api.routes.setup import channel_dict
from app.context import AppContext
from app.errors import NotFound
from app.models import (
    AgentSkill,
    AgentState,
    CannedResponse,
    Channel,
    KnowledgeArticle,
    Membership,
    SkillGroup,
    Tenant,
    User,
)
from app.security import csrf_token

router = APIRouter(include_in_schema=False)

# The lead's ACD configuration API; the pages offer editing once these routes exist.
ROUTING_ROUTES = {
    "patch_group": ("/api/v1/skill-groups/{group_id}", "PATCH"),
    "patch_agent": ("/api/v1/agents/{user_id}", "PATCH"),
    "tenant_routing": ("/api/v1/tenants/{slug}/routing", "PUT"),
}


def _capabilities(request: Request) -> dict[str, bool]:
    have = {(getattr(r, "path", None), method) for r in request.app.routes
            for method in (getattr(r, "methods", None) or ())}
    return {name: route in have for name, route in ROUTING_ROUTES.items()}


def _tenants(ctx: AppContext, actor: Actor) -> list[Tenant]:
    with ctx.read_session() as s:
        return list(s.exec(select(Tenant).where(col(Tenant.id).in_(sorted(actor.tenant_ids)))
                           .order_by(col(Tenant.name))).all())


def _tenant_page(ctx: AppContext, actor: Actor, slug: str) -> dict[str, Any]:
    with ctx.read_session() as s:
        tenant = tenant_by_slug(s, actor, slug)
        tid = tenant.id
        channels = s.exec(select(Channel).where(Channel.tenant_id == tid)
                          .order_by(col(Channel.id))).all()
        groups = s.exec(select(SkillGroup).where(SkillGroup.tenant_id == tid)
                        .order_by(col(SkillGroup.name))).all()
        names = {g.id: g.name for g in groups}
        users = s.exec(select(User).join(Membership, col(Membership.user_id) == col(User.id))
                       .where(Membership.tenant_id == tid).order_by(col(User.name))).all()
        user_ids = [u.id for u in users]
        states = {st.user_id: st for st in s.exec(
            select(AgentState).where(col(AgentState.user_id).in_(user_ids)))}
        skills: dict[int, dict[str, int]] = {}
        for row in s.exec(select(AgentSkill).where(AgentSkill.tenant_id == tid)):
            skills.setdefault(row.user_id, {})[names.get(row.skill_group_id, "?")] = row.level
        canned = s.exec(select(CannedResponse).where(CannedResponse.tenant_id == tid)
                        .order_by(col(CannedResponse.title))).all()
        articles = s.exec(select(KnowledgeArticle).where(KnowledgeArticle.tenant_id == tid)
                          .order_by(col(KnowledgeArticle.kind), col(KnowledgeArticle.title))).all()
        agents = []
        for u in users:
            st = states.get(u.id or 0)
            agents.append({
                "id": u.id, "name": u.name, "email": u.email, "role": u.role,
                "presence": st.presence if st else "offline",
                "skills": skills.get(u.id or 0, {}),
                "capacity": st.capacity if st else {},
                "languages": st.languages if st else [],
            })
        return {
            "tenant": tenant,
            "channels": [channel_dict(ctx, c, show_secret=False) for c in channels],
            "groups": groups,
            "agents": agents,
            "canned": [canned_dict(c, {k: v for k, v in names.items() if k is not None})
                       for c in canned],
            "articles": [article_dict(a) for a in articles],
            "routing": (tenant.settings or {}).get("routing") or {},
        }


async def _admin(request: Request) -> tuple[Actor, str] | Response:
    who = await page_actor(request)
    if who is None:
        return RedirectResponse("/login", status_code=303)
    actor, _session = who
    if not actor.is_admin:
        lang = request_language(request)
        return render(request, "admin/forbidden.html", {"actor": actor}, lang, status_code=403)
    return who


@router.get("/admin", response_class=HTMLResponse)
async def admin_index(request: Request) -> Response:
    who = await _admin(request)
    if isinstance(who, Response):
        return who
    actor, session = who
    ctx: AppContext = request.app.state.ctx
    tenants = await run_in_threadpool(_tenants, ctx, actor)
    return render(request, "admin/index.html", {
        "actor": actor, "tenants": tenants,
        "csrf": csrf_token(ctx.settings.resolved_secret_key, session),
    }, request_language(request))


@router.get("/admin/t/{slug}", response_class=HTMLResponse)
async def admin_tenant(request: Request, slug: str) -> Response:
    who = await _admin(request)
    if isinstance(who, Response):
        return who
    actor, session = who
    ctx: AppContext = request.app.state.ctx
    try:
        data = await run_in_threadpool(_tenant_page, ctx, actor, slug)
    except NotFound:
        return render(request, "admin/forbidden.html", {"actor": actor, "missing": True},
                      request_language(request), status_code=404)
    return render(request, "admin/tenant.html", {
        "actor": actor, "csrf": csrf_token(ctx.settings.resolved_secret_key, session),
        "can": _capabilities(request), "kinds": ("sms", "email", "chat", "callback"),
        **data,
    }, request_language(request, data["tenant"].locale))


def _classifier_page(ctx: AppContext, actor: Actor, slug: str) -> dict[str, Any]:
    with ctx.read_session() as s:
        tenant = tenant_by_slug(s, actor, slug)
    status = model_status(ctx, actor, slug)
    active = status["active"]
    versions = sorted(status["versions"], key=lambda v: v["version"], reverse=True)
    current = next((v for v in versions if v["version"] == active), None)
    return {"tenant": tenant, "status": status, "versions": versions, "current": current,
            "can_roll_back": active is not None and any(v["version"] < active
                                                        for v in versions),
            "n_examples": sum(status["examples"].values())}


@router.get("/admin/t/{slug}/classifier", response_class=HTMLResponse)
async def admin_classifier(request: Request, slug: str) -> Response:
    who = await _admin(request)
    if isinstance(who, Response):
        return who
    actor, session = who
    ctx: AppContext = request.app.state.ctx
    try:
        data = await run_in_threadpool(_classifier_page, ctx, actor, slug)
    except NotFound:
        return render(request, "admin/forbidden.html", {"actor": actor, "missing": True},
                      request_language(request), status_code=404)
    return render(request, "admin/classifier.html", {
        "actor": actor, "csrf": csrf_token(ctx.settings.resolved_secret_key, session), **data,
    }, request_language(request, data["tenant"].locale))
