"""Where a mailbox worker remembers how far it got, and what it tells the API about itself:
the channel's ``channel_state`` row.

``data`` keys written here (each writer changes its own key under a row lock, so the cursor
and the health never overwrite each other):

- ``imap_cursor``: ``{"uidvalidity", "last_uid"}``, the mailbox worker's cursor;
- ``mailbox``: the worker's latest ``ChannelHealth.as_dict()`` (state, connected, last error…);
- ``set_aside``: the latest messages the channel did not ingest, with the reason.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from app.context import AppContext
from app.models import Channel, ChannelState
from channels.email import ChannelHealth

log = logging.getLogger(__name__)

CURSOR_KEY = "imap_cursor"
HEALTH_KEY = "mailbox"
SET_ASIDE_KEY = "set_aside"


def read_state(s: Session, channel_id: int) -> dict[str, Any]:
    row = s.get(ChannelState, channel_id)
    return dict(row.data) if row is not None else {}


def ensure_state(ctx: AppContext, channel_id: int) -> None:
    """Create the channel's row up front, so that two first writers (the cursor and the
    health, from one worker) never race to insert it."""
    with ctx.read_session() as s:
        if s.get(ChannelState, channel_id) is not None:
            return
    update_state(ctx, channel_id, CURSOR_KEY, lambda old: old)


def update_state(
    ctx: AppContext, channel_id: int, key: str, change: Callable[[Any], Any]
) -> None:
    """Replace ``data[key]`` with ``change(old value)`` under the row's lock.

    Row-level ``FOR UPDATE`` on PostgreSQL; SQLite serialises writers anyway.
    """
    with ctx.transaction() as tx:
        s = tx.session
        row = s.get(ChannelState, channel_id, with_for_update=True)
        if row is None:
            channel = s.get(Channel, channel_id)
            if channel is None:
                return  # deleted meanwhile: nothing to remember
            row = ChannelState(channel_id=channel_id, tenant_id=channel.tenant_id, data={})
        data = dict(row.data)
        value = change(data.get(key))
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
        row.data = data  # a new dict, so the JSON column is seen as changed
        row.updated_at = ctx.clock()
        s.add(row)


class ChannelStateCursor:
    """``channels.email.CursorStore`` on the database, one row per channel.

    The worker calls ``save`` after every message. Writing each time would add a
    transaction per message; instead the cursor is written at most once per
    ``FLUSH_SECONDS`` while mail streams in, within ``FLUSH_SECONDS`` after the last message,
    and at once on a UIDVALIDITY change and on ``flush()`` (the supervisor calls it when it
    stops the worker). The stored cursor may lag behind what was ingested, never run ahead
    of it: after a crash the few messages since the last write are offered again, and
    ingest's Message-ID dedupe keeps each single.

    The database calls run in a thread, so one slow commit never stalls the other mailboxes.
    """

    FLUSH_SECONDS = 1.0

    def __init__(self, ctx: AppContext, channel_id: int) -> None:
        self.ctx = ctx
        self.channel_id = channel_id
        self._pending: tuple[int, int] | None = None
        self._saved_validity: int | None = None
        self._last_write = 0.0
        self._lock = asyncio.Lock()
        self._timer: asyncio.Task[None] | None = None

    def load_now(self) -> tuple[int, int] | None:
        with self.ctx.read_session() as s:
            value = read_state(s, self.channel_id).get(CURSOR_KEY)
        if not isinstance(value, dict):
            return None
        try:
            return int(value["uidvalidity"]), int(value["last_uid"])
        except (KeyError, TypeError, ValueError):
            return None  # unreadable: start over, the dedupe keeps it single

    def save_now(self, uidvalidity: int, last_uid: int) -> None:
        cursor = {"uidvalidity": uidvalidity, "last_uid": last_uid}
        update_state(self.ctx, self.channel_id, CURSOR_KEY, lambda _old: cursor)

    async def load(self) -> tuple[int, int] | None:
        if self._pending is not None:
            return self._pending
        return await asyncio.to_thread(self.load_now)

    async def save(self, uidvalidity: int, last_uid: int) -> None:
        self._pending = (uidvalidity, last_uid)
        due = time.monotonic() - self._last_write >= self.FLUSH_SECONDS
        if due or uidvalidity != self._saved_validity:
            await self.flush()
        elif self._timer is None or self._timer.done():
            self._timer = asyncio.get_running_loop().create_task(self._flush_later())

    async def _flush_later(self) -> None:
        await asyncio.sleep(self.FLUSH_SECONDS)
        try:
            await self.flush()
        except Exception:  # kept pending: the next save or flush writes it
            log.warning("channel %s: cursor write failed", self.channel_id, exc_info=True)

    async def flush(self) -> None:
        async with self._lock:
            pending, self._pending = self._pending, None
            if pending is None:
                return
            try:
                await asyncio.to_thread(self.save_now, *pending)
            except BaseException:
                if self._pending is None:
                    self._pending = pending
                raise
            self._saved_validity = pending[0]
            self._last_write = time.monotonic()


def record_health(ctx: AppContext, channel_id: int, health: ChannelHealth) -> None:
    """The mailbox worker's health for the API: in ``data["mailbox"]``, and the latest IMAP
    error or success on the channel row beside the outbox's SMTP ones."""
    snapshot = {**health.as_dict(), "worked_by": f"{socket.gethostname()}:{os.getpid()}"}
    with ctx.transaction() as tx:
        s = tx.session
        channel = s.get(Channel, channel_id, with_for_update=True)
        if channel is None:
            return
        row = s.get(ChannelState, channel_id, with_for_update=True) or ChannelState(
            channel_id=channel_id, tenant_id=channel.tenant_id, data={})
        row.data = {**row.data, HEALTH_KEY: snapshot}
        row.updated_at = ctx.clock()
        s.add(row)
        if health.last_error and health.last_error_at and (
                channel.last_error_at is None or health.last_error_at > channel.last_error_at):
            channel.last_error = f"IMAP: {health.last_error}"[:2000]
            channel.last_error_at = health.last_error_at
        if health.last_success_at and (
                channel.last_success_at is None
                or health.last_success_at > channel.last_success_at):
            channel.last_success_at = health.last_success_at
        s.add(channel)


def channel_health(s: Session, channel: Channel) -> dict[str, Any]:
    """``status`` and the mailbox worker's report, for the channel's API representation.

    ``status``: ``disabled``, ``starting`` (no worker reported yet), ``ok`` (connected, and the
    last SMTP send, if any, did not fail after the last success), ``connecting``,
    ``stopped`` (the process working it shut down) or ``error`` (see ``mailbox.last_error``
    and the channel's ``last_error``).
    """
    assert channel.id is not None
    data = read_state(s, channel.id)
    mailbox = data.get(HEALTH_KEY) if isinstance(data.get(HEALTH_KEY), dict) else None
    send_failing = channel.last_error_at is not None and (
        channel.last_success_at is None or channel.last_error_at > channel.last_success_at)
    if not channel.is_active:
        status = "disabled"
    elif mailbox is None:
        status = "starting"
    elif mailbox.get("consecutive_failures") or mailbox.get("state") == "backoff":
        status = "error"
    elif mailbox.get("state") == "stopped":
        status = "stopped"  # the process working it shut down; another takes over
    elif not mailbox.get("connected"):
        status = "connecting"
    else:
        status = "error" if send_failing else "ok"
    return {"status": status, "mailbox": mailbox,
            "set_aside": list(data.get(SET_ASIDE_KEY) or [])[-10:]}
