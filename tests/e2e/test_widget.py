"""The website widget in Debian's Chromium, on a host page served from another origin:
a visitor chats with an agent logged into the inbox, the server restarts in the middle
and the conversation carries on with no line lost or doubled; a call-back booked for a
slot reaches the agent when it is due."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from playwright.sync_api import expect
from sqlmodel import col, select

from app import actions
from app.context import AppContext
from app.db import utcnow
from app.models import Channel, Interaction, Message
from tests.factories import PASSWORD, make_world
from tests.support.live_server import free_port, live_server


@contextmanager
def host_site(page_html: str) -> Iterator[str]:
    """The business's own web site, on its own port: the widget is cross-origin there."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = page_html.encode()
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def shop_page(base: str, key: str, lang: str = "en") -> str:
    return (f'<!doctype html><html lang="{lang}"><head><title>Boutique</title>'
            "<style>button{background:red!important;font-size:40px}</style></head>"
            "<body><h1>Boutique Ndiaye</h1><p>Riz, huile, sucre.</p>"
            f'<script src="{base}/widget.js" data-channel="{key}" async></script>'
            "</body></html>")


def agent_login(browser: Any, base: str, email: str) -> Any:
    page = browser.new_context(viewport={"width": 1100, "height": 800}).new_page()
    page.goto(f"{base}/login")
    page.get_by_role("link", name="English").click()  # the tenant speaks French
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/agent$"))
    expect(page.locator("#live")).to_have_text("live")
    return page


def available(page: Any) -> None:
    with page.expect_response(re.compile(r"/agents/me/presence$")) as answer:
        page.get_by_label("Presence").select_option("available")
    assert answer.value.ok


def chat_lines(ctx: AppContext, interaction_id: int) -> list[tuple[str, str]]:
    with ctx.read_session() as s:
        rows = s.exec(select(Message).where(Message.interaction_id == interaction_id)
                      .order_by(col(Message.id))).all()
        return [(m.direction, m.text) for m in rows]


def test_visitor_and_agent_chat_through_a_server_restart(ctx: AppContext, browser: Any,
                                                         page: Any) -> None:
    w = make_world(ctx, passwords=True)
    port = free_port()
    chat = actions.create_channel(ctx, w.admin, w.tenant, "chat", "Site web")
    with host_site(shop_page(f"http://127.0.0.1:{port}", chat.key)) as shop:
        actions.update_channel(ctx, w.admin, chat.id or 0, config={"allowed_origins": [shop]})
        _chat_through_restart(ctx, browser, page, port, shop)


def _chat_through_restart(ctx: AppContext, browser: Any, page: Any, port: int, shop: str
                          ) -> None:
    with live_server(ctx, port=port) as base:
        agent = agent_login(browser, base, "awa@acme.test")
        available(agent)
        with page.expect_response(re.compile(r"/widget\.js$")) as script:
            page.goto(shop)
        assert script.value.headers["content-encoding"] == "gzip"
        assert int(script.value.headers["content-length"]) <= 25 * 1024
        page.get_by_role("button", name="Chat with us").click()
        widget = page.locator("[data-teranga]")
        box = widget.get_by_label("Your message")
        box.fill("<b>Bonjour</b>, je veux passer une commande")
        box.press("Enter")
        log = widget.get_by_role("list", name="Chat")
        expect(log.locator("li.in")).to_have_count(1)
        expect(widget.get_by_role("status")).to_contain_text("Awa")  # the ACD chose her
        # The host page's CSS does not reach into the widget.
        assert widget.get_by_role("button", name="Send").evaluate(
            "b => getComputedStyle(b).fontSize") != "40px"

        row = agent.get_by_role("list", name="My interactions").locator(".row").first
        expect(row).to_have_attribute("data-channel", "chat")
        row.click()
        expect(agent.locator("#messages")).to_contain_text(
            "<b>Bonjour</b>, je veux passer une commande")
        assert agent.locator("#messages b").count() == 0
        box.fill("Bonjour")  # the visitor types: the agent sees it
        expect(agent.locator("#typing")).to_have_text("The customer is typing…")
        agent.get_by_label("Reply").fill("Bonjour ! Combien de sacs ?")
        agent.get_by_role("button", name="Send").click()
        expect(log.locator("li.out")).to_contain_text("Combien de sacs ?")
        box.fill("")

    # The server is down. The visitor keeps typing; the line waits in the widget.
    box.fill("Trois sacs de riz")
    box.press("Enter")
    expect(log.locator("li.pend")).to_contain_text("Trois sacs de riz")

    with live_server(ctx, port=port):
        expect(log.locator("li.pend")).to_have_count(0, timeout=30_000)  # resent, acked
        expect(agent.locator("#live")).to_have_text("live", timeout=30_000)
        agent.get_by_role("list", name="My interactions").locator(".row").first.click()
        expect(agent.locator("#messages .msg.in")).to_have_count(2)
        agent.get_by_label("Reply").fill("Très bien, 3 sacs.")
        agent.get_by_role("button", name="Send").click()
        expect(log.locator("li.out")).to_have_count(2)

        # A new page load resumes the conversation from the stored token.
        page.reload()
        page.get_by_role("button", name="Chat with us").click()
        expect(log.locator("li")).to_have_count(4)

        with ctx.read_session() as s:
            iid = s.exec(select(Interaction.id).where(
                Interaction.channel_kind == "chat")).one()
        assert chat_lines(ctx, iid) == [
            ("in", "<b>Bonjour</b>, je veux passer une commande"),
            ("out", "Bonjour ! Combien de sacs ?"),
            ("in", "Trois sacs de riz"),
            ("out", "Très bien, 3 sacs."),
        ]
        assert log.locator("li").all_inner_texts()[2].endswith("Trois sacs de riz")
        assert log.locator("b").count() == 0
        agent.context.close()


class MovableClock:
    """Real time plus an offset the test moves forward."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return utcnow() + self.offset


def test_a_call_back_booked_for_a_slot_reaches_the_agent_when_due(
    ctx: AppContext, browser: Any, page: Any
) -> None:
    clock = MovableClock()
    ctx.clock = clock
    w = make_world(ctx, passwords=True, agents={"awa": {"triage": 3}})
    chat = actions.create_channel(ctx, w.admin, w.tenant, "chat", "Site web")
    actions.create_channel(ctx, w.admin, w.tenant, "callback", "Rappel")
    with live_server(ctx) as base, host_site(shop_page(base, chat.key, lang="fr")) as shop:
        agent = agent_login(browser, base, "awa@acme.test")
        available(agent)
        page.goto(shop)
        page.get_by_role("button", name="Discuter avec nous").click()
        widget = page.locator("[data-teranga]")
        widget.get_by_role("tab", name="Rappelez-moi").click()
        form = widget.get_by_role("tabpanel", name="Rappelez-moi")
        form.get_by_label("Votre nom").fill("Fatou Sow")
        form.get_by_label("Téléphone").fill("12")
        form.get_by_role("button", name="Être rappelé").click()
        expect(form.get_by_role("alert")).to_have_text("Ce numéro de téléphone n'est pas valide.")
        form.get_by_label("Téléphone").fill("77 123 45 67")
        form.get_by_label("À un moment précis").check()
        slot = form.get_by_label("Heure")
        expect(slot.locator("option").first).to_be_attached()
        due = datetime.fromisoformat(slot.input_value().replace("Z", "+00:00"))
        form.get_by_role("button", name="Être rappelé").click()
        expect(form.locator(".ok")).to_contain_text("+221771234567")

        mine = agent.get_by_role("list", name="My interactions")
        agent.wait_for_timeout(1000)  # several dispatcher sweeps: none may hand it out early
        expect(mine.locator(".row")).to_have_count(0)
        with ctx.read_session() as s:
            booked = s.exec(select(Interaction).where(
                Interaction.channel_kind == "callback")).one()
            assert booked.status == "queued" and booked.queued_at == due

        clock.offset = due - utcnow() + timedelta(seconds=1)  # the slot has come
        row = mine.locator(".row").filter(has_text="Fatou Sow")
        expect(row).to_be_visible(timeout=15_000)
        row.click()
        expect(agent.locator("#tel-link")).to_have_attribute("href", "tel:+221771234567")
        agent.get_by_role("button", name="No answer").click()
        expect(agent.locator("#cb-attempts li")).to_contain_text("no_answer")
        expect(mine.locator(".row")).to_have_count(0)  # back in the queue for a retry
        agent.context.close()
    with ctx.read_session() as s:
        channel = s.exec(select(Channel).where(Channel.kind == "callback")).one()
        assert channel.id is not None


def test_the_host_page_works_when_teranga_is_down(page: Any) -> None:
    gone = f"http://127.0.0.1:{free_port()}"
    with host_site(shop_page(gone, "whatever")) as shop:
        page.goto(shop)
        expect(page.get_by_role("heading", name="Boutique Ndiaye")).to_be_visible()
        page.wait_for_load_state("load")
        assert page.locator("[data-teranga]").count() == 0  # silent, nothing half-drawn
