"""An agent logs in, sees an SMS arrive live, replies and resolves, in Chromium."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import expect

from app.context import AppContext
from tests.factories import PASSWORD, make_world, signed_sms
from tests.support.http_gateway import recording_gateway
from tests.support.live_server import live_server


def test_agent_works_an_sms_end_to_end(ctx: AppContext, page: Any) -> None:
    with recording_gateway() as gateway:
        w = make_world(ctx, passwords=True, channel_config={
            "provider": "generic", "send_url": gateway.url, "sender": "21000"})
        with live_server(ctx) as base:
            page.goto(f"{base}/agent")
            expect(page).to_have_url(re.compile(r"/login$"))
            # The tenant speaks French; this agent picks English once, and it sticks.
            page.get_by_role("link", name="English").click()
            page.get_by_label("E-mail").fill("awa@acme.test")
            page.get_by_label("Password").fill("wrong password")
            page.get_by_role("button", name="Log in").click()
            expect(page.get_by_role("alert")).to_contain_text("Wrong e-mail or password")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            expect(page).to_have_url(re.compile(r"/agent$"))
            expect(page.locator("#live")).to_have_text("live")
            with page.expect_response(re.compile(r"/agents/me/presence$")) as answer:
                page.get_by_label("Presence").select_option("available")
            assert answer.value.ok
            body, headers = signed_sms(w.channel.secret, {
                "id": "e2e-1", "from": "+221771234567",
                "text": "<b>Bonjour</b>, le prix du riz ?"})
            r = httpx.post(f"{base}/webhooks/sms/{w.channel.key}", content=body,
                           headers=headers, timeout=30)
            assert r.status_code == 200
            mine = page.get_by_role("list", name="My interactions")
            row = mine.locator(".row").filter(has_text="+221771234567")
            expect(row).to_be_visible()
            expect(page.locator("#count-mine")).to_have_text("1")
            row.click()
            messages = page.locator("#messages")
            # Customer text is shown as text, never parsed as HTML.
            expect(messages).to_contain_text("<b>Bonjour</b>, le prix du riz ?")
            assert page.locator("#messages b").count() == 0
            page.get_by_label("Reply").fill("Le sac est à 15 000 F CFA.")
            page.get_by_role("button", name="Send").click()
            expect(messages.locator(".msg.out")).to_contain_text("15 000 F CFA")
            expect(messages.locator(".msg.out .ds")).to_have_text(" sent")
            page.get_by_role("button", name="Resolve").click()
            expect(mine.locator(".row")).to_have_count(0)
        assert [e["body"]["text"] for e in gateway.accepted] == ["Le sac est à 15 000 F CFA."]
