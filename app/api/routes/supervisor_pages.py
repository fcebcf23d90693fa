"""The supervisor's pages: server-rendered, light, no framework, no inline script.

The wallboard refreshes its panel (an HTML fragment) when the supervisor's
``/ws/agent`` socket reports a change in the tenant, at most every 5 s, and
every 30 s for the clocks (see web/static/supervisor.js).
"""

from __future__ import annotations

import hmac
from datetime import date
from typing import Any
from urllib.parse import urlencode

from babel.dates import format_date
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import col, select
from starlette.concurrency import run_in_threadpool

from app.access import Actor
from app.actions import csat
from app.api.deps import SESSION_COOKIE
from app.api.routes.pages import _session_actor, render, request_language
from app.api.routes.supervisor import report_period, statement_period, supervised
from app.context import AppContext
from app.errors import ActionError, Forbidden, Invalid
from app.models import SkillGroup, Tenant, User
from app.security import csrf_token
from app.services import reports
from app.services.metrics_format import Formatter
from app.services.metrics_staffing import staffing
from app.services.metrics_views import daily_chart, wallboard_view
from app.services.metrics_wallboard import wallboard
from web import i18n

router = APIRouter(prefix="/supervisor", include_in_schema=False)


class Page:
    """What every supervisor page knows: who, which tenant and group, which language."""

    def __init__(self, request: Request, actor: Actor, session: str, lang: str,
                 tenants: list[Tenant], tenant: Tenant, groups: list[SkillGroup],
                 group: SkillGroup | None) -> None:
        self.request = request
        self.actor = actor
        self.lang = lang
        self.tenants = tenants
        self.tenant = tenant
        self.groups = groups
        self.group = group
        self.csrf = csrf_token(request.app.state.ctx.settings.resolved_secret_key, session)

    def query(self, **extra: Any) -> str:
        params = {"tenant": self.tenant.slug}
        if self.group is not None:
            params["group"] = self.group.name
        if self.request.query_params.get("lang") in i18n.LANGUAGES:
            params["lang"] = self.lang  # a language chosen by link stays while browsing
        params.update({k: str(v) for k, v in extra.items() if v is not None})
        return urlencode(params)

    def other_language(self) -> str:
        """This very page's query string in the other language."""
        params = dict(self.request.query_params)
        params["lang"] = "en" if self.lang == "fr" else "fr"
        return urlencode(params)

    def context(self, name: str, **values: Any) -> dict[str, Any]:
        return {"page": self, "active": name, "fmt": Formatter(self.lang), **values}


def _ctx(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


def _load(ctx: AppContext, actor: Actor, slug: str | None, group: str | None
          ) -> tuple[list[Tenant], Tenant, list[SkillGroup], SkillGroup | None, str | None]:
    with ctx.read_session() as s:
        tenants = list(s.exec(select(Tenant).where(col(Tenant.id).in_(sorted(actor.tenant_ids)))
                              .order_by(col(Tenant.name))))
        if not slug and tenants:
            slug = tenants[0].slug
        tenant, grp = supervised(s, actor, slug or "", group or None)
        groups = list(s.exec(select(SkillGroup).where(SkillGroup.tenant_id == tenant.id)
                             .order_by(col(SkillGroup.name))))
        user = s.get(User, actor.user_id)
        return tenants, tenant, groups, grp, user.locale if user else None


async def _page(request: Request) -> Page | Response:
    """The page's frame, or the answer that replaces it (login, 403, 404)."""
    ctx = _ctx(request)
    session = request.cookies.get(SESSION_COOKIE)
    actor = await run_in_threadpool(_session_actor, ctx, session)
    if actor is None or session is None:
        return RedirectResponse("/login", status_code=303)
    slug = request.query_params.get("tenant")
    group = request.query_params.get("group")
    try:
        tenants, tenant, groups, grp, locale = await run_in_threadpool(
            _load, ctx, actor, slug, group)
    except ActionError as exc:
        lang = request_language(request)
        return render(request, "supervisor/error.html",
                      {"status": exc.status, "detail": exc.detail, "fmt": Formatter(lang)},
                      lang, status_code=exc.status)
    lang = request_language(request, locale, tenant.locale)
    return Page(request, actor, session, lang, tenants, tenant, groups, grp)


def _show(page: Page, name: str, template: str, **values: Any) -> Response:
    return render(page.request, template, page.context(name, **values), page.lang)


def _error(page: Page, exc: ActionError) -> Response:
    return render(page.request, "supervisor/error.html",
                  page.context("error", status=exc.status, detail=exc.detail), page.lang,
                  status_code=exc.status)


def _board(ctx: AppContext, page: Page) -> dict[str, Any]:
    with ctx.read_session() as s:
        data = wallboard(s, page.tenant, page.group, ctx.clock())
    return wallboard_view(data, Formatter(page.lang))


@router.get("", response_class=HTMLResponse)
async def wallboard_page(request: Request) -> Response:
    page = await _page(request)
    if not isinstance(page, Page):
        return page
    board = await run_in_threadpool(_board, _ctx(request), page)
    return _show(page, "wallboard", "supervisor/wallboard.html", board=board)


@router.get("/wallboard-panel", response_class=HTMLResponse)
async def wallboard_panel(request: Request) -> Response:
    """The wallboard's figures alone, fetched again by the page when something moved."""
    page = await _page(request)
    if not isinstance(page, Page):
        return page
    board = await run_in_threadpool(_board, _ctx(request), page)
    response = _show(page, "wallboard", "supervisor/_wallboard.html", board=board)
    response.headers["Cache-Control"] = "no-store"
    return response


def _staffing(ctx: AppContext, page: Page, hours: int) -> dict[str, Any]:
    with ctx.read_session() as s:
        return staffing(s, page.tenant, page.group, ctx.clock(), hours)


@router.get("/staffing", response_class=HTMLResponse)
async def staffing_page(request: Request) -> Response:
    page = await _page(request)
    if not isinstance(page, Page):
        return page
    advice = await run_in_threadpool(_staffing, _ctx(request), page, 6)
    return _show(page, "staffing", "supervisor/staffing.html", advice=advice)


def _dates(request: Request) -> tuple[date | None, date | None]:
    def parse(name: str) -> date | None:
        raw = request.query_params.get(name)
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise Invalid(f"'{name}' must be a date like 2026-03-31") from None
    return parse("from"), parse("to")


def _report(ctx: AppContext, page: Page, request: Request) -> dict[str, Any]:
    first, last = _dates(request)
    span = report_period(ctx, page.tenant, first, last)
    with ctx.read_session() as s:
        return reports.period_report(s, page.tenant, span, page.group)


@router.get("/reports", response_class=HTMLResponse)
async def reports_page(request: Request) -> Response:
    page = await _page(request)
    if not isinstance(page, Page):
        return page
    try:
        report = await run_in_threadpool(_report, _ctx(request), page, request)
    except ActionError as exc:
        return _error(page, exc)
    return _show(page, "reports", "supervisor/reports.html", report=report,
                 daily=daily_chart(report["daily"], Formatter(page.lang)))


def _statement(ctx: AppContext, page: Page, month: str | None) -> dict[str, Any]:
    span = statement_period(ctx, page.tenant, month)
    with ctx.read_session() as s:
        return reports.statement(s, page.tenant, span)


@router.get("/statement", response_class=HTMLResponse)
async def statement_page(request: Request) -> Response:
    page = await _page(request)
    if not isinstance(page, Page):
        return page
    try:
        data = await run_in_threadpool(_statement, _ctx(request), page,
                                       request.query_params.get("month") or None)
    except ActionError as exc:
        return _error(page, exc)
    first = date.fromisoformat(data["from"])
    month_name = format_date(first, "LLLL yyyy", locale=Formatter(page.lang).locale)
    return _show(page, "statement", "supervisor/statement.html", statement=data,
                 month_name=month_name)


@router.get("/csat", response_class=HTMLResponse)
async def csat_page(request: Request, saved: str | None = None) -> Response:
    page = await _page(request)
    if not isinstance(page, Page):
        return page
    try:
        report = await run_in_threadpool(_report, _ctx(request), page, request)
    except ActionError as exc:
        return _error(page, exc)
    return _show(page, "csat", "supervisor/csat.html", report=report,
                 policy=csat.csat_policy(page.tenant), saved=bool(saved))


@router.post("/csat")
async def csat_settings_submit(
    request: Request, csrf: str = Form(""), window_hours: int = Form(csat.DEFAULT_WINDOW_HOURS),
    chat: str | None = Form(None), sms: str | None = Form(None), email: str | None = Form(None),
) -> Response:
    page = await _page(request)
    if not isinstance(page, Page):
        return page
    if not hmac.compare_digest(csrf, page.csrf):
        return _error(page, Forbidden("missing or wrong CSRF token"))
    channels = [k for k, v in (("chat", chat), ("sms", sms), ("email", email)) if v]
    try:
        await run_in_threadpool(csat.set_csat_policy, _ctx(request), page.actor,
                                page.tenant.slug, channels, window_hours)
    except ActionError as exc:
        return _error(page, exc)
    return RedirectResponse(f"/supervisor/csat?{page.query(saved=1)}", status_code=303)
