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
from routing.after_hours import AFTER_HOURS_ACTIONS, DEFAULT_AFTER_HOURS
from routing.pickup import DEFAULT_NO_PICKUP_SECONDS
from routing.sla import DEFAULT_SLA_TARGETS, SlaTarget
from routing.strategies import STRATEGIES

router = APIRouter(include_in_schema=False)

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
            "rules": _rules_form((tenant.settings or {}).get("routing") or {}),
            "strategies": STRATEGIES, "after_hours_actions": AFTER_HOURS_ACTIONS,
        }


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _rules_form(raw: dict[str, Any]) -> dict[str, Any]:
    """The tenant's rules as the form shows them: what applies now, defaults included,
    since a channel left out of a stored mapping gets no default (no SLA target…)."""
    def mapping(key: str, default: Any) -> dict[str, Any]:
        value = raw.get(key, default)
        return dict(value) if isinstance(value, dict) else {}

    sla: dict[str, dict[str, Any]] = {}
    for kind, target in mapping("sla", DEFAULT_SLA_TARGETS).items():
        if isinstance(target, SlaTarget):
            sla[kind] = {"share": target.share, "seconds": target.seconds}
        elif isinstance(target, dict):
            sla[kind] = {"share": target.get("share"), "seconds": target.get("seconds")}
        elif isinstance(target, list | tuple) and len(target) == 2:
            sla[kind] = {"share": target[0], "seconds": target[1]}
    hours = mapping("hours", {})
    weekly = hours.get("weekly")
    weekly = weekly if isinstance(weekly, dict) else {}
    priority = mapping("priority", {})
    escalation = priority.get("escalation_priority")
    escalation = {str(k): v for k, v in (escalation if isinstance(escalation, dict) else {
        1: 2, 2: 3, 3: 4}).items()}
    return {
        "hours": {"timezone": hours.get("timezone") or "",
                  "weekly": {day: ", ".join(_window(w) for w in weekly.get(day) or ())
                             for day in WEEKDAYS},
                  "holidays": ", ".join(map(str, hours.get("holidays") or ()))},
        "after_hours": mapping("after_hours", DEFAULT_AFTER_HOURS),
        "closed_message": mapping("closed_message", {}),
        "sla": sla,
        "wrap_up_seconds": raw.get("wrap_up_seconds", 0),
        "no_pickup_seconds": mapping("no_pickup_seconds", DEFAULT_NO_PICKUP_SECONDS),
        "away_after_no_pickup": raw.get("away_after_no_pickup", True) is not False,
        "escalation": escalation, "vip_boost": priority.get("vip_boost", 1),
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
        "kinds": ("sms", "email", "chat", "callback"),
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


def _window(window: Any) -> str:
    """A stored window, "08:00-12:00" or ["08:00", "12:00"], as the form writes it."""
    return "-".join(map(str, window)) if isinstance(window, list | tuple) else str(window)
