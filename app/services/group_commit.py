"""Group commit for inbound messages, on the event loop's side.

Callers ``await ingest(message)`` and get that message's result (or its error), as
if it had been written alone. Underneath, one worker thread writes whatever has
arrived since its last batch in one transaction (``app.actions.ingest_batch``):
alone when traffic is light (no added wait), many at a time under load, which is
when the shared commit pays. While traffic is steady (messages came in during the
last write) it lingers a couple of milliseconds before the next batch, so that more
share it. Nothing is acknowledged before its batch committed.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from typing import Any

from starlette.concurrency import run_in_threadpool

from app.actions.ingest import IngestResult
from app.actions.ingest_batch import ingest_many
from app.context import AppContext
from app.observability import METRICS
from channels.types import InboundMessage

# Larger batches hold the (SQLite) write lock longer for little more gain.
MAX_BATCH = 32


class GroupCommit:
    def __init__(self, ctx: AppContext, max_batch: int = MAX_BATCH, linger: float = 0.0
                 ) -> None:
        self.ctx = ctx
        self.max_batch = max_batch
        self.linger = linger
        self._waiting: list[tuple[InboundMessage, asyncio.Future[IngestResult]]] = []
        self._writer: asyncio.Task[None] | None = None
        # For the benchmark and tests: how the messages were grouped.
        self.batches = 0
        self.messages = 0
        self.largest = 0

    async def ingest(self, message: InboundMessage) -> IngestResult:
        future: asyncio.Future[IngestResult] = asyncio.get_running_loop().create_future()
        self._waiting.append((message, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._write())
        # The write goes on even if this caller gives up (the sender retries, and the
        # provider id makes the retry a duplicate): shield it from cancellation.
        return await asyncio.shield(future)

    async def _write(self) -> None:
        busy = False
        while self._waiting:
            if busy and self.linger and len(self._waiting) < self.max_batch // 2:
                # More came in while the last batch was written: traffic is steady, so
                # let a few more join this one (fewer commits, fewer pages written).
                await asyncio.sleep(self.linger)
            busy = True
            batch = self._waiting[: self.max_batch]
            del self._waiting[: len(batch)]
            started = time.perf_counter()
            try:
                outcomes: list[Any] = await run_in_threadpool(
                    ingest_many, self.ctx, [m for m, _ in batch])
            except Exception as exc:  # the worker itself failed: every caller hears it
                outcomes = [exc] * len(batch)
            METRICS.ingest_batch_seconds.observe(time.perf_counter() - started)
            METRICS.ingest_batch_size.observe(len(batch))
            self.batches += 1
            self.messages += len(batch)
            self.largest = max(self.largest, len(batch))
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():
                    continue
                if isinstance(outcome, BaseException):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)


_writers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, GroupCommit]] = \
    weakref.WeakKeyDictionary()


def group_commit(ctx: AppContext) -> GroupCommit:
    """This process's writer for ``ctx`` on the running event loop (made on first use)."""
    loop = asyncio.get_running_loop()
    writers = _writers.setdefault(loop, {})
    writer = writers.get(id(ctx))
    if writer is None or writer.ctx is not ctx:
        writer = writers[id(ctx)] = GroupCommit(ctx, ctx.settings.ingest_batch_max,
                                                ctx.settings.ingest_batch_linger_ms / 1000)
    return writer
