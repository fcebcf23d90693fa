"""The agent's lists stay in step with the server when a list is fetched while events
arrive: an answer computed before an event must not undo that event."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from app import actions
from app.context import AppContext
from channels.types import Identity, InboundMessage
from tests.e2e.test_widget import agent_login, available
from tests.factories import make_world
from tests.support.live_server import live_server


def test_a_list_answer_older_than_an_event_does_not_bring_the_row_back(
        ctx: AppContext, browser: Any) -> None:
    w = make_world(ctx, passwords=True)
    assert w.channel.id is not None
    with live_server(ctx) as base:
        page = agent_login(browser, base, "awa@acme.test")
        available(page)
        taken = actions.ingest(ctx, InboundMessage(
            channel_id=w.channel.id, sender=Identity("phone", "+221771234567"),
            text="le prix du riz ?", provider_id="sync-1", meta={"provider": "generic"}))
        assert taken.assignee_id == w.agents["awa"].user_id
        mine = page.get_by_role("list", name="My interactions")
        expect(mine.locator(".row")).to_have_count(1)

        held: list[Any] = []

        def hold(route: Any) -> None:
            if "view=mine" not in route.request.url or held:
                route.continue_()
                return
            held.append((route, route.fetch()))  # the list as it is now: the row is in it

        page.route(re.compile(r"/api/v1/inbox\?"), hold)
        page.get_by_label("Channel").select_option("sms")  # a filter change reloads
        for _ in range(50):
            if held:
                break
            page.wait_for_timeout(100)
        assert held, "the list was not fetched again"
        # While that answer is on its way, a supervisor resolves the work: the event
        # reaches the page first...
        actions.resolve(ctx, w.admin, taken.interaction_id)
        expect(mine.locator(".row")).to_have_count(0)
        route, stale = held[0]
        with page.expect_response(re.compile(r"/api/v1/inbox\?.*view=mine")):
            route.fulfill(response=stale)  # ...then the older answer
        page.wait_for_timeout(500)  # applied
        expect(mine.locator(".row")).to_have_count(0)
        page.context.close()
