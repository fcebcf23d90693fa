"""The agent's pages: server-rendered, light, live through ``/ws/agent``."""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import or_
from sqlmodel import col, select
from starlette.concurrency import run_in_threadpool

import web
from app import actions
from app.access import Actor, load_actor
from app.actions.users import user_for_token
from app.api.deps import SESSION_COOKIE
from app.context import AppContext
from app.errors import TooManyRequests, Unauthorized
from app.models import AgentState, Interaction, User
from app.models.interactions import OPEN_STATUSES
from app.security import csrf_token
from app.serializers import interaction_dicts
from web import i18n

WEB_DIR = Path(web.__file__).parent
templates = Jinja2Templates(directory=WEB_DIR / "templates")


def render(request: Request, name: str, context: dict[str, Any], lang: str,
           status_code: int = 200) -> Response:
    """A page in the reader's language: templates call ``_("English text")``.

    The translation function travels in the context, not in the shared Jinja
    environment, so concurrent requests in different languages never mix.
    """
    def _(text: str) -> str:
        return i18n.gettext(lang, text)

    return templates.TemplateResponse(request, name, {**context, "lang": lang, "_": _},
                                      status_code=status_code)


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


def _inbox(ctx: AppContext, actor: Actor) -> dict[str, Any]:
    with ctx.read_session() as s:
        state = s.get(AgentState, actor.user_id)
        base = select(Interaction).where(
            col(Interaction.tenant_id).in_(sorted(actor.tenant_ids)),
            col(Interaction.status).in_(OPEN_STATUSES),
        )
        mine = s.exec(base.where(Interaction.assignee_id == actor.user_id)
                      .order_by(col(Interaction.updated_at).desc()).limit(100)).all()
        queue_q = base.where(Interaction.status == "queued")
        if not actor.is_supervisor:
            queue_q = queue_q.where(or_(
                col(Interaction.skill_group_id).in_(sorted(actor.skill_group_ids)),
                col(Interaction.skill_group_id).is_(None)))
        queue = s.exec(queue_q.order_by(col(Interaction.priority).desc(),
                                        col(Interaction.queued_at)).limit(100)).all()
        user = s.get(User, actor.user_id)
        return {
            "locale": user.locale if user else None,
            "presence": state.presence if state else "offline",
            "mine": interaction_dicts(s, mine),
            "queue": interaction_dicts(s, queue),
        }


@router.get("/agent", response_class=HTMLResponse)
async def agent_page(request: Request) -> Response:
    ctx = _ctx(request)
    session = request.cookies.get(SESSION_COOKIE)
    actor = await run_in_threadpool(_session_actor, ctx, session)
    if actor is None or session is None:
        return RedirectResponse("/login", status_code=303)
    inbox = await run_in_threadpool(_inbox, ctx, actor)
    return render(request, "agent.html", {
        "actor": actor,
        "csrf": csrf_token(ctx.settings.resolved_secret_key, session),
        **inbox,
    }, request_language(request, inbox["locale"]))


router.mount("/static", static_app, name="static")
