"""A working day in Chromium: an SMS arrives live, the agent replies with a canned
response, notes, transfers it to a colleague (who sees the note and the reason) and
the colleague resolves it. Tenant A's agent never sees tenant B's customers."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import expect

from app import actions
from app.context import AppContext
from tests.e2e.conftest import ARTIFACTS
from tests.factories import PASSWORD, make_world, signed_sms
from tests.support.http_gateway import recording_gateway
from tests.support.live_server import live_server


def login(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/login?lang=en")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/agent$"))
    expect(page.locator("#live")).to_have_text("live")


def post_sms(base: str, key: str, secret: str, msg_id: str, sender: str, text: str) -> None:
    body, headers = signed_sms(secret, {"id": msg_id, "from": sender, "text": text})
    # Generous timeout: the first SMS loads the spam model, slow on a loaded CI machine.
    assert httpx.post(f"{base}/webhooks/sms/{key}", content=body, headers=headers,
                      timeout=30).status_code == 200


def test_sms_reply_canned_note_transfer_resolve(ctx: AppContext, page: Any, browser: Any
                                                ) -> None:
    with recording_gateway() as gateway:
        w = make_world(ctx, passwords=True, agents={"awa": {"ventes": 3},
                                                    "moussa": {"ventes": 2, "support": 4}},
                       channel_config={"provider": "generic", "send_url": gateway.url})
        actions.create_canned(ctx, w.admin, w.tenant, title="Prix du riz", shortcut="riz",
                              body="Bonjour {{contact.name}}, le sac est à 15 000 F. "
                                   "{{agent.name}}")
        with live_server(ctx) as base:
            login(page, base, "awa@acme.test")
            with page.expect_response(re.compile(r"/agents/me/presence$")):
                page.get_by_label("Presence").select_option("available")
            post_sms(base, w.channel.key, w.channel.secret, "w1", "+221771234567",
                     "Bonjour, le prix du riz ?")
            mine = page.get_by_role("list", name="My interactions")
            row = mine.locator(".row").filter(has_text="+221771234567")
            expect(row).to_be_visible()  # live, no reload
            expect(page.locator("#count-mine")).to_have_text("1")
            iid = row.get_attribute("data-id")
            row.click()
            expect(page.locator("#messages")).to_contain_text("le prix du riz")
            # The classifier's suggestion is offered, never sent by itself.
            expect(page.get_by_role("button", name="Suggested: Prix du riz")).to_be_visible()
            page.get_by_label("Name", exact=True).fill("Fatou")
            page.get_by_role("button", name="Save the contact").click()
            expect(page.locator("#card-status")).to_have_text("Saved.")
            page.get_by_label("Canned responses").first.fill("riz")
            page.get_by_role("button", name=re.compile("^Prix du riz")).click()
            expect(page.get_by_label("Reply")).to_have_value(
                "Bonjour Fatou, le sac est à 15 000 F. Awa")
            expect(page.locator("#sms-count")).to_contain_text("1 SMS (GSM-7)")
            page.get_by_role("button", name="Send").click()
            expect(page.locator("#messages .msg.out .ds")).to_have_text(" sent")

            page.get_by_role("button", name="Internal note").click()
            page.get_by_label("Note", exact=True).fill("Cliente fidèle, livrer à Pikine")
            page.get_by_role("button", name="Add the note").click()
            expect(page.locator("#messages .msg.note")).to_contain_text("livrer à Pikine")

            # Moussa opens the same conversation: Awa is warned.
            other = browser.new_context(viewport={"width": 1100, "height": 800})
            colleague = other.new_page()
            login(colleague, base, "moussa@acme.test")
            colleague.get_by_label("Presence").select_option("available")
            colleague.get_by_role("tab", name=re.compile("Queues|All")).first.click()
            colleague.goto(f"{base}/agent#i={iid}")
            expect(colleague.locator("#messages")).to_contain_text("le prix du riz")
            expect(page.locator("#collision")).to_contain_text("Moussa")
            expect(colleague.locator("#collision")).to_contain_text("Awa")
            page.screenshot(path=str(ARTIFACTS / "agent-collision.png"), full_page=True)

            page.get_by_role("button", name="Transfer", exact=True).click()
            dialog = page.get_by_role("dialog", name="Transfer")
            dialog.get_by_label("To the agent").select_option(label="Moussa")
            dialog.get_by_label("Reason").fill("Il connaît ce client")
            dialog.get_by_role("button", name="Transfer now").click()
            expect(dialog).to_be_hidden()
            expect(mine.locator(".row")).to_have_count(0)

            colleague.get_by_role("tab", name=re.compile("^Mine")).click()
            their_mine = colleague.get_by_role("list", name="My interactions")
            expect(their_mine.locator(".row")).to_have_count(1)
            colleague.reload()
            expect(colleague.locator("#messages .msg.note")).to_contain_text("Pikine")
            expect(colleague.locator("#messages")).to_contain_text("Il connaît ce client")
            colleague.get_by_label("Outcome", exact=True).select_option("sale")
            colleague.get_by_role("button", name="Resolve").click()
            expect(their_mine.locator(".row")).to_have_count(0)
            colleague.screenshot(path=str(ARTIFACTS / "agent-resolved.png"), full_page=True)
            other.close()
        # Only the reply went out: the note and the suggestion never left.
        assert [e["body"]["text"] for e in gateway.accepted] == [
            "Bonjour Fatou, le sac est à 15 000 F. Awa"]


def test_an_agent_of_tenant_a_never_sees_tenant_b(ctx: AppContext, page: Any) -> None:
    a = make_world(ctx, "acme", passwords=True)
    b = make_world(ctx, "globex", agents={"binta": {"ventes": 3}})
    with live_server(ctx) as base:
        login(page, base, "awa@acme.test")
        page.get_by_role("tab", name=re.compile("Queues")).click()
        post_sms(base, b.channel.key, b.channel.secret, "b1", "+221779999999", "acheter Globex")
        post_sms(base, a.channel.key, a.channel.secret, "a1", "+221771234567", "acheter Acme")
        queue = page.get_by_role("list", name="Waiting interactions")
        # Events arrive in order: once A's is here, B's would have been too.
        expect(queue.locator(".row").filter(has_text="+221771234567")).to_be_visible()
        expect(page.locator("body")).not_to_contain_text("+221779999999")
        page.reload()
        page.get_by_role("tab", name=re.compile("Queues")).click()
        expect(queue.locator(".row")).to_have_count(1)
        expect(page.locator("body")).not_to_contain_text("Globex")
