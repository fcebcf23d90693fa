"""Real Dovecot and aiosmtpd for the email channel tests (skipped when Dovecot is missing,
except under CI=true where that is a failure)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator

import pytest

from channels.email import MailboxWorker, MemoryCursorStore, WorkerTuning
from channels.types import ChannelConfig
from tests.integration.email.helpers import FAST, FakeInbox, RunningWorker
from tests.support.dovecot import Dovecot, missing_reason
from tests.support.smtp_server import SmtpServer


def _require_dovecot() -> None:
    reason = missing_reason()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"Dovecot is required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    _require_dovecot()
    server = Dovecot()
    server.start()
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def dovecot_no_idle() -> Iterator[Dovecot]:
    _require_dovecot()
    server = Dovecot(idle=False)
    server.start()
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def start_worker() -> AsyncIterator[Callable[..., RunningWorker]]:
    running: list[RunningWorker] = []

    def _start(
        channel: ChannelConfig,
        inbox: FakeInbox,
        cursor: MemoryCursorStore | None = None,
        tuning: WorkerTuning = FAST,
    ) -> RunningWorker:
        holder: list[RunningWorker] = []
        worker = MailboxWorker(
            channel,
            cursor if cursor is not None else MemoryCursorStore(),
            inbox.deliver,
            on_status=lambda h: holder[0].statuses.append(h) if holder else None,
            tuning=tuning,
        )
        rw = RunningWorker(worker)
        holder.append(rw)
        running.append(rw)
        return rw

    yield _start
    for rw in running:
        if not rw.task.done():
            await rw.stop()


@pytest.fixture
def dovecot_tls() -> Iterator[Dovecot]:
    _require_dovecot()
    server = Dovecot(tls=True)
    server.start()
    try:
        yield server
    finally:
        server.cleanup()
