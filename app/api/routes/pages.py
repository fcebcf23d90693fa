"""The agent's pages: server-rendered, light, live through ``/ws/agent``."""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlmodel import col, select
from starlette.concurrency import run_in_threadpool

import web
from app import actions
from app.access import Actor, load_actor
from app.actions.users import user_for_token
from app.api.deps import SESSION_COOKIE
from app.api.routes.inbox import View, inbox_lists
from app.context import AppContext
from app.errors import TooManyRequests, Unauthorized
from app.models import AgentSkill, AgentState, Membership, SkillGroup, Tenant, User
from app.security import csrf_token
from web import i18n

WEB_DIR = Path(web.__file__).parent
templates = Jinja2Templates(directory=WEB_DIR / "templates")
# Bump when a static file changes: browsers keep them cached otherwise.
ASSET_VERSION = "5"
# Resolve codes an agent picks from; reports group interactions by them.
OUTCOMES = ("solved", "information", "sale", "complaint", "no_reply", "spam")
CHANNEL_KINDS = ("sms", "email", "chat", "callback")
OPEN_STATUS_NAMES = ("queued", "assigned", "waiting_customer")


def render(request: Request, name: str, context: dict[str, Any], lang: str,
           status_code: int = 200) -> Response:
    """A page in the reader's language: templates call ``_("English text")``.

    The translation function travels in the context, not in the shared Jinja
    environment, so concurrent requests in different languages never mix.
    """
    def _(text: str) -> str:
        return i18n.gettext(lang, text)

    response = templates.TemplateResponse(
        request, name, {**context, "lang": lang, "_": _, "v": ASSET_VERSION},
        status_code=status_code)
    chosen = request.query_params.get("lang")
    if chosen in i18n.LANGUAGES:
        # The language switch is a plain link; remember the choice for later pages.
        response.set_cookie("lang", chosen, max_age=365 * 24 * 3600, samesite="lax")
    return response


def request_language(request: Request, *preferred: str | None) -> str:
    return i18n.negotiate(request.query_params.get("lang"), request.cookies.get("lang"),
                          *preferred, accept_language=request.headers.get("accept-language"))

router = APIRouter(include_in_schema=False)
static_app = StaticFiles(directory=WEB_DIR / "static")


def _ctx(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


def _session_actor(ctx: AppContext, session: str | None) -> Actor | None:
    if not session:
        return None
    user = user_for_token(ctx, session, kind="session")
    if user is None:
        return None
    with ctx.read_session() as s:
        return load_actor(s, user)


async def page_actor(request: Request) -> tuple[Actor, str] | None:
    """The logged-in user of a page and their session, or None (then: to the login)."""
    session = request.cookies.get(SESSION_COOKIE)
    actor = await run_in_threadpool(_session_actor, _ctx(request), session)
    if actor is None or session is None:
        return None
    return actor, session


@router.get("/")
def index() -> RedirectResponse:
    return RedirectResponse("/agent", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, error: str | None = None) -> Response:
    return render(request, "login.html", {"error": error}, request_language(request))


@router.post("/login")
async def login_submit(
    request: Request, email: str = Form(""), password: str = Form("")
) -> Response:
    ctx = _ctx(request)
    ip = request.client.host if request.client else None
    lang = request_language(request)
    try:
        token = await run_in_threadpool(actions.login, ctx, email, password, ip)
    except Unauthorized:
        return render(request, "login.html",
                      {"error": i18n.gettext(lang, "Wrong e-mail or password."), "email": email},
                      lang, status_code=401)
    except TooManyRequests:
        message = "Too many failed attempts. Wait a few minutes, then try again."
        return render(request, "login.html",
                      {"error": i18n.gettext(lang, message), "email": email},
                      lang, status_code=429)
    response = RedirectResponse("/agent", status_code=303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax",
                        secure=ctx.settings.secure_cookies, max_age=14 * 24 * 3600)
    return response


@router.post("/logout")
async def logout(request: Request, csrf: str = Form("")) -> Response:
    ctx = _ctx(request)
    session = request.cookies.get(SESSION_COOKIE)
    if session:
        expected = csrf_token(ctx.settings.resolved_secret_key, session)
        if hmac.compare_digest(csrf, expected):
            await run_in_threadpool(actions.revoke_token, ctx, session)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


def _directory(ctx: AppContext, actor: Actor) -> dict[str, Any]:
    """Tenants, groups and colleagues: the filters and the transfer dialog's choices."""
    tenant_ids = sorted(actor.tenant_ids)
    with ctx.read_session() as s:
        tenants = s.exec(select(Tenant).where(col(Tenant.id).in_(tenant_ids))
                         .order_by(col(Tenant.name))).all()
        groups = s.exec(select(SkillGroup).where(col(SkillGroup.tenant_id).in_(tenant_ids))
                        .order_by(col(SkillGroup.name))).all()
        members = s.exec(select(Membership.tenant_id, User.id, User.name)
                         .join(User, col(User.id) == col(Membership.user_id))
                         .where(col(Membership.tenant_id).in_(tenant_ids), User.is_active)
                         .order_by(col(User.name))).all()
        skills: dict[int, list[int]] = {}
        for user_id, group_id in s.exec(select(AgentSkill.user_id, AgentSkill.skill_group_id)
                                        .where(col(AgentSkill.tenant_id).in_(tenant_ids))):
            skills.setdefault(user_id, []).append(group_id)
        user = s.get(User, actor.user_id)
        state = s.get(AgentState, actor.user_id)
    return {
        "tenants": [{"id": t.id, "slug": t.slug, "name": t.name, "locale": t.locale}
                    for t in tenants],
        "groups": [{"id": g.id, "name": g.name, "tenant_id": g.tenant_id} for g in groups],
        "colleagues": [{"tenant_id": tid, "id": uid, "name": name,
                        "groups": " ".join(str(g) for g in skills.get(uid or 0, []))}
                       for tid, uid, name in members],
        "locale": user.locale if user else None,
        "presence": state.presence if state else "offline",
    }


def _agent_page_data(ctx: AppContext, actor: Actor, filters: dict[str, str | None]
                     ) -> dict[str, Any]:
    def first_page(view: View) -> dict[str, Any]:
        return inbox_lists(ctx, actor, view, tenant=filters["tenant"],
                           channel=filters["channel"], status=filters["status"],
                           skill_group=filters["skill_group"])

    mine, queue = first_page("mine"), first_page("queue")
    return {"mine": mine["items"], "queue": queue["items"], "counts": mine["counts"],
            "next": {"mine": mine["next"], "queue": queue["next"]}, **_directory(ctx, actor)}


def _filters(request: Request) -> dict[str, str | None]:
    """Filters from the query string, ignoring values the lists do not know."""
    q = request.query_params
    status = q.get("status")
    channel = q.get("channel")
    return {"tenant": (q.get("tenant") or None), "skill_group": (q.get("skill_group") or None),
            "channel": channel if channel in CHANNEL_KINDS else None,
            "status": status if status in OPEN_STATUS_NAMES else None}


@router.get("/agent", response_class=HTMLResponse)
async def agent_page(request: Request) -> Response:
    ctx = _ctx(request)
    who = await page_actor(request)
    if who is None:
        return RedirectResponse("/login", status_code=303)
    actor, session = who
    filters = _filters(request)
    data = await run_in_threadpool(_agent_page_data, ctx, actor, filters)
    tenant_locale = data["tenants"][0]["locale"] if data["tenants"] else None
    return render(request, "agent.html", {
        "actor": actor,
        "csrf": csrf_token(ctx.settings.resolved_secret_key, session),
        "filters": filters, "outcomes": OUTCOMES, "kinds": CHANNEL_KINDS,
        "statuses": OPEN_STATUS_NAMES,
        **data,
    }, request_language(request, data["locale"], tenant_locale))


router.mount("/static", static_app, name="static")
