"""One IMAP mailbox worker per active email channel, inside ``teranga serve``.

The supervisor looks at the email channels every few seconds: it starts a
``channels.email.MailboxWorker`` for each active one this process may work (PostgreSQL
advisory lock per channel; a process that does not get the lock stands by and takes over
when the holder dies), restarts it when its config changes, and stops it when the channel is
deactivated or deleted. Each worker is its own asyncio task that never raises: a broken
mailbox (wrong password, unreachable host) retries with backoff and never delays another.

What each worker does with a message is ``app.actions.email.receive_email`` (in a thread);
its health goes to ``channel_state`` for the API (``app.services.email_cursor``).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import col, select

from app.actions.email import email_channel_config, receive_email, set_aside
from app.context import AppContext
from app.models import Channel
from app.services.advisory_lock import AdvisoryLocks
from app.services.email_cursor import ChannelStateCursor, ensure_state, record_health
from channels.email import (
    ChannelHealth,
    EmailSettings,
    MailboxWorker,
    ParsedEmail,
    SkipMessage,
    WorkerTuning,
)
from channels.types import ChannelConfig

log = logging.getLogger(__name__)

SCAN_SECONDS = 3.0
# A message whose ingest keeps failing with something other than a database outage is a
# bug's victim; after this many tries it is set aside so the mailbox moves on.
MAX_MESSAGE_FAILURES = 5


def _version(channel: Channel) -> str:
    """What a running worker depends on: a change restarts it."""
    blob = json.dumps([channel.config, channel.secret, channel.tenant_id], sort_keys=True,
                      default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _email_channels(ctx: AppContext) -> list[tuple[ChannelConfig, str]]:
    with ctx.read_session() as s:
        rows = s.exec(select(Channel).where(Channel.kind == "email", col(Channel.is_active))
                      .order_by(col(Channel.id))).all()
    return [(email_channel_config(c, ctx.settings.base_url), _version(c)) for c in rows]


def _database_down(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated)


class HealthRecorder:
    """Keeps a worker's health in ``channel_state`` for the API without a write per message:
    only when the picture changes (connected or not, a new error) or, while healthy, when the
    last success is more than ``SUCCESS_STRIDE`` old in the database."""

    SUCCESS_STRIDE = timedelta(seconds=10)

    def __init__(self, ctx: AppContext, channel_id: int) -> None:
        self.ctx = ctx
        self.channel_id = channel_id
        self.latest: ChannelHealth | None = None
        self._saved: tuple[object, ...] | None = None
        self._saved_success: datetime | None = None
        self._dirty = False
        self._task: asyncio.Task[None] | None = None

    @staticmethod
    def _picture(h: ChannelHealth) -> tuple[object, ...]:
        # syncing <-> idle flips at every new message: both mean "working".
        state = "up" if h.state in ("syncing", "idle", "polling") else h.state
        return (state, h.connected, h.last_error, h.consecutive_failures)

    def on_status(self, health: ChannelHealth) -> None:
        """The worker's ``on_status`` (synchronous, on the event loop): cheap."""
        self.latest = health
        success = health.last_success_at
        stale = success is not None and (
            self._saved_success is None or success - self._saved_success > self.SUCCESS_STRIDE)
        if self._picture(health) == self._saved and not stale:
            return
        self._dirty = True
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._write())

    async def _write(self) -> None:
        while self._dirty and self.latest is not None:
            self._dirty = False
            health = self.latest
            try:
                await asyncio.to_thread(record_health, self.ctx, self.channel_id, health)
            except Exception:  # the database is away; the next change writes again
                log.warning("mailbox channel=%s: could not record health", self.channel_id)
                return
            self._saved = self._picture(health)
            self._saved_success = health.last_success_at

    async def flush(self) -> None:
        if self._task is not None:
            with contextlib.suppress(Exception):
                await self._task
        if self.latest is not None and self._picture(self.latest) != self._saved:
            self._dirty = True
            await self._write()


@dataclass
class _Running:
    worker: MailboxWorker
    task: asyncio.Task[None]
    version: str
    health: HealthRecorder
    cursor: ChannelStateCursor


@dataclass
class _Deliverer:
    """The worker's ``deliver``: ingest in a thread, and a guard against a poison message."""

    ctx: AppContext
    channel: ChannelConfig
    own_addresses: frozenset[str] = frozenset()
    failures: dict[str, int] = field(default_factory=dict)

    async def __call__(self, channel_id: int, raw: bytes) -> None:
        try:
            await asyncio.to_thread(receive_email, self.ctx, self.channel, raw,
                                    self.own_addresses)
        except Exception as exc:
            if _database_down(exc):
                raise  # retried after backoff, however long the database is away
            key = hashlib.sha256(raw).hexdigest()
            tries = self.failures[key] = self.failures.get(key, 0) + 1
            if tries < MAX_MESSAGE_FAILURES:
                raise
            self.failures.pop(key, None)
            reason = f"ingest failed {tries} times: {type(exc).__name__}: {exc}"[:500]
            log.error("email channel=%s: giving up on a message: %s", channel_id, reason)
            parsed = ParsedEmail("message", None, f"sha256.{key[:32]}@teranga.invalid")
            try:
                await asyncio.to_thread(set_aside, self.ctx, channel_id, parsed, reason)
            except Exception:
                raise SkipMessage(reason) from exc
        else:
            self.failures.clear()


class MailboxSupervisor:
    def __init__(self, ctx: AppContext, *, scan_seconds: float | None = None,
                 tuning: WorkerTuning | None = None) -> None:
        self.ctx = ctx
        self.scan_seconds = scan_seconds if scan_seconds is not None else SCAN_SECONDS
        self.tuning = tuning
        self.locks = AdvisoryLocks(ctx.engine)
        self.running: dict[int, _Running] = {}
        # Channels this process may not work: a bad config (until it changes) or another
        # process's lock (standby), with the reason.
        self.waiting: dict[int, tuple[str, str]] = {}
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self._addresses: frozenset[str] = frozenset()

    def health(self, channel_id: int) -> ChannelHealth | None:
        running = self.running.get(channel_id)
        return running.worker.health if running else None

    def wake(self) -> None:
        """Look at the channels now (a channel was created or changed)."""
        self._wake.set()

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.scan()
            except Exception:  # database blip: keep supervising, try again soon
                log.exception("mailbox scan failed")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.scan_seconds)

    async def scan(self) -> None:
        if not await asyncio.to_thread(self.locks.check):
            # The lock connection died: another process may already work our mailboxes.
            for channel_id in list(self.running):
                await self._stop(channel_id, unlock=False)
        channels = await asyncio.to_thread(_email_channels, self.ctx)
        wanted = {config.id: (config, version) for config, version in channels}
        # Every mailbox of the installation: mail from one of them to another is our own
        # (a reply copied to a colleague mailbox), never a customer's.
        self._addresses = frozenset(
            str(c.config.get(k)).strip().lower() for c, _ in channels
            for k in ("address", "reply_to") if c.config.get(k))
        for channel_id in [c for c in self.running if c not in wanted]:
            await self._stop(channel_id)
        for channel_id in [c for c in self.waiting if c not in wanted]:
            self.waiting.pop(channel_id, None)
            await asyncio.to_thread(self.locks.unlock, channel_id)
        for channel_id, (config, version) in wanted.items():
            running = self.running.get(channel_id)
            if running is not None and running.version == version \
                    and not running.task.done():
                continue
            if running is not None:
                log.info("mailbox channel=%s: config changed, restarting", channel_id)
                await self._stop(channel_id, unlock=False)
            await self._start(config, version)

    async def _start(self, config: ChannelConfig, version: str) -> None:
        waiting = self.waiting.get(config.id)
        if waiting is not None and waiting[0] == version and waiting[1] == "config":
            return  # already reported; wait for the admin to change it
        if not await asyncio.to_thread(self.locks.try_lock, config.id):
            self.waiting[config.id] = (version, "standby")
            return
        self.waiting.pop(config.id, None)
        try:
            EmailSettings.from_config(config.config)
        except ValueError as exc:
            self.waiting[config.id] = (version, "config")
            log.warning("mailbox channel=%s not started: %s", config.id, exc)
            health = ChannelHealth(channel_id=config.id, state="stopped",
                                   last_error=f"configuration: {exc}",
                                   last_error_at=datetime.now(UTC), consecutive_failures=1)
            await asyncio.to_thread(record_health, self.ctx, config.id, health)
            return
        await asyncio.to_thread(ensure_state, self.ctx, config.id)
        recorder = HealthRecorder(self.ctx, config.id)
        cursor = ChannelStateCursor(self.ctx, config.id)
        deliverer = _Deliverer(self.ctx, config, self._addresses)
        worker = MailboxWorker(config, cursor, deliverer, on_status=recorder.on_status,
                               tuning=self.tuning)
        task = asyncio.create_task(worker.run(), name=f"mailbox-{config.id}")
        self.running[config.id] = _Running(worker, task, version, recorder, cursor)
        log.info("mailbox channel=%s started (%s)", config.id,
                 config.config.get("imap_host"))

    async def _stop(self, channel_id: int, *, unlock: bool = True) -> None:
        running = self.running.pop(channel_id, None)
        if running is not None:
            await running.worker.stop()
            if not running.task.done():
                running.task.cancel()
                with contextlib.suppress(BaseException):
                    await running.task
            await running.health.flush()
            try:
                await running.cursor.flush()
            except Exception:  # the next start re-reads a little; the dedupe keeps it single
                log.warning("mailbox channel=%s: final cursor write failed", channel_id)
        if unlock:
            await asyncio.to_thread(self.locks.unlock, channel_id)

    async def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        await asyncio.gather(*(self._stop(c, unlock=False) for c in list(self.running)),
                             return_exceptions=True)
        await asyncio.to_thread(self.locks.close)
