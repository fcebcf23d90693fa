"""A supervisor in Chromium: the wallboard moves live when an SMS arrives and is
answered; a client's monthly statement renders and prints; the pages hold at 360 px,
name every control, and weigh little. Screenshots land in test-artifacts/."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import expect

from app import actions
from app.context import AppContext
from app.db import utcnow
from tests.e2e.conftest import ARTIFACTS
from tests.factories import PASSWORD, bearer, make_world, signed_sms
from tests.integration.supervisor.scenario import play
from tests.support.http_gateway import recording_gateway
from tests.support.live_server import live_server

LIVE_TIMEOUT_MS = 20_000  # the page refetches at most every 5 s after an event
FIRST_LOAD_BUDGET = 150 * 1024


def _log_in(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/login?lang=en")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/agent$"))


def _unnamed_controls(page: Any) -> list[str]:
    return list(page.evaluate("""() => Array.from(document.querySelectorAll(
        'input:not([type=hidden]), select, textarea, button, a[href]')).filter(el => {
          const named = (el.labels && el.labels.length) || el.getAttribute('aria-label')
            || (el.textContent || '').trim();
          return !named;
        }).map(el => el.outerHTML.slice(0, 80))"""))


def _overflows(page: Any) -> bool:
    return bool(page.evaluate(
        "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"))


def test_wallboard_moves_when_an_sms_arrives_and_is_answered(ctx: AppContext, page: Any
                                                              ) -> None:
    with recording_gateway() as gateway:
        w = make_world(ctx, passwords=True, channel_config={
            "provider": "generic", "send_url": gateway.url, "sender": "21000"})
        actions.create_user(ctx, None, email="sofia@acme.test", name="Sofia",
                            role="supervisor", password=PASSWORD, tenants=["acme"])
        sent: list[int] = []
        page.on("response", lambda r: sent.append(len(r.body())) if r.ok else None)
        with live_server(ctx) as base:
            _log_in(page, base, "sofia@acme.test")
            sent.clear()
            page.goto(f"{base}/supervisor?tenant=acme&lang=en")
            expect(page.locator("#live")).to_have_text("live", timeout=LIVE_TIMEOUT_MS)
            first_load = sum(sent)
            waiting = page.locator("[data-figure=waiting]").first
            sms_row = page.locator("tr[data-channel=sms]")
            expect(waiting).to_have_text("0")
            expect(page.locator("[data-figure=service-level]").first).to_have_text("—")

            body, headers = signed_sms(w.channel.secret, {
                "id": "wb-1", "from": "+221771234567", "text": "Le prix du riz ?"})
            assert httpx.post(f"{base}/webhooks/sms/{w.channel.key}", content=body,
                              headers=headers, timeout=30).status_code == 200
            expect(waiting).to_have_text("1", timeout=LIVE_TIMEOUT_MS)
            expect(sms_row.locator("[data-figure=offered]")).to_have_text("1")
            page.screenshot(path=str(ARTIFACTS / "wallboard-waiting.png"), full_page=True)

            awa = bearer(w.tokens["awa"])
            r = httpx.put(f"{base}/api/v1/agents/me/presence", json={"state": "available"},
                          headers=awa)
            assert r.status_code == 200
            expect(waiting).to_have_text("0", timeout=LIVE_TIMEOUT_MS)
            expect(page.locator("[data-figure=agents-busy]")).to_have_text("1",
                                                                           timeout=LIVE_TIMEOUT_MS)
            interaction = httpx.get(f"{base}/api/v1/interactions?tenant=acme",
                                    headers=awa).json()["items"][0]
            r = httpx.post(f"{base}/api/v1/interactions/{interaction['id']}/replies",
                           json={"text": "15 000 F CFA le sac."}, headers=awa)
            assert r.status_code == 202
            expect(sms_row.locator("[data-figure=service-level]")).to_have_text(
                "100%", timeout=LIVE_TIMEOUT_MS)
            expect(page.locator("#t-level .big")).to_have_text("100%")
            assert _unnamed_controls(page) == []
        assert first_load <= FIRST_LOAD_BUDGET, first_load
        print(f"wallboard first load: {first_load} bytes (uncompressed)")


def test_statement_renders_prints_and_fits_a_phone(ctx: AppContext, page: Any) -> None:
    sc = play(ctx)
    ctx.clock = utcnow  # the browser's session lives in real time
    actions.create_user(ctx, None, email="moussa.sup@acme.test", name="Mame",
                        role="supervisor", password=PASSWORD, tenants=["acme"])
    make_world(ctx, "beta")
    with live_server(ctx) as base:
        _log_in(page, base, "moussa.sup@acme.test")
        page.goto(f"{base}/supervisor/statement?tenant=acme&month=2026-03&lang=fr")
        expect(page.get_by_role("heading", name="Relevé mensuel")).to_be_visible()
        expect(page.locator(".client")).to_contain_text("Acme SARL")
        expect(page.locator(".client")).to_contain_text("mars 2026")
        total = page.locator("tr[data-channel=all]")
        expect(total.locator("[data-figure=received]")).to_have_text("9")
        expect(total.locator("[data-figure=handled]")).to_have_text("5")
        expect(total.locator("[data-figure=hours]")).to_have_text("0,60 h")
        expect(page.get_by_role("button", name="Imprimer")).to_be_visible()
        assert _unnamed_controls(page) == []
        page.emulate_media(media="print")
        expect(page.locator(".sup-top")).to_be_hidden()
        expect(page.get_by_role("button", name="Imprimer")).to_be_hidden()
        expect(page.locator(".statement-table")).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "statement-print.png"), full_page=True)
        pdf = page.pdf(format="A4")
        assert pdf.startswith(b"%PDF") and len(pdf) > 5000
        (ARTIFACTS / "statement.pdf").write_bytes(pdf)
        page.emulate_media(media="screen")

        page.set_viewport_size({"width": 360, "height": 740})
        for path in ("/supervisor", "/supervisor/statement", "/supervisor/reports",
                     "/supervisor/staffing", "/supervisor/csat"):
            page.goto(f"{base}{path}?tenant=acme&month=2026-03&from=2026-03-02&to=2026-03-02")
            assert not _overflows(page), path
            assert _unnamed_controls(page) == [], path
        page.goto(f"{base}/supervisor/reports?tenant=acme&from=2026-03-02&to=2026-03-02&lang=en")
        expect(page.locator("tr[data-channel=sms] [data-figure=service-level]")).to_have_text(
            "67%")
        page.screenshot(path=str(ARTIFACTS / "reports-360px.png"), full_page=True)
        # Another client's pages do not exist for this supervisor.
        page.goto(f"{base}/supervisor?tenant=beta&lang=en")
        expect(page.get_by_role("heading", name="Not found")).to_be_visible()
        assert "Beta" not in page.content()
    assert sc.ids["I1"]
