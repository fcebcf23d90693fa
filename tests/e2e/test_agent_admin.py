"""An admin sets a business up in the browser: a chat channel (snippet and secret to
copy), a canned response, a knowledge article, a new agent."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from app.context import AppContext
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_agent_workday import login
from tests.factories import make_world
from tests.support.live_server import live_server


def test_admin_sets_up_a_business(ctx: AppContext, page: Any) -> None:
    w = make_world(ctx, passwords=True)
    with live_server(ctx) as base:
        login(page, base, "admin@acme.test")
        page.get_by_role("link", name="Administration").click()
        page.get_by_role("link", name="Acme SARL").click()
        expect(page.get_by_role("heading", name="Acme SARL")).to_be_visible()

        form = page.locator("form").filter(has=page.get_by_role("button",
                                                                name="Create the channel"))
        form.get_by_label("Kind").select_option("chat")
        form.get_by_label("Name").fill("Chat du site")
        form.get_by_role("button", name="Create the channel").click()
        snippet = form.get_by_label("Widget snippet to paste in your site")
        expect(snippet).to_have_value(re.compile(r'<script src=".*/widget\.js" data-channel='))
        expect(form.get_by_label("Secret (for webhook signatures)")).not_to_have_value("")

        form = page.locator("form").filter(has=page.get_by_role("button",
                                                                name="Create the response"))
        form.get_by_label("Title").fill("Horaires")
        form.get_by_label("Shortcut").fill("h")
        form.get_by_label("Text").fill("Bonjour {{contact.name}}, nous ouvrons à 8 h.")
        with page.expect_navigation():
            form.get_by_role("button", name="Create the response").click()
        expect(page.locator("#canned summary")).to_contain_text("Horaires · /h")

        form = page.locator("form").filter(has=page.get_by_role("button",
                                                                name="Create the article"))
        form.get_by_label("Kind").select_option("script")
        form.get_by_label("Title").fill("Accueil au téléphone")
        form.get_by_label("Text").fill("Acme bonjour, que puis-je pour vous ?")
        with page.expect_navigation():
            form.get_by_role("button", name="Create the article").click()
        expect(page.locator("#knowledge summary")).to_contain_text("Accueil au téléphone")

        form = page.locator("form").filter(has=page.get_by_role("button",
                                                                name="Create the agent"))
        form.get_by_label("Name").fill("Ndeye")
        form.get_by_label("E-mail").fill("ndeye@acme.test")
        form.get_by_label("Password").fill("un mot de passe")
        form.get_by_label("Skills").fill("support=4")
        form.get_by_label("Skills").press("Enter")
        expect(page.locator("#agents")).to_contain_text("ndeye@acme.test")
        # A bad value is refused with the API's reason, and nothing is created.
        form = page.locator("form").filter(has=page.get_by_role("button",
                                                                name="Create the agent"))
        form.get_by_label("Name").fill("X")
        form.get_by_label("E-mail").fill("x@acme.test")
        form.get_by_label("Password").fill("un mot de passe")
        form.get_by_label("Skills").fill("support=9")
        form.get_by_role("button", name="Create the agent").click()
        expect(form.locator(".status")).to_contain_text("1 to 5")
        page.screenshot(path=str(ARTIFACTS / "admin-setup.png"), full_page=True)
    assert w.tenant == "acme"
