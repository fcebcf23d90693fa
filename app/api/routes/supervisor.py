"""The supervisor's API: wallboard, staffing advice, reports, statements, CSAT.

Every route names a tenant by slug. A tenant the caller does not belong to is 404
(its existence does not leak); a member without the supervisor or admin role is 403.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, select

from app.access import Actor
from app.actions import csat
from app.actions.setup import tenant_by_slug
from app.api.deps import Ctx, CurrentActor
from app.context import AppContext
from app.errors import NotFound
from app.models import SkillGroup, Tenant
from app.services import metrics_csv, reports
from app.services.metrics_format import Formatter
from app.services.metrics_staffing import staffing
from app.services.metrics_time import Period, month_period, period, tenant_zone
from app.services.metrics_wallboard import wallboard
from web import i18n

router = APIRouter(prefix="/api/v1/tenants/{slug}", tags=["supervisor"])

GroupQuery = Annotated[str | None, Query(max_length=100,
                                         description="a skill group's name; all when absent")]
FromQuery = Annotated[date | None, Query(alias="from",
                                         description="first local day (default: 6 days ago)")]
ToQuery = Annotated[date | None, Query(description="last local day, included (default: today)")]
MonthQuery = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$", examples=["2026-03"],
                                         description="YYYY-MM (default: this month)")]
LangQuery = Annotated[str | None, Query(pattern="^(fr|en)$", description="fr or en")]


def supervised(s: Session, actor: Actor, slug: str, group: str | None = None
               ) -> tuple[Tenant, SkillGroup | None]:
    """The tenant (and skill group) a supervisor asks about, or 404 / 403."""
    tenant = tenant_by_slug(s, actor, slug)
    assert tenant.id is not None
    actor.require_supervisor(tenant.id)
    if group is None:
        return tenant, None
    found = s.exec(select(SkillGroup).where(SkillGroup.tenant_id == tenant.id,
                                            SkillGroup.name == group)).first()
    if found is None:
        raise NotFound(f"skill group '{group}' not found")
    return tenant, found


def report_period(ctx: AppContext, tenant: Tenant, first: date | None, last: date | None
                  ) -> Period:
    zone = tenant_zone(tenant)
    today = ctx.clock().astimezone(zone).date()
    last = last or today
    if first is None:
        first = last - timedelta(days=6) if last.toordinal() > 7 else last
    return period(first, last, zone)


def statement_period(ctx: AppContext, tenant: Tenant, month: str | None) -> Period:
    zone = tenant_zone(tenant)
    return month_period(month or ctx.clock().astimezone(zone).strftime("%Y-%m"), zone)


def _csv(body: str, name: str) -> Response:
    return Response(body.encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _lang(request: Request, lang: str | None, tenant: Tenant) -> str:
    return i18n.negotiate(lang, tenant.locale,
                          accept_language=request.headers.get("accept-language"))


@router.get("/wallboard")
def get_wallboard(slug: str, ctx: Ctx, actor: CurrentActor, group: GroupQuery = None
                  ) -> dict[str, Any]:
    """Live figures: waiting now, longest wait, today's service level against target,
    ASA, abandon rate, agents by state and occupancy, per channel and per hour."""
    with ctx.read_session() as s:
        tenant, grp = supervised(s, actor, slug, group)
        return wallboard(s, tenant, grp, ctx.clock())


@router.get("/staffing")
def get_staffing(slug: str, ctx: Ctx, actor: CurrentActor, group: GroupQuery = None,
                 hours: Annotated[int, Query(ge=1, le=12)] = 4) -> dict[str, Any]:
    """Agents needed for the service-level target in each of the next hours (Erlang C),
    against agents available now."""
    with ctx.read_session() as s:
        tenant, grp = supervised(s, actor, slug, group)
        return staffing(s, tenant, grp, ctx.clock(), hours)


@router.get("/reports")
def get_report(slug: str, ctx: Ctx, actor: CurrentActor, group: GroupQuery = None,
               first: FromQuery = None, to: ToQuery = None) -> dict[str, Any]:
    """Volume, first response and resolution times, service level, abandonment, agents
    and CSAT for a range of local days (at most 367)."""
    with ctx.read_session() as s:
        tenant, grp = supervised(s, actor, slug, group)
        return reports.period_report(s, tenant, report_period(ctx, tenant, first, to), grp)


@router.get("/reports.csv", response_class=Response)
def get_report_csv(slug: str, request: Request, ctx: Ctx, actor: CurrentActor,
                   group: GroupQuery = None, first: FromQuery = None, to: ToQuery = None,
                   lang: LangQuery = None) -> Response:
    """The same report as CSV (``;`` and decimal comma in French)."""
    with ctx.read_session() as s:
        tenant, grp = supervised(s, actor, slug, group)
        span = report_period(ctx, tenant, first, to)
        data = reports.period_report(s, tenant, span, grp)
    body = metrics_csv.report_csv(data, Formatter(_lang(request, lang, tenant)))
    return _csv(body, f"report-{tenant.slug}-{span.first}-{span.last}.csv")


@router.get("/statement")
def get_statement(slug: str, ctx: Ctx, actor: CurrentActor, month: MonthQuery = None
                  ) -> dict[str, Any]:
    """The client's monthly statement: contacts received and handled per channel,
    production hours, service level achieved against the target."""
    with ctx.read_session() as s:
        tenant, _ = supervised(s, actor, slug)
        return reports.statement(s, tenant, statement_period(ctx, tenant, month))


@router.get("/statement.csv", response_class=Response)
def get_statement_csv(slug: str, request: Request, ctx: Ctx, actor: CurrentActor,
                      month: MonthQuery = None, lang: LangQuery = None) -> Response:
    with ctx.read_session() as s:
        tenant, _ = supervised(s, actor, slug)
        data = reports.statement(s, tenant, statement_period(ctx, tenant, month))
    body = metrics_csv.statement_csv(data, Formatter(_lang(request, lang, tenant)))
    return _csv(body, f"statement-{tenant.slug}-{data['month']}.csv")


@router.get("/csat")
def get_csat(slug: str, ctx: Ctx, actor: CurrentActor, group: GroupQuery = None,
             first: FromQuery = None, to: ToQuery = None) -> dict[str, Any]:
    """Surveys sent in the period, answers, average score, per agent and skill group."""
    with ctx.read_session() as s:
        tenant, grp = supervised(s, actor, slug, group)
        report = reports.period_report(s, tenant, report_period(ctx, tenant, first, to), grp)
        return {**report["csat"], "agents": [
            {k: a[k] for k in ("id", "name", "csat_answers", "csat_average")}
            for a in report["agents"] if a["csat_answers"]]}


class CsatSettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channels: list[str] = Field(max_length=3, examples=[["chat", "email"]])
    window_hours: int = Field(default=csat.DEFAULT_WINDOW_HOURS, ge=1,
                              le=csat.MAX_WINDOW_HOURS)


@router.get("/csat-settings")
def get_csat_settings(slug: str, ctx: Ctx, actor: CurrentActor) -> dict[str, Any]:
    with ctx.read_session() as s:
        tenant, _ = supervised(s, actor, slug)
        return csat.csat_policy(tenant).as_dict()


@router.put("/csat-settings")
def put_csat_settings(slug: str, body: CsatSettingsIn, ctx: Ctx, actor: CurrentActor
                      ) -> dict[str, Any]:
    """Which channels ask for a score after resolution (chat, sms, email; none by
    default: each SMS costs money) and for how many hours an answer is accepted."""
    return csat.set_csat_policy(ctx, actor, slug, body.channels, body.window_hours).as_dict()
