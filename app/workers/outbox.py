"""The outbox worker: sends what replies queued, retrying with backoff."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from starlette.concurrency import run_in_threadpool

from app.actions.outbox import ClaimedSend, claim_due, record_failure, record_success
from app.context import AppContext
from app.observability import METRICS
from app.services.senders import Senders
from channels.types import SendError, TransientSendError

log = logging.getLogger(__name__)


class OutboxWorker:
    def __init__(self, ctx: AppContext, senders: Senders, concurrency: int = 20) -> None:
        self.ctx = ctx
        self.senders = senders
        self._wake = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self._limit = asyncio.Semaphore(concurrency)
        self._stopping = False
        ctx.outbox_wakeup = self.wake

    def wake(self) -> None:
        """Thread-safe nudge: a reply was just queued."""
        self._loop.call_soon_threadsafe(self._wake.set)

    async def run(self) -> None:
        poll = self.ctx.settings.outbox_poll_seconds
        while not self._stopping:
            try:
                sent = await self.run_once()
            except Exception:  # database blip: keep the worker alive, try again soon
                log.exception("outbox pass failed")
                sent = 0
            if sent == 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=poll)

    def stop(self) -> None:
        self._stopping = True
        self._loop.call_soon_threadsafe(self._wake.set)

    async def run_once(self) -> int:
        claimed = await run_in_threadpool(claim_due, self.ctx)
        if claimed:
            await asyncio.gather(*(self._send(item) for item in claimed))
        return len(claimed)

    async def _send(self, item: ClaimedSend) -> None:
        async with self._limit:
            try:
                result = await self.senders.send(item.channel, item.message)
            except SendError as exc:
                METRICS.sends.labels(item.channel.kind,
                                     "failed" if exc.permanent else "retry").inc()
                log.warning("send of message %s failed (attempt %s): %s",
                            item.message.message_id, item.attempt, exc.detail)
                await run_in_threadpool(record_failure, self.ctx, item, exc)
                return
            except Exception as exc:  # a bug in an adapter must not lose the message
                log.exception("sender crashed on message %s", item.message.message_id)
                error = TransientSendError(f"internal error: {exc.__class__.__name__}")
                await run_in_threadpool(record_failure, self.ctx, item, error)
                return
            METRICS.sends.labels(item.channel.kind, "sent").inc()
            await run_in_threadpool(record_success, self.ctx, item, result)
