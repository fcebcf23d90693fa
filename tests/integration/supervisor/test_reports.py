"""Report, statement and CSAT figures against the hand-computed scenario, on SQLite
and PostgreSQL alike."""

from __future__ import annotations

from datetime import date

import pytest

from app import actions
from app.context import AppContext
from app.models import Tenant
from app.services import reports
from app.services.metrics_time import month_period, period, tenant_zone
from channels.types import Identity, InboundMessage
from tests.factories import make_world
from tests.integration.supervisor.scenario import DAY, EXPECTED, Clock, play


def _tenant(ctx: AppContext, slug: str) -> Tenant:
    with ctx.read_session() as s:
        from sqlmodel import select

        return s.exec(select(Tenant).where(Tenant.slug == slug)).one()


def test_report_figures_are_the_hand_computed_ones(ctx: AppContext) -> None:
    play(ctx)
    tenant = _tenant(ctx, "acme")
    with ctx.read_session() as s:
        report = reports.period_report(s, tenant, period(date(2026, 3, 2), date(2026, 3, 2),
                                                         tenant_zone(tenant)))
    for kind, figures in EXPECTED.items():
        for name, value in figures.items():
            assert report["channels"][kind][name] == pytest.approx(value), (kind, name)
    assert report["channels"]["email"]["offered"] == 0
    assert report["channels"]["email"]["service_level"] is None
    assert report["channels"]["sms"]["target"] == {"share": 0.8, "seconds": 900.0}
    assert report["channels"]["sms"]["met"] is False
    assert report["daily"] == [{"day": "2026-03-02", "offered": 8}]
    agents = {a["name"]: a for a in report["agents"]}
    assert agents["Awa"]["handled"] == 4
    assert agents["Awa"]["handling_seconds"] == pytest.approx(1920.0)
    assert agents["Awa"]["aht_seconds"] == pytest.approx(480.0)
    assert agents["Awa"]["csat_average"] == pytest.approx(4.5)
    assert agents["Moussa"]["handled"] == 1
    assert agents["Moussa"]["aht_seconds"] == pytest.approx(240.0)
    assert agents["Moussa"]["csat_average"] == pytest.approx(2.0)
    assert [a["name"] for a in report["agents"]] == ["Awa", "Moussa"]


def test_csat_results_per_agent_and_group(ctx: AppContext) -> None:
    play(ctx)
    tenant = _tenant(ctx, "acme")
    with ctx.read_session() as s:
        c = reports.csat_summary(s, tenant.id or 0, period(DAY.date(), DAY.date(),
                                                           tenant_zone(tenant)))
    assert c["sent"] == 5 and c["answered"] == 3
    assert c["response_rate"] == pytest.approx(0.6)
    assert c["average"] == pytest.approx(11 / 3)
    assert c["satisfied_share"] == pytest.approx(2 / 3)
    assert c["distribution"] == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 1}
    assert {g["name"]: (g["answers"], g["average"]) for g in c["groups"]} == {
        "ventes": (2, 4.5), "support": (1, 2.0)}


def test_report_of_one_skill_group(ctx: AppContext) -> None:
    play(ctx)
    tenant = _tenant(ctx, "acme")
    with ctx.read_session() as s:
        from sqlmodel import select

        from app.models import SkillGroup

        support = s.exec(select(SkillGroup).where(SkillGroup.name == "support")).one()
        report = reports.period_report(s, tenant, period(DAY.date(), DAY.date(),
                                                         tenant_zone(tenant)), support)
    assert report["channels"]["all"]["offered"] == 1
    assert report["channels"]["sms"]["service_level"] == 1.0
    assert [a["name"] for a in report["agents"]] == ["Moussa"]
    assert report["csat"]["answered"] == 1


def test_monthly_statement(ctx: AppContext) -> None:
    play(ctx)
    tenant = _tenant(ctx, "acme")
    with ctx.read_session() as s:
        st = reports.statement(s, tenant, month_period("2026-03", tenant_zone(tenant)))
        february = reports.statement(s, tenant, month_period("2026-02", tenant_zone(tenant)))
    rows = {r["channel"]: r for r in st["rows"]}
    assert (st["from"], st["to"]) == ("2026-03-01", "2026-03-31")
    assert rows["sms"]["received"] == 5  # the 3rd's SMS too
    assert rows["chat"]["received"] == 4
    assert rows["all"]["handled"] == 5
    assert rows["all"]["production_hours"] == pytest.approx(0.6)
    assert rows["sms"]["production_hours"] == pytest.approx(1260 / 3600)
    assert rows["sms"]["service_level"] == pytest.approx(2 / 3)
    assert rows["sms"]["met"] is False
    assert rows["chat"]["abandoned"] == 2
    assert rows["email"]["service_level"] is None and rows["email"]["met"] is None
    assert all(r["received"] == 0 for r in february["rows"])


def test_days_are_cut_in_the_tenant_time_zone(ctx: AppContext) -> None:
    """22:30 UTC on the 2nd is 01:30 on the 3rd in Nairobi (UTC+3)."""
    clock = Clock(DAY.replace(hour=8))
    ctx.clock = clock
    w = make_world(ctx, "acme")
    actions.create_tenant(ctx, w.admin, "nairobi", "Nairobi Ltd", timezone="Africa/Nairobi")
    from tests.factories import actor_for

    admin = actor_for(ctx, w.admin.email)
    channel = actions.create_channel(ctx, admin, "nairobi", "sms", "SMS", {"provider": "generic"})
    assert channel.id is not None
    for hour, pid in ((20, "n1"), (22, "n2")):
        clock.at(hour, 30)
        actions.ingest(ctx, InboundMessage(channel_id=channel.id,
                                           sender=Identity("phone", f"+25470000000{hour}"),
                                           text="hello", provider_id=pid))
    tenant = _tenant(ctx, "nairobi")
    zone = tenant_zone(tenant)
    with ctx.read_session() as s:
        second = reports.period_report(s, tenant, period(date(2026, 3, 2), date(2026, 3, 2),
                                                         zone))
        third = reports.period_report(s, tenant, period(date(2026, 3, 3), date(2026, 3, 3),
                                                        zone))
        both = reports.period_report(s, tenant, period(date(2026, 3, 2), date(2026, 3, 3),
                                                       zone))
    assert second["channels"]["all"]["offered"] == 1  # 23:30 local on the 2nd
    assert third["channels"]["all"]["offered"] == 1  # 01:30 local on the 3rd
    assert both["daily"] == [{"day": "2026-03-02", "offered": 1},
                             {"day": "2026-03-03", "offered": 1}]
