"""One long-lived asyncio task per mailbox: IMAP IDLE in, the app's ``deliver`` out.

Contracts with the app (see docs/email.md):

``deliver(channel_id, raw)``
    Called once per new message, in UID order, one at a time. Return normally when the
    message is *handled*: ingested, recognised as a duplicate, or set aside and recorded.
    Raise any exception for trouble worth retrying (database down): the worker reconnects
    after a backoff and offers the same UID again, never skipping it. To skip a message
    deliberately without recording it anywhere, raise :class:`SkipMessage`.

``CursorStore``
    ``load() -> (uidvalidity, last_uid) | None`` and ``save(uidvalidity, last_uid)``, either
    plain or ``async`` methods. ``save`` is called after each successful ``deliver``, so
    after a crash the last message may be offered again: ingest's Message-ID dedupe keeps
    it single. When UIDVALIDITY changes, every message is offered again for the same reason.

One mailbox must be worked by one worker at a time (the app holds a PostgreSQL advisory
lock per channel when several processes run).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from aioimaplib import aioimaplib

from channels.email.backoff import Backoff
from channels.email.config import EmailSettings
from channels.email.cursor import CursorStore
from channels.email.fetch import fetched_bodies, is_new_mail_notice, search_uids, select_numbers
from channels.email.health import ChannelHealth
from channels.email.imap_client import ImapClient, NoticingProtocol
from channels.types import ChannelConfig

log = logging.getLogger(__name__)
T = TypeVar("T")
Deliver = Callable[[int, bytes], Awaitable[None]]


class SkipMessage(Exception):
    """Raised by ``deliver`` to move past a message that will never be ingested."""


class LoginFailed(Exception):
    pass


class ConnectionLost(Exception):
    pass


class _DeliverFailed(Exception):
    pass


class _Stopped(Exception):
    pass


@dataclass(frozen=True, slots=True)
class WorkerTuning:
    io_timeout: float = 30.0  # per IMAP command (reset while data flows)
    idle_renew: float = 25 * 60  # servers may drop an IDLE after 30 min (RFC 2177)
    poll_interval: float = 60.0  # servers without IDLE
    batch_size: int = 20  # messages per UID FETCH
    backoff_initial: float = 1.0
    backoff_max: float = 300.0


async def _maybe_await(value: T | Awaitable[T]) -> T:
    if inspect.isawaitable(value):
        return await value
    return value


def _words(lines: list[Any]) -> str:
    text = " ".join(bytes(x).decode("utf-8", "replace") for x in lines if isinstance(x, bytes))
    return text.strip()[:300] or "no reason given"


def _describe(exc: BaseException) -> str:
    if isinstance(exc, (asyncio.TimeoutError, aioimaplib.CommandTimeout)):
        return "timeout waiting for the IMAP server"
    if isinstance(exc, aioimaplib.AioImapException):
        return f"IMAP error: {getattr(exc, 'reason', exc)}"
    if isinstance(exc, OSError):
        return f"cannot reach IMAP server: {exc.strerror or exc}"
    return f"{type(exc).__name__}: {exc}"[:300] if str(exc) else type(exc).__name__


def _quote_mailbox(name: str) -> str:
    if name.isalnum():
        return name
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


class MailboxWorker:
    """Watches one mailbox; ``await worker.run()`` until ``await worker.stop()``."""

    def __init__(
        self,
        config: ChannelConfig,
        cursor: CursorStore,
        deliver: Deliver,
        on_status: Callable[[ChannelHealth], None] | None = None,
        *,
        tuning: WorkerTuning | None = None,
    ) -> None:
        self.channel = config
        self.settings = EmailSettings.from_config(config.config)
        self.cursor = cursor
        self.deliver = deliver
        self.on_status = on_status
        self.tuning = tuning or WorkerTuning()
        self.health = ChannelHealth(channel_id=config.id)
        self._backoff = Backoff(self.tuning.backoff_initial, self.tuning.backoff_max)
        self._stop = asyncio.Event()
        self._lost = asyncio.Event()
        self._new_mail = asyncio.Event()
        self._done = asyncio.Event()
        self._client: ImapClient | None = None
        self._uidvalidity = 0
        self._last_uid = 0

    # -- status ---------------------------------------------------------------------------

    def _set(self, **changes: Any) -> None:
        self.health = replace(self.health, **changes)
        if self.on_status is not None:
            try:
                self.on_status(self.health)
            except Exception:  # a broken status sink must not stop the mailbox
                log.exception("on_status failed for channel %s", self.channel.id)

    def _failed(self, message: str) -> None:
        log.warning("mailbox channel=%s: %s", self.channel.id, message)
        self._set(
            connected=False,
            last_error=message,
            last_error_at=datetime.now(UTC),
            consecutive_failures=self.health.consecutive_failures + 1,
        )

    # -- lifecycle ------------------------------------------------------------------------

    async def run(self) -> None:
        """Work the mailbox until :meth:`stop`; never raises except on cancellation."""
        self._stop.clear()
        self._done.clear()
        try:
            while not self._stop.is_set():
                try:
                    await self._session()
                except _Stopped:
                    break
                except LoginFailed as exc:
                    self._failed(f"login failed: {exc}")
                except _DeliverFailed as exc:
                    self._failed(str(exc))
                except Exception as exc:
                    self._failed(_describe(exc))
                finally:
                    await self._close()
                if self._stop.is_set():
                    break
                delay = self._backoff.next()
                retry_at = datetime.now(UTC) + timedelta(seconds=delay)
                self._set(state="backoff", connected=False, next_retry_at=retry_at)
                await self._wait_stop(delay)
        finally:
            self._set(state="stopped", connected=False, next_retry_at=None)
            self._done.set()

    async def stop(self, timeout: float = 10.0) -> None:
        """Ask the worker to finish the message in hand and disconnect; wait for it."""
        self._stop.set()  # an IDLE in progress sees it and ends itself with one DONE
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._done.wait(), timeout)

    async def _wait_stop(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)

    async def _close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        if not self._lost.is_set() and client.get_state() in ("AUTH", "SELECTED"):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.logout(), 2.0)
        transport = client.protocol.transport
        if transport is not None:
            transport.close()

    async def _race(self, awaitable: Awaitable[T], *, until_stop: bool = False) -> T:
        """Await a server answer, but give up at once if the connection drops (or, with
        ``until_stop``, when the worker is asked to stop: raises ``_Stopped``)."""
        task = asyncio.ensure_future(awaitable)
        guards = [asyncio.ensure_future(self._lost.wait())]
        if until_stop:
            guards.append(asyncio.ensure_future(self._stop.wait()))
        try:
            await asyncio.wait([task, *guards], return_when=asyncio.FIRST_COMPLETED)
        finally:
            for guard in guards:
                guard.cancel()
        if task.done():
            return task.result()
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
        if self._lost.is_set():
            raise ConnectionLost("connection to the IMAP server lost")
        raise _Stopped

    # -- one connection -------------------------------------------------------------------

    async def _connect(self) -> ImapClient:
        s = self.settings
        if not s.imap_host:
            raise LoginFailed("no imap_host configured")
        context: ssl.SSLContext | None = None
        if s.imap_tls:
            context = ssl.create_default_context()
            if not s.imap_validate_certs:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
        self._lost.clear()
        self._new_mail.clear()
        client = ImapClient(
            s.imap_host,
            s.imap_port,
            timeout=self.tuning.io_timeout,
            conn_lost_cb=lambda _exc: self._lost.set(),
            ssl_context=context,
        )
        assert isinstance(client.protocol, NoticingProtocol)
        client.protocol.on_new_mail = self._new_mail.set
        self._client = client
        # Until the folder is open, a stop request aborts at once (a server may sit on a failed
        # login for seconds as a brute-force penalty).
        await self._race(client.wait_hello_from_server(), until_stop=True)
        response = await self._race(client.login(s.imap_user, s.imap_password), until_stop=True)
        if response.result != "OK":
            raise LoginFailed(_words(response.lines))
        response = await self._race(client.select(_quote_mailbox(s.imap_folder)), until_stop=True)
        if response.result != "OK":
            raise LoginFailed(f"cannot open folder {s.imap_folder!r}: {_words(response.lines)}")
        validity, uidnext = select_numbers(response.lines)
        if validity is None:
            raise aioimaplib.Error("server sent no UIDVALIDITY")
        await self._load_cursor(validity, uidnext)
        return client

    async def _load_cursor(self, validity: int, uidnext: int | None) -> None:
        stored = await _maybe_await(self.cursor.load())
        if stored is not None and stored[0] == validity:
            self._uidvalidity, self._last_uid = stored
            return
        if stored is not None:
            # UIDs of the old numbering mean nothing now: offer everything again and let the
            # Message-ID dedupe in ingest drop what was already there.
            log.warning(
                "mailbox channel=%s: UIDVALIDITY changed %s -> %s, re-reading the folder",
                self.channel.id,
                stored[0],
                validity,
            )
            start = 0
        elif self.settings.imap_skip_existing and uidnext:
            start = uidnext - 1
        else:
            start = 0
        self._uidvalidity, self._last_uid = validity, start
        await _maybe_await(self.cursor.save(validity, start))

    async def _session(self) -> None:
        self._set(state="connecting", next_retry_at=None)
        client = await self._connect()
        idle = client.has_capability("IDLE")
        self._set(connected=True, idle_supported=idle, uidvalidity=self._uidvalidity)
        await self._sync_until_quiet(client)
        self._backoff.reset()
        while not self._stop.is_set():
            if idle:
                await self._idle(client)
            else:
                self._set(state="polling")
                await self._race(self._wait_stop(self.tuning.poll_interval))
                if not self._stop.is_set():
                    await self._race(client.noop())
            if not self._stop.is_set():
                await self._sync_until_quiet(client)

    async def _idle(self, client: ImapClient) -> None:
        queue = client.protocol.idle_queue
        while not queue.empty():  # pushes left from the last IDLE were covered by the sync
            queue.get_nowait()
        self._set(state="idle")
        idle_task = await self._race(client.idle_start(timeout=self.tuning.idle_renew))
        try:
            while not self._stop.is_set():
                push_task = asyncio.ensure_future(client.wait_server_push(timeout=1e9))
                try:
                    lines = await self._race(push_task, until_stop=True)
                except _Stopped:
                    return
                if lines == aioimaplib.STOP_WAIT_SERVER_PUSH:
                    return  # time to renew the IDLE (and check the mailbox on the way)
                if any(bytes(line).upper().startswith(b"BYE") for line in lines):
                    raise ConnectionLost("server said BYE: " + _words(list(lines)))
                if any(is_new_mail_notice(line) for line in lines):
                    return
        finally:
            if not self._lost.is_set():
                # aioimaplib never fails a pending command when the connection drops, hence
                # the race with the lost-connection event (a BYE is followed by a close).
                with contextlib.suppress(Exception):
                    if client.has_pending_idle():
                        client.idle_done()
                    await asyncio.wait_for(self._race(idle_task), self.tuning.io_timeout)

    async def _sync_until_quiet(self, client: ImapClient) -> None:
        """Deliver everything above the cursor, again while new mail was announced meanwhile."""
        self._set(state="syncing")
        while True:
            self._new_mail.clear()
            await self._sync(client)
            if not self._new_mail.is_set() or self._stop.is_set():
                break
        self._set(last_success_at=datetime.now(UTC), consecutive_failures=0)

    async def _sync(self, client: ImapClient) -> None:
        response = await self._race(client.uid_search(f"UID {self._last_uid + 1}:*", charset=None))
        if response.result != "OK":
            raise aioimaplib.Error(f"UID SEARCH failed: {_words(response.lines)}")
        uids = search_uids(response.lines, self._last_uid)
        size = max(1, self.tuning.batch_size)
        for start in range(0, len(uids), size):
            batch = uids[start : start + size]
            uid_set = ",".join(str(u) for u in batch)
            response = await self._race(client.uid("fetch", uid_set, "(UID BODY.PEEK[])"))
            if response.result != "OK":
                raise aioimaplib.Error(f"UID FETCH failed: {_words(response.lines)}")
            bodies = fetched_bodies(response.lines)
            done: list[int] = []
            try:
                for uid in batch:
                    raw = bodies.get(uid)
                    if raw is None:
                        log.info("mailbox channel=%s: UID %s vanished", self.channel.id, uid)
                    else:
                        await self._deliver_one(uid, raw)
                        done.append(uid)
                    self._last_uid = uid
                    await _maybe_await(self.cursor.save(self._uidvalidity, uid))
                    self._set(last_uid=uid)
                    if self._stop.is_set():
                        break
            except _DeliverFailed:
                with contextlib.suppress(Exception):  # best effort: the real error follows
                    await self._mark_seen(client, done)
                raise
            await self._mark_seen(client, done)
            if self._stop.is_set():
                return

    async def _mark_seen(self, client: ImapClient, uids: list[int]) -> None:
        if uids and self.settings.imap_mark_seen:
            uid_set = ",".join(str(u) for u in uids)
            await self._race(client.uid("store", uid_set, "+FLAGS.SILENT", r"(\Seen)"))

    async def _deliver_one(self, uid: int, raw: bytes) -> None:
        try:
            await self.deliver(self.channel.id, raw)
        except SkipMessage as exc:
            log.warning(
                "mailbox channel=%s: UID %s skipped by deliver: %s", self.channel.id, uid, exc
            )
            self._set(
                last_error=f"message UID {uid} skipped: {exc}", last_error_at=datetime.now(UTC)
            )
            return
        except Exception as exc:
            log.exception("mailbox channel=%s: deliver failed for UID %s", self.channel.id, uid)
            raise _DeliverFailed(f"deliver failed for UID {uid}: {_describe(exc)}") from exc
        self._set(delivered=self.health.delivered + 1)
