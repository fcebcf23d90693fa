"""More than a page of waiting work: the queue shows the first hundred, "Load more"
brings the rest, and the count stays the server's."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from app.context import AppContext
from tests.e2e.test_agent_workday import login
from tests.factories import make_world
from tests.integration.ui.test_inbox_paging import flood
from tests.support.live_server import live_server


def test_the_queue_loads_more_than_a_hundred(ctx: AppContext, page: Any) -> None:
    w = make_world(ctx, passwords=True)
    flood(ctx, w, 130)
    with live_server(ctx, workers=False) as base:
        login(page, base, "admin@acme.test")
        page.get_by_role("tab", name="Queues").click()
        queue = page.get_by_role("list", name="Waiting interactions")
        expect(queue.locator(".row")).to_have_count(100)
        expect(page.locator("#count-queue")).to_have_text("130")
        more = page.get_by_role("button", name="Load more")
        more.click()
        expect(queue.locator(".row")).to_have_count(130)
        expect(more).to_be_hidden()
        expect(page.locator("#count-queue")).to_have_text("130")
        # Focus moved to the first row of the new page.
        focused = page.evaluate("document.activeElement.closest('.row').dataset.id")
        assert focused == queue.locator(".row").nth(100).get_attribute("data-id")
        ids = queue.locator(".row").evaluate_all("rows => rows.map(r => r.dataset.id)")
        assert len(set(ids)) == 130
        # Mine has nothing more to load: the button is not offered there.
        page.get_by_role("tab", name="Mine").click()
        expect(more).to_be_hidden()
