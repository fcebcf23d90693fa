"""The main flow with the keyboard only: log in, open the new conversation, answer,
note, get help, resolve — no mouse."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from app import actions
from app.context import AppContext
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_agent_workday import post_sms
from tests.factories import PASSWORD, make_world
from tests.support.live_server import live_server


def test_keyboard_only_main_flow(ctx: AppContext, page: Any) -> None:
    w = make_world(ctx, passwords=True)
    actions.create_canned(ctx, w.admin, w.tenant, title="Horaires", shortcut="h",
                          body="Nous sommes ouverts de 8 h à 18 h.")
    with live_server(ctx) as base:
        actions.set_presence(ctx, w.agents["awa"], "available")
        page.goto(f"{base}/login?lang=en")
        kb = page.keyboard
        # The e-mail field has the focus on arrival (wait for it: on a loaded machine
        # the first keystrokes could otherwise land before the page is ready).
        expect(page.get_by_label("E-mail")).to_be_focused()
        kb.type("awa@acme.test")
        kb.press("Tab")
        kb.type(PASSWORD)
        kb.press("Enter")
        expect(page).to_have_url(re.compile(r"/agent$"))
        expect(page.locator("#live")).to_have_text("live")
        post_sms(base, w.channel.key, w.channel.secret, "k1", "+221771234567",
                 "Pour acheter, vous ouvrez à quelle heure ?")
        expect(page.locator("#list-mine .row")).to_have_count(1)
        kb.press("1")
        kb.press("j")
        expect(page.locator("#list-mine .row .open").first).to_be_focused()
        kb.press("Enter")
        expect(page.locator("#messages")).to_contain_text("quelle heure")
        # The business's canned responses are listed (the shortcut needs them).
        expect(page.locator("#canned-list button")).to_have_count(1)
        kb.press("r")
        expect(page.get_by_label("Reply")).to_be_focused()
        kb.type("/h")
        kb.press("Tab")  # the shortcut expands into the canned response
        expect(page.get_by_label("Reply")).to_have_value("Nous sommes ouverts de 8 h à 18 h.")
        kb.press("Control+Enter")
        expect(page.locator("#messages .msg.out")).to_contain_text("ouverts de 8 h")
        kb.press("Escape")  # leave the text box
        kb.press("n")
        expect(page.get_by_label("Note", exact=True)).to_be_focused()
        kb.type("A rappeler demain")
        kb.press("Control+Enter")
        expect(page.locator("#messages .msg.note")).to_contain_text("rappeler demain")
        kb.press("Escape")
        kb.press("?")
        help_dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
        expect(help_dialog).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "agent-shortcuts.png"))
        kb.press("Escape")
        expect(help_dialog).to_be_hidden()
        kb.press("e")
        expect(page.get_by_label("Outcome", exact=True)).to_be_focused()
        kb.press("Tab")
        expect(page.get_by_role("button", name="Resolve")).to_be_focused()
        kb.press("Enter")
        expect(page.locator("#list-mine .row")).to_have_count(0)
        expect(page.locator("#conv-meta")).to_contain_text("Resolved")
