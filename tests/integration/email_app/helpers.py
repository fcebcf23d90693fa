"""A help desk with an email channel on a real Dovecot mailbox and a real SMTP server, its
mailbox supervisor and outbox worker running in the test's event loop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from email import message_from_bytes
from email.message import Message as MimeMessage
from typing import Any, TypeVar

from sqlmodel import col, select

from app import actions
from app.context import AppContext
from app.models import Channel, ChannelState, Interaction, Message, Tenant
from app.services.senders import Senders
from app.workers.mailbox import MailboxSupervisor
from app.workers.outbox import OutboxWorker
from channels.email import WorkerTuning
from tests.factories import World, make_world
from tests.support.dovecot import PASSWORD, USER, Dovecot
from tests.support.smtp_server import SmtpServer

T = TypeVar("T")
FAST = WorkerTuning(io_timeout=10, poll_interval=0.2, backoff_initial=0.05, backoff_max=0.5)
CUSTOMER = "awa@example.org"


def email_config(dovecot: Dovecot | None, smtp: SmtpServer | None, **extra: Any
                 ) -> dict[str, Any]:
    config: dict[str, Any] = {
        "address": dovecot.user if dovecot else USER, "display_name": "Support Acme",
        "imap_host": "127.0.0.1", "imap_port": dovecot.imap_port if dovecot else 1,
        "imap_user": dovecot.user if dovecot else USER, "imap_password": PASSWORD,
        "imap_tls": False,
        "smtp_host": "127.0.0.1", "smtp_port": smtp.port if smtp else 1,
        "smtp_user": "", "smtp_password": "", "smtp_tls": False, "smtp_starttls": "never",
    }
    config.update(extra)
    return config


def customer_mail(n: int | str, headers: str = "", body: str = "Bonjour.\r\n", *,
                  sender: str = CUSTOMER, name: str = "Awa Diop", subject: str | None = None,
                  to: str = USER) -> bytes:
    subject_line = f"Subject: {subject}\r\n" if subject is not None else ""
    return (
        f"From: {name} <{sender}>\r\nTo: {to}\r\n"
        f"Message-ID: <c{n}@mail.example.org>\r\nDate: Tue, 14 Jan 2025 09:00:00 +0000\r\n"
        f"{subject_line}{headers}Content-Type: text/plain; charset=utf-8\r\n\r\n{body}"
    ).encode()


class Desk:
    def __init__(self, ctx: AppContext, world: World, channel: Channel, dovecot: Dovecot,
                 smtp: SmtpServer) -> None:
        self.ctx, self.world, self.channel = ctx, world, channel
        self.dovecot, self.smtp = dovecot, smtp
        assert channel.id is not None
        self.channel_id: int = channel.id
        self.supervisor: MailboxSupervisor | None = None
        self.outbox: OutboxWorker | None = None
        self.senders: Senders | None = None
        self._tasks: list[asyncio.Task[None]] = []

    # -- workers ------------------------------------------------------------------------

    async def start(self, *, outbox: bool = True) -> MailboxSupervisor:
        self.supervisor = MailboxSupervisor(self.ctx, scan_seconds=0.2, tuning=FAST)
        self._tasks.append(asyncio.create_task(self.supervisor.run()))
        if outbox and self.outbox is None:
            self.senders = Senders()
            self.outbox = OutboxWorker(self.ctx, self.senders)
            self._tasks.append(asyncio.create_task(self.outbox.run()))
        return self.supervisor

    async def stop_mailboxes(self) -> None:
        """Stop the mailbox side as a Teranga shutdown does (the outbox keeps running)."""
        if self.supervisor is not None:
            await self.supervisor.stop()
            self.supervisor = None

    async def close(self) -> None:
        await self.stop_mailboxes()
        if self.outbox is not None:
            self.outbox.stop()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
        self.ctx.outbox_wakeup = None
        if self.senders is not None:
            await self.senders.aclose()

    # -- mail ---------------------------------------------------------------------------

    async def mail(self, raw: bytes) -> None:
        """The customer's mail arrives, as an MTA delivers it (LMTP: IDLE is told)."""
        await asyncio.to_thread(self.dovecot.lmtp, raw)

    async def wait(self, check: Callable[[], T | None], timeout: float = 20.0,
                   what: str = "condition") -> T:
        """Poll ``check`` (a database read, run in a thread) until it returns a truthy value."""
        async def _poll() -> T:
            while True:
                value = await asyncio.to_thread(check)
                if value:
                    return value
                await asyncio.sleep(0.05)

        try:
            return await asyncio.wait_for(_poll(), timeout)
        except TimeoutError:
            raise AssertionError(f"timed out waiting for {what}") from None

    async def inbound(self, message_id: str, timeout: float = 20.0) -> Message:
        return await self.wait(lambda: self.find_inbound(message_id), timeout,
                               f"message <{message_id}> to be ingested")

    async def handled(self, uid: int, timeout: float = 20.0) -> None:
        """Wait until the mailbox acknowledged ``uid``: everything done with it is done."""
        await self.wait(lambda: self.state().get("imap_cursor", {}).get("last_uid", 0) >= uid,
                        timeout, f"UID {uid} to be acknowledged")

    def find_inbound(self, message_id: str) -> Message | None:
        with self.ctx.read_session() as s:
            return s.exec(select(Message).where(Message.channel_id == self.channel_id,
                                                Message.direction == "in",
                                                Message.provider_id == message_id)).first()

    def messages(self, interaction_id: int | None = None) -> list[Message]:
        with self.ctx.read_session() as s:
            q = select(Message).where(Message.channel_id == self.channel_id)
            if interaction_id is not None:
                q = q.where(Message.interaction_id == interaction_id)
            return list(s.exec(q.order_by(col(Message.id))).all())

    def message(self, row_id: int) -> Message:
        with self.ctx.read_session() as s:
            found = s.get(Message, row_id)
            assert found is not None
            return found

    def interactions(self) -> list[Interaction]:
        with self.ctx.read_session() as s:
            return list(s.exec(select(Interaction).where(
                Interaction.channel_id == self.channel_id).order_by(col(Interaction.id))).all())

    def interaction(self, interaction_id: int) -> Interaction:
        with self.ctx.read_session() as s:
            found = s.get(Interaction, interaction_id)
            assert found is not None
            return found

    def state(self) -> dict[str, Any]:
        with self.ctx.read_session() as s:
            row = s.get(ChannelState, self.channel_id)
            return dict(row.data) if row else {}

    def reply(self, interaction_id: int, text: str) -> int:
        """The tenant's admin answers (sees every group, whatever the classifier chose)."""
        return actions.reply(self.ctx, self.world.admin, interaction_id, text).message_id

    async def sent(self, count: int, timeout: float = 20.0) -> list[MimeMessage]:
        """The mails the SMTP server accepted, once there are ``count`` of them."""
        await self.wait(lambda: len(self.smtp.messages) >= count, timeout,
                        f"{count} mail(s) at the SMTP server")
        return [message_from_bytes(m.data) for m in self.smtp.messages]


def set_tenant_settings(ctx: AppContext, slug: str, **settings: Any) -> None:
    """Tenant policy for a test (no admin action writes these yet)."""
    with ctx.transaction() as tx:
        tenant = tx.session.exec(select(Tenant).where(Tenant.slug == slug)).one()
        tenant.settings = {**tenant.settings, **settings}
        tx.session.add(tenant)


def make_desk(ctx: AppContext, dovecot: Dovecot, smtp: SmtpServer, slug: str = "acme",
              **config: Any) -> Desk:
    world = make_world(ctx, slug)
    actions.set_presence(ctx, world.agents["awa"], "available")
    channel = actions.create_channel(ctx, world.admin, slug, "email", "Support",
                                     email_config(dovecot, smtp, **config))
    return Desk(ctx, world, channel, dovecot, smtp)
