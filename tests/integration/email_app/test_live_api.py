"""The issue's "done when" on a real server (uvicorn with its workers): a mailbox configured
through the API, a customer's mail in the inbox within seconds, classified and routed; the
agent's reply reaches the customer threaded; the customer's answer joins the conversation."""

from __future__ import annotations

import asyncio
from email import message_from_bytes
from typing import Any

import httpx

from app.context import AppContext
from tests.factories import bearer, make_world
from tests.integration.email_app.helpers import customer_mail, email_config
from tests.support.dovecot import Dovecot
from tests.support.live_server import live_server
from tests.support.smtp_server import SmtpServer


async def until(fetch: Any, timeout: float = 20.0) -> Any:
    """Poll an async ``fetch`` until it returns something truthy."""
    async def _poll() -> Any:
        while not (value := await fetch()):
            await asyncio.sleep(0.1)
        return value

    return await asyncio.wait_for(_poll(), timeout)


async def test_mail_in_the_inbox_within_seconds_and_reply_threaded(
        ctx: AppContext, dovecot: Dovecot, smtp_server: SmtpServer) -> None:
    w = make_world(ctx)
    agent = bearer(w.tokens["awa"])
    with live_server(ctx) as base:
        async with httpx.AsyncClient(base_url=base) as http:
            r = await http.put("/api/v1/agents/me/presence", json={"state": "available"},
                               headers=agent)
            assert r.status_code == 200
            r = await http.post("/api/v1/tenants/acme/channels", headers=bearer(w.admin_token),
                                json={"kind": "email", "name": "Support",
                                      "config": email_config(dovecot, smtp_server)})
            assert r.status_code == 201, r.text
            channel_id = r.json()["id"]

            async def channel_ok() -> Any:
                body = (await http.get(f"/api/v1/channels/{channel_id}",
                                       headers=bearer(w.admin_token))).json()
                return body if body["health"]["status"] == "ok" else None

            health = (await until(channel_ok))["health"]
            assert health["mailbox"]["connected"] and health["mailbox"]["state"] == "idle"

            await asyncio.to_thread(dovecot.lmtp, customer_mail(
                1, subject="Prix du sac de riz", body="Bonjour, quel est le prix ?\r\n"))

            async def listed() -> Any:
                r = await http.get("/api/v1/interactions", params={"channel": "email"},
                                   headers=agent)
                return r.json()["items"]

            [item] = await until(listed)
            assert item["skill_group"] == "ventes" and item["status"] == "assigned"
            assert item["contact"]["emails"] == ["awa@example.org"]
            assert item["subject"] == "Prix du sac de riz"

            r = await http.post(f"/api/v1/interactions/{item['id']}/replies",
                                json={"text": "Le sac est à 15 000 F CFA."}, headers=agent)
            assert r.status_code == 202

            async def delivered() -> int:
                return len(smtp_server.messages)

            await until(delivered)
            sent = message_from_bytes(smtp_server.messages[0].data)
            assert sent["In-Reply-To"] == "<c1@mail.example.org>"
            assert sent["Subject"] == f"Re: Prix du sac de riz [#T-{item['id']}]"

            # The customer answers from Outlook: no In-Reply-To, the tag kept.
            await asyncio.to_thread(dovecot.lmtp, customer_mail(
                2, body="Merci, j'en prends deux.\r\n",
                subject=f"RE: Prix du sac de riz [#T-{item['id']}]"))

            async def answered() -> Any:
                r = await http.get(f"/api/v1/interactions/{item['id']}", headers=agent)
                texts = [m["text"] for m in r.json()["messages"]]
                return texts if len(texts) == 3 else None

            assert await until(answered) == [
                "Bonjour, quel est le prix ?", "Le sac est à 15 000 F CFA.",
                "Merci, j'en prends deux."]
