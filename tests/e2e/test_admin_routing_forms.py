"""An admin sets overflow and business hours with forms; an impossible rule is refused
with the reason shown next to the field at fault, and nothing is saved."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect
from sqlmodel import select

from app.context import AppContext
from app.models import SkillGroup, Tenant
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_agent_workday import login
from tests.factories import make_world
from tests.support.live_server import live_server


def test_admin_edits_overflow_and_hours_with_forms(ctx: AppContext, page: Any) -> None:
    make_world(ctx, passwords=True)
    with ctx.read_session() as s:
        ids = {g.name: g.id for g in s.exec(select(SkillGroup))}
    with live_server(ctx, workers=False) as base:
        login(page, base, "admin@acme.test")
        page.goto(f"{base}/admin/t/acme?lang=en")
        ventes = page.locator(f"#group-{ids['ventes']} form")
        ventes.get_by_label("Overflow to the group").select_option(label="support")
        ventes.get_by_label("or when the oldest has waited (seconds)").fill("120")
        ventes.get_by_label("Offer to").select_option("round_robin")
        with page.expect_navigation():
            ventes.get_by_role("button", name="Save ventes").click()

        support = page.locator(f"#group-{ids['support']} form")
        target = support.get_by_label("Overflow to the group")
        target.select_option(label="ventes")
        support.get_by_label("when this many are waiting").fill("5")
        support.get_by_role("button", name="Save support").click()
        error = support.locator(".field-error")
        expect(error).to_contain_text("loop")
        expect(target).to_have_attribute("aria-invalid", "true")
        expect(target).to_have_attribute("aria-describedby", error.get_attribute("id") or "")

        rules = page.locator("#rules form")
        rules.get_by_label("Time zone").fill("Africa/Dakar")
        rules.get_by_label("Monday").fill("08:00-13:00, 15:00-18:00")
        rules.get_by_label("Tuesday").fill("08:00-25:00")
        rules.get_by_role("button", name="Save the rules").click()
        tuesday_error = rules.locator("#rules-day-tue-error")
        expect(tuesday_error).to_contain_text("does not exist")
        expect(rules.get_by_label("Tuesday")).to_have_attribute("aria-invalid", "true")
        page.screenshot(path=str(ARTIFACTS / "admin-routing-error.png"), full_page=True)
        rules.get_by_label("Tuesday").fill("08:00-18:00")
        with page.expect_navigation():
            rules.get_by_role("button", name="Save the rules").click()
        expect(page.locator("#rules-day-mon")).to_have_value("08:00-13:00, 15:00-18:00")

    with ctx.read_session() as s:
        groups = {g.name: g for g in s.exec(select(SkillGroup))}
        tenant = s.exec(select(Tenant)).one()
    assert groups["ventes"].routing["overflow"] == {
        "target_group": groups["support"].id, "max_oldest_wait_seconds": 120}
    assert groups["ventes"].routing["strategy"] == "round_robin"
    assert "overflow" not in (groups["support"].routing or {})
    stored = tenant.settings["routing"]
    assert stored["hours"]["weekly"]["mon"] == ["08:00-13:00", "15:00-18:00"]
    assert stored["hours"]["weekly"]["tue"] == ["08:00-18:00"]
    assert "wed" not in stored["hours"]["weekly"]
    assert stored["sla"]["sms"] == {"share": 0.8, "seconds": 900}
