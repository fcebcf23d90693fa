"""The mailbox worker against a real Dovecot: push, resume, UIDVALIDITY, restarts, errors."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace

import pytest

from channels.email import MailboxWorker, MemoryCursorStore, SkipMessage
from tests.integration.email.helpers import (
    FAST,
    FakeInbox,
    RunningWorker,
    email_channel,
    message,
    wait_until,
)
from tests.support.dovecot import Dovecot, free_port

Start = Callable[..., RunningWorker]


async def test_idle_push_delivers_new_mail(dovecot: Dovecot, start_worker: Start) -> None:
    inbox = FakeInbox()
    rw = start_worker(email_channel(dovecot.imap_port), inbox)
    await wait_until(lambda: rw.worker.health.state == "idle")
    assert rw.worker.health.idle_supported is True

    await asyncio.to_thread(dovecot.lmtp, message(1))
    await inbox.wait_for(1, timeout=10)

    parsed = inbox.by_id["msg-1@example.org"]
    assert parsed.inbound is not None
    assert parsed.inbound.sender.value == "awa1@example.org"
    assert "commande n°1" in parsed.inbound.text
    health = rw.worker.health
    assert health.connected and health.last_success_at is not None
    assert health.last_uid == 1 and health.delivered == 1


async def test_existing_mail_then_resume_after_restart(
    dovecot: Dovecot, start_worker: Start
) -> None:
    await asyncio.to_thread(dovecot.append_many, [message(n) for n in range(1, 4)])
    cursor = MemoryCursorStore()
    inbox = FakeInbox()
    first = start_worker(email_channel(dovecot.imap_port), inbox, cursor)
    await inbox.wait_for(3)
    await first.stop()
    assert cursor.cursor is not None and cursor.cursor[1] == 3

    # Mail arrives while Teranga is down; the next worker must take exactly the new ones.
    await asyncio.to_thread(dovecot.append_many, [message(4), message(5)])
    second = start_worker(email_channel(dovecot.imap_port), inbox, cursor)
    await inbox.wait_for(5)
    await wait_until(lambda: second.worker.health.state == "idle")
    assert inbox.deliveries == 5  # nothing offered twice
    assert inbox.order == [f"msg-{n}@example.org" for n in range(1, 6)]


async def test_uidvalidity_change_rereads_and_dedupes(
    dovecot: Dovecot, start_worker: Start
) -> None:
    cursor = MemoryCursorStore()
    inbox = FakeInbox()
    old = [message(1), message(2)]
    await asyncio.to_thread(dovecot.append_many, old)
    rw = start_worker(email_channel(dovecot.imap_port), inbox, cursor)
    await inbox.wait_for(2)
    await rw.stop()
    old_validity = cursor.cursor[0] if cursor.cursor else None

    # The mailbox is rebuilt (restore, migration): new UIDVALIDITY, UIDs from 1 again.
    new_validity = await asyncio.to_thread(dovecot.reset_mailbox, [*old, message(3)])
    assert new_validity != old_validity

    rw = start_worker(email_channel(dovecot.imap_port), inbox, cursor)
    await inbox.wait_for(3)
    await wait_until(lambda: cursor.cursor == (new_validity, 3))
    assert inbox.deliveries == 5  # two re-offered under the new numbering…
    assert len(inbox.by_id) == 3  # …and kept single by the Message-ID dedupe


async def test_dovecot_restart_mid_idle(dovecot: Dovecot, start_worker: Start) -> None:
    inbox = FakeInbox()
    rw = start_worker(email_channel(dovecot.imap_port), inbox)
    await wait_until(lambda: rw.worker.health.state == "idle")
    await asyncio.to_thread(dovecot.lmtp, message(1))
    await inbox.wait_for(1)

    await asyncio.to_thread(dovecot.stop)
    await wait_until(lambda: not rw.worker.health.connected)
    await asyncio.to_thread(dovecot.start)
    await asyncio.to_thread(dovecot.lmtp, message(2))  # may land before the worker is back
    await inbox.wait_for(2)
    await wait_until(lambda: rw.worker.health.state == "idle")
    await asyncio.to_thread(dovecot.lmtp, message(3))  # after: must come by push
    await inbox.wait_for(3)

    assert inbox.deliveries == 3
    assert rw.worker.health.last_error is not None  # the drop was reported
    assert rw.worker.health.consecutive_failures == 0  # and cleared by the next success


async def test_wrong_password_reports_and_backs_off(dovecot: Dovecot, start_worker: Start) -> None:
    bad = start_worker(
        email_channel(dovecot.imap_port, imap_password="wrong", channel_id=2), FakeInbox()
    )
    good_inbox = FakeInbox()
    good = start_worker(email_channel(dovecot.imap_port), good_inbox)

    await wait_until(lambda: bad.worker.health.consecutive_failures >= 2)
    health = bad.worker.health
    assert not health.connected
    assert health.last_error and "login failed" in health.last_error
    assert "authentication failed" in health.last_error.lower()
    assert any(s.state == "backoff" and s.next_retry_at for s in bad.statuses)

    # The broken mailbox blocks nobody.
    await wait_until(lambda: good.worker.health.state == "idle")
    await asyncio.to_thread(dovecot.lmtp, message(7))
    await good_inbox.wait_for(1)
    assert not bad.task.done()


async def test_unreachable_server_reports_and_retries(start_worker: Start) -> None:
    rw = start_worker(email_channel(free_port()), FakeInbox())
    await wait_until(lambda: rw.worker.health.consecutive_failures >= 2)
    assert rw.worker.health.last_error and "cannot reach" in rw.worker.health.last_error
    await rw.stop()
    assert rw.worker.health.state == "stopped"


async def test_deliver_failure_is_retried_never_skipped(
    dovecot: Dovecot, start_worker: Start
) -> None:
    await asyncio.to_thread(dovecot.append_many, [message(1), message(2)])
    cursor = MemoryCursorStore()
    inbox = FakeInbox()
    inbox.fail_next = 2  # the app's database is down for the first two attempts
    rw = start_worker(email_channel(dovecot.imap_port), inbox, cursor)
    await inbox.wait_for(2)
    assert inbox.deliveries == 4  # message 1 offered three times, message 2 once
    assert inbox.order == ["msg-1@example.org", "msg-2@example.org"]
    assert rw.worker.health.last_error and "deliver failed for UID 1" in rw.worker.health.last_error
    await wait_until(lambda: cursor.cursor is not None and cursor.cursor[1] == 2)


async def test_skip_message_moves_past_it(dovecot: Dovecot, start_worker: Start) -> None:
    await asyncio.to_thread(dovecot.append_many, [message(1), message(2)])
    seen: list[bytes] = []

    async def deliver(channel_id: int, raw: bytes) -> None:
        seen.append(raw)
        if b"msg-1@" in raw:
            raise SkipMessage("cannot be stored")

    cursor = MemoryCursorStore()
    worker = MailboxWorker(email_channel(dovecot.imap_port), cursor, deliver, tuning=FAST)
    task = asyncio.create_task(worker.run())
    try:
        await wait_until(lambda: cursor.cursor is not None and cursor.cursor[1] == 2)
        assert len(seen) == 2
        assert worker.health.last_error and "skipped" in worker.health.last_error
    finally:
        await worker.stop()
        await task


async def test_polling_when_server_has_no_idle(
    dovecot_no_idle: Dovecot, start_worker: Start
) -> None:
    inbox = FakeInbox()
    rw = start_worker(email_channel(dovecot_no_idle.imap_port), inbox)
    await wait_until(lambda: rw.worker.health.state == "polling")
    assert rw.worker.health.idle_supported is False
    await asyncio.to_thread(dovecot_no_idle.lmtp, message(1))
    await inbox.wait_for(1)


async def test_messages_are_marked_seen(dovecot: Dovecot, start_worker: Start) -> None:
    await asyncio.to_thread(dovecot.append, message(1))
    inbox = FakeInbox()
    start_worker(email_channel(dovecot.imap_port), inbox)
    await inbox.wait_for(1)

    def unseen() -> int:
        with dovecot.imap() as conn:
            conn.select("INBOX", readonly=True)
            _typ, data = conn.search(None, "UNSEEN")
            return len(data[0].split())

    await wait_until(lambda: unseen() == 0)


async def test_mail_arriving_during_a_sync_is_not_left_for_later(
    dovecot: Dovecot, start_worker: Start
) -> None:
    inbox = FakeInbox()
    original = inbox.deliver

    async def slow_deliver(channel_id: int, raw: bytes) -> None:
        if b"msg-1@" in raw:  # while we handle message 1, message 2 lands in the mailbox
            await asyncio.to_thread(dovecot.lmtp, message(2))
        await original(channel_id, raw)

    inbox.deliver = slow_deliver  # type: ignore[method-assign]
    await asyncio.to_thread(dovecot.append, message(1))
    # A renewal far away: only the EXISTS noticed during the sync can bring message 2 quickly.
    start_worker(email_channel(dovecot.imap_port), inbox, tuning=replace(FAST, idle_renew=600))
    await inbox.wait_for(2, timeout=10)


async def test_idle_is_renewed_and_stop_is_clean(
    dovecot: Dovecot, start_worker: Start, caplog: pytest.LogCaptureFixture
) -> None:
    inbox = FakeInbox()
    rw = start_worker(email_channel(dovecot.imap_port), inbox, tuning=replace(FAST, idle_renew=0.2))
    await wait_until(lambda: sum(s.state == "idle" for s in rw.statuses) >= 4)
    await asyncio.to_thread(dovecot.lmtp, message(1))
    await inbox.wait_for(1)
    await rw.stop()
    assert rw.worker.health.state == "stopped"
    assert rw.worker.health.consecutive_failures == 0
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_implicit_tls(dovecot_tls: Dovecot, start_worker: Start) -> None:
    inbox = FakeInbox()
    port = dovecot_tls.imaps_port
    start_worker(email_channel(port, imap_tls=True, imap_validate_certs=False), inbox)
    await asyncio.to_thread(dovecot_tls.append, message(1))
    await inbox.wait_for(1)

    # With certificate checks on, a self-signed server is refused and the reason is shown.
    strict = start_worker(email_channel(port, imap_tls=True, channel_id=2), FakeInbox())
    await wait_until(lambda: strict.worker.health.consecutive_failures >= 1)
    assert "CERTIFICATE_VERIFY_FAILED" in (strict.worker.health.last_error or "")
