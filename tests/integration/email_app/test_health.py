"""Channel health in the API: wrong credentials, unreachable hosts and bad configs show
(status, last error, last success) while the other mailboxes keep working; replies wait in
the outbox while the SMTP password is wrong and leave once it is fixed. And one process per
mailbox: a second process stands by and takes over when the first dies (PostgreSQL)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app import actions
from app.context import AppContext
from app.db import make_engine
from app.workers.mailbox import MailboxSupervisor
from tests.factories import bearer
from tests.integration.email_app.helpers import (
    FAST,
    Desk,
    customer_mail,
    email_config,
    make_desk,
)
from tests.support.dovecot import Dovecot, free_port
from tests.support.smtp_server import SmtpServer


def get_channel(client: TestClient, desk: Desk, channel_id: int) -> dict[str, Any]:
    r = client.get(f"/api/v1/channels/{channel_id}", headers=bearer(desk.world.admin_token))
    assert r.status_code == 200, r.text
    return dict(r.json())


async def channel_when(client: TestClient, desk: Desk, channel_id: int, status: str
                       ) -> dict[str, Any]:
    async def _poll() -> dict[str, Any]:
        while True:
            body = await asyncio.to_thread(get_channel, client, desk, channel_id)
            if body["health"].get("status") == status:
                return body
            await asyncio.sleep(0.05)

    try:
        return await asyncio.wait_for(_poll(), 20)
    except TimeoutError:
        last = await asyncio.to_thread(get_channel, client, desk, channel_id)
        raise AssertionError(f"channel {channel_id} never {status}: {last['health']}") from None


async def test_bad_mailboxes_show_their_error_and_never_block_the_good_one(
        desk: Desk, client: TestClient, dovecot: Dovecot) -> None:
    admin, ctx = desk.world.admin, desk.ctx
    wrong = actions.create_channel(ctx, admin, "acme", "email", "Wrong password",
                                   email_config(dovecot, None, imap_password="nope"))
    nowhere = actions.create_channel(ctx, admin, "acme", "email", "Unreachable",
                                     email_config(dovecot, None, imap_port=free_port()))
    empty = actions.create_channel(ctx, admin, "acme", "email", "Not configured", {})
    assert wrong.id and nowhere.id and empty.id

    body = await channel_when(client, desk, wrong.id, "error")
    mailbox = body["health"]["mailbox"]
    assert "login failed" in mailbox["last_error"] and mailbox["consecutive_failures"] >= 1
    assert mailbox["connected"] is False
    assert body["health"]["last_error"].startswith("IMAP: login failed")
    assert "imap_password" in body["config"] and body["config"]["imap_password"] == "********"
    body = await channel_when(client, desk, nowhere.id, "error")
    assert "cannot reach IMAP server" in body["health"]["mailbox"]["last_error"]
    body = await channel_when(client, desk, empty.id, "error")
    assert "configuration" in body["health"]["mailbox"]["last_error"]

    # Meanwhile the good mailbox works, and says so.
    await desk.mail(customer_mail(1, subject="Commande"))
    await desk.inbound("c1@mail.example.org")
    good = await channel_when(client, desk, desk.channel_id, "ok")
    assert good["health"]["mailbox"]["connected"] is True
    assert good["health"]["last_success_at"] is not None

    # Fixing the password brings the channel up without a restart of Teranga.
    r = client.patch(f"/api/v1/channels/{wrong.id}", json={"config": {"imap_password": "secret"}},
                     headers=bearer(desk.world.admin_token))
    assert r.status_code == 200
    await channel_when(client, desk, wrong.id, "ok")


async def test_wrong_smtp_password_keeps_replies_queued_until_fixed(
        desk: Desk, client: TestClient) -> None:
    guarded = SmtpServer(users={"support": "right"})
    guarded.start()
    try:
        r = client.patch(f"/api/v1/channels/{desk.channel_id}", json={"config": {
            "smtp_port": guarded.port, "smtp_user": "support", "smtp_password": "wrong"}},
            headers=bearer(desk.world.admin_token))
        assert r.status_code == 200
        await desk.mail(customer_mail(1, subject="Commande"))
        iid = (await desk.inbound("c1@mail.example.org")).interaction_id
        reply_id = desk.reply(iid, "Bonjour.")
        body = await channel_when(client, desk, desk.channel_id, "error")
        assert "SMTP authentication failed" in body["health"]["last_error"]
        assert desk.message(reply_id).delivery_status == "queued"
        r = client.patch(f"/api/v1/channels/{desk.channel_id}",
                         json={"config": {"smtp_password": "right"}},
                         headers=bearer(desk.world.admin_token))
        assert r.status_code == 200
        await desk.wait(lambda: desk.message(reply_id).delivery_status == "sent", what="sent")
        assert len(guarded.messages) == 1
    finally:
        guarded.stop()


async def test_second_process_stands_by_and_takes_over_when_the_first_dies(
        ctx: AppContext, dovecot: Dovecot, smtp_server: SmtpServer) -> None:
    if ctx.dialect != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's; SQLite runs one process")
    desk = make_desk(ctx, dovecot, smtp_server)
    other = AppContext(settings=ctx.settings, engine=make_engine(ctx.settings.database_url))
    first = MailboxSupervisor(ctx, scan_seconds=0.2, tuning=FAST)
    second = MailboxSupervisor(other, scan_seconds=0.2, tuning=FAST)
    third = MailboxSupervisor(ctx, scan_seconds=0.2, tuning=FAST)
    tasks = [asyncio.create_task(first.run())]
    ch = desk.channel_id
    try:
        await desk.wait(lambda: ch in first.running, what="first process working")
        tasks.append(asyncio.create_task(second.run()))
        await desk.wait(lambda: second.waiting.get(ch, ("", ""))[1] == "standby",
                        what="second process standing by")
        await desk.mail(customer_mail(1, subject="Un"))
        await desk.inbound("c1@mail.example.org")
        await desk.handled(1)
        worker_one = first.running[ch].worker
        assert ch not in second.running

        # The first process dies: its tasks end without logging out or unlocking, and
        # PostgreSQL ends its session (and the locks with it).
        pid = await asyncio.to_thread(first.locks.backend_pid)
        for task in [tasks[0], *(r.task for r in first.running.values())]:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
        with ctx.engine.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        await desk.wait(lambda: ch in second.running, what="takeover")
        worker_two = second.running[ch].worker
        await desk.mail(customer_mail(2, subject="Deux"))
        await desk.inbound("c2@mail.example.org")
        await desk.handled(2)
        # Each message was worked once, by one process; the second resumed at the cursor.
        assert worker_one.health.delivered == 1 and worker_two.health.delivered == 1

        # A graceful stop hands over at once, too.
        tasks.append(asyncio.create_task(third.run()))
        await desk.wait(lambda: third.waiting.get(ch, ("", ""))[1] == "standby",
                        what="third process standing by")
        await second.stop()
        await desk.wait(lambda: ch in third.running, what="second takeover")
        await desk.mail(customer_mail(3, subject="Trois"))
        await desk.inbound("c3@mail.example.org")
        await desk.handled(3)
        assert third.running[ch].worker.health.delivered == 1
        assert len(desk.messages()) == 3
    finally:
        for supervisor in (third, second):
            await supervisor.stop()
        for task in tasks:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
        await asyncio.to_thread(first.locks.close)
        other.engine.dispose()
