"""Background work inside ``teranga serve``: the outbox, the distributor's sweep and the
email mailboxes."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from starlette.concurrency import run_in_threadpool

from app.actions.chat import queue_transcripts
from app.actions.chat_lifecycle import abandon_left_chats, resolve_idle_chats
from app.actions.dispatch import dispatch_waiting
from app.actions.learning import retrain_due
from app.actions.sweeps import mark_sla_breaches, take_back_unaccepted
from app.context import AppContext
from app.services import spam
from app.services.advisory_lock import AdvisoryLocks
from app.services.chat_hub import publish_line
from app.services.senders import Senders
from app.workers.mailbox import MailboxSupervisor
from app.workers.outbox import OutboxWorker
from channels.chat.sender import ChatSender

log = logging.getLogger(__name__)

RETRAIN_LOCK_NAMESPACE = 0x7E7A


class Workers:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.tasks: list[asyncio.Task[None]] = []
        self.senders = Senders()
        self.outbox: OutboxWorker | None = None
        self.mailboxes: MailboxSupervisor | None = None
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        # Agents' chat lines reach the visitor's socket through the event bus.
        self.senders.register("chat", ChatSender(publish_line(self.ctx)).send)
        self.outbox = OutboxWorker(self.ctx, self.senders)
        self.tasks.append(asyncio.create_task(self.outbox.run(), name="outbox"))
        self.tasks.append(asyncio.create_task(self._dispatch_loop(), name="dispatch"))
        self.mailboxes = MailboxSupervisor(self.ctx)
        self.tasks.append(asyncio.create_task(self.mailboxes.run(), name="mailboxes"))
        self.tasks.append(asyncio.create_task(self._retrain_loop(), name="retrain"))
        spam.warm_in_background(self.ctx.settings.data_dir / "spam")

    async def _retrain_loop(self) -> None:
        """Once an hour, tenants with enough new labelled examples get a new model; one
        process does it (advisory lock on PostgreSQL)."""
        locks = AdvisoryLocks(self.ctx.engine, namespace=RETRAIN_LOCK_NAMESPACE)
        try:
            while not self._stopping.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(),
                                           timeout=self.ctx.settings.retrain_interval_seconds)
                if self._stopping.is_set():
                    break
                try:
                    if await run_in_threadpool(locks.try_lock, 0):
                        try:
                            await run_in_threadpool(retrain_due, self.ctx)
                        finally:
                            await run_in_threadpool(locks.unlock, 0)
                except Exception:
                    log.exception("scheduled retraining failed")
        finally:
            await run_in_threadpool(locks.close)

    async def _dispatch_loop(self) -> None:
        interval = self.ctx.settings.dispatch_interval_seconds
        while not self._stopping.is_set():
            for sweep in (abandon_left_chats, resolve_idle_chats, take_back_unaccepted,
                          mark_sla_breaches, dispatch_waiting, queue_transcripts):
                try:
                    await run_in_threadpool(sweep, self.ctx)
                except Exception:
                    log.exception("%s failed", sweep.__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=interval)

    async def stop(self) -> None:
        self._stopping.set()
        if self.outbox is not None:
            self.outbox.stop()
        if self.mailboxes is not None:
            await self.mailboxes.stop()  # logs out of every mailbox, releases the locks
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(BaseException):
                await task
        self.ctx.outbox_wakeup = None
        await self.senders.aclose()
