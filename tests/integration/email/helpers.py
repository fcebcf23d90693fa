"""Helpers for the email integration tests: channel configs, a stand-in for the app's
ingest (parse + Message-ID dedupe, which is all the worker's contract relies on), waiting."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from channels.email.health import ChannelHealth
from channels.email.imap import MailboxWorker, WorkerTuning
from channels.email.parse import ParsedEmail, parse_email
from channels.types import ChannelConfig
from tests.support.dovecot import PASSWORD, USER

FAST = WorkerTuning(io_timeout=10, poll_interval=0.2, backoff_initial=0.05, backoff_max=0.5)


def email_channel(
    imap_port: int | None = None, smtp_port: int | None = None, *, channel_id: int = 1, **extra: Any
) -> ChannelConfig:
    config: dict[str, Any] = {
        "address": USER,
        "display_name": "Support",
        "imap_host": "127.0.0.1",
        "imap_port": imap_port or 1,
        "imap_user": USER,
        "imap_password": PASSWORD,
        "imap_tls": False,
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp_port or 1,
        "smtp_user": "",
        "smtp_password": "",
        "smtp_tls": False,
        "smtp_starttls": "never",
    }
    config.update(extra)
    return ChannelConfig(
        id=channel_id,
        tenant_id=1,
        kind="email",
        key=f"k{channel_id}",
        secret="s3cret",
        config=config,
    )


class FakeInbox:
    """What ``app.actions.ingest`` does as far as the mailbox worker can tell: parse, dedupe
    by Message-ID, commit. Counts raw deliveries so tests can see re-offers."""

    def __init__(self) -> None:
        self.deliveries = 0
        self.by_id: dict[str, ParsedEmail] = {}
        self.order: list[str] = []
        self.fail_next = 0
        self._changed = asyncio.Event()

    async def deliver(self, channel_id: int, raw: bytes) -> None:
        self.deliveries += 1
        if self.fail_next > 0:
            self.fail_next -= 1
            raise RuntimeError("database unavailable")
        parsed = parse_email(raw, channel_id=channel_id)
        if parsed.message_id not in self.by_id:
            self.by_id[parsed.message_id] = parsed
            self.order.append(parsed.message_id)
        self._changed.set()

    async def wait_for(self, count: int, timeout: float = 15.0) -> None:
        async def _wait() -> None:
            while len(self.by_id) < count:
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(_wait(), timeout)


async def wait_until(check: Callable[[], bool], timeout: float = 15.0) -> None:
    async def _poll() -> None:
        while not check():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(_poll(), timeout)


class RunningWorker:
    def __init__(self, worker: MailboxWorker) -> None:
        self.worker = worker
        self.task = asyncio.create_task(worker.run())
        self.statuses: list[ChannelHealth] = []

    async def stop(self) -> None:
        await self.worker.stop()
        await asyncio.wait_for(self.task, 10)


def message(n: int, *, subject: str | None = None, extra: str = "") -> bytes:
    return (
        f"From: Awa Diop <awa{n}@example.org>\r\n"
        f"To: {USER}\r\n"
        f"Subject: {subject or f'Commande {n}'}\r\n"
        f"Message-ID: <msg-{n}@example.org>\r\n"
        f"Date: Mon, 13 Jan 2025 10:00:00 +0000\r\n"
        f"{extra}"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Bonjour, ma commande n°{n} n'est pas arrivée.\r\n"
    ).encode()
