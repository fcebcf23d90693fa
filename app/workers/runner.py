"""Background work inside ``teranga serve``: the outbox and the distributor's sweep."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from starlette.concurrency import run_in_threadpool

from app.actions.dispatch import dispatch_waiting
from app.context import AppContext
from app.services.chat_hub import publish_line
from app.services.senders import Senders
from app.workers.outbox import OutboxWorker
from channels.chat.sender import ChatSender

log = logging.getLogger(__name__)


class Workers:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.tasks: list[asyncio.Task[None]] = []
        self.senders = Senders()
        self.outbox: OutboxWorker | None = None
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        # Agents' chat lines reach the visitor's socket through the event bus.
        self.senders.register("chat", ChatSender(publish_line(self.ctx)).send)
        self.outbox = OutboxWorker(self.ctx, self.senders)
        self.tasks.append(asyncio.create_task(self.outbox.run(), name="outbox"))
        self.tasks.append(asyncio.create_task(self._dispatch_loop(), name="dispatch"))

    async def _dispatch_loop(self) -> None:
        interval = self.ctx.settings.dispatch_interval_seconds
        while not self._stopping.is_set():
            try:
                await run_in_threadpool(dispatch_waiting, self.ctx)
            except Exception:
                log.exception("dispatch sweep failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=interval)

    async def stop(self) -> None:
        self._stopping.set()
        if self.outbox is not None:
            self.outbox.stop()
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(BaseException):
                await task
        self.ctx.outbox_wakeup = None
        await self.senders.aclose()
