"""An admin looks after the tenant's classifier in the browser: retrain (refused with
the reason when too few examples), see the figures, roll back, activate a version."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from app.context import AppContext
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_agent_workday import login
from tests.factories import make_world
from tests.integration.ui.test_classifier_page import labelled_examples
from tests.support.live_server import live_server


def test_admin_retrains_and_rolls_back_the_classifier(ctx: AppContext, page: Any) -> None:
    w = make_world(ctx, passwords=True)
    with live_server(ctx, workers=False) as base:
        login(page, base, "admin@acme.test")
        page.goto(f"{base}/admin/t/acme")
        page.get_by_role("link", name="Classifier").click()
        expect(page.get_by_role("heading", name="Classifier · Acme SARL")).to_be_visible()
        expect(page.locator("#active")).to_contain_text("No model yet")
        retrain = page.get_by_role("button", name="Retrain now")
        retrain.click()
        expect(page.locator("#active form .status").first).to_contain_text("at least 20")

        labelled_examples(ctx, w)
        for expected in ("1", "2"):
            page.reload()
            with page.expect_navigation():
                page.get_by_role("button", name="Retrain now").click()
            expect(page.locator("#active-version")).to_have_text(expected)
        expect(page.locator("#active")).to_contain_text("Accuracy")
        expect(page.locator("#examples-count")).to_have_text("32")
        rows = page.locator("#history tbody tr")
        expect(rows).to_have_count(2)

        page.once("dialog", lambda d: d.accept())
        with page.expect_navigation():
            page.get_by_role("button", name="Roll back to the previous version").click()
        expect(page.locator("#active-version")).to_have_text("1")
        with page.expect_navigation():
            page.get_by_role("button", name="Activate version 2").click()
        expect(page.locator("#active-version")).to_have_text("2")
        page.screenshot(path=str(ARTIFACTS / "admin-classifier.png"), full_page=True)
