"""End to end through real servers: a customer writes, the agent answers over SMTP, the
customer answers back from several mail clients, a bounce comes back; and the 65 real-world
messages of the corpus go through the mailbox task without stopping it."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from channels.email import (
    MailboxWorker,
    MemoryCursorStore,
    ParsedEmail,
    make_message_id,
    parse_email,
    read_message_id,
    send,
    thread_hints,
)
from channels.types import OutboundMessage
from tests.integration.email.helpers import FAST, email_channel, wait_until
from tests.support.dovecot import USER, Dovecot
from tests.support.smtp_server import SmtpServer

CORPUS = Path(__file__).parents[2] / "data" / "eml"
log = logging.getLogger(__name__)


class Helpdesk:
    """The app's side in miniature: parse, set aside our own copies, thread by hints."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.parsed: list[ParsedEmail] = []
        self.changed = asyncio.Event()

    async def deliver(self, channel_id: int, raw: bytes) -> None:
        self.parsed.append(parse_email(raw, channel_id=channel_id, own_addresses=[USER]))
        self.changed.set()

    async def wait_for(self, count: int) -> None:
        await wait_until(lambda: len(self.parsed) >= count)


def customer_mail(n: int, headers: str, body: str) -> bytes:
    return (
        f"From: Awa Diop <awa@example.org>\r\nTo: {USER}\r\n"
        f"Message-ID: <c{n}@mail.example.org>\r\nDate: Tue, 14 Jan 2025 09:00:00 +0000\r\n"
        f"{headers}Content-Type: text/plain; charset=utf-8\r\n\r\n{body}"
    ).encode()


async def test_reply_chain_across_mail_clients(dovecot: Dovecot) -> None:
    channel = email_channel(dovecot.imap_port)
    desk = Helpdesk(channel.secret)
    worker = MailboxWorker(channel, MemoryCursorStore(), desk.deliver, tuning=FAST)
    task = asyncio.create_task(worker.run())
    relay = SmtpServer(relay_lmtp_port=dovecot.lmtp_port, relay_to=[USER])
    relay.start()
    try:
        # 1. The customer writes.
        first = customer_mail(1, "Subject: Colis perdu\r\n", "Bonjour, mon colis est perdu.\r\n")
        await asyncio.to_thread(dovecot.lmtp, first)
        await desk.wait_for(1)
        original = desk.parsed[0].inbound
        assert original is not None and thread_hints(original, channel.secret).ours == ()

        # 2. The agent answers (interaction 1042, outbox row 77). The relay also drops a
        # copy into our own mailbox, which must be recognised and set aside.
        smtp_channel = email_channel(dovecot.imap_port, relay.port)
        result = await send(
            smtp_channel,
            OutboundMessage(
                message_id=77,
                interaction_id=1042,
                to="awa@example.org",
                text="Bonjour Awa, nous cherchons votre colis.",
                subject=original.subject,
                in_reply_to=original.provider_id,
                references=tuple(original.meta["references"]),
            ),
        )
        ours = result.provider_id
        assert ours is not None
        await desk.wait_for(2)
        assert desk.parsed[1].set_aside and "this mailbox" in desk.parsed[1].set_aside

        # 3. The customer answers from different clients.
        replies = [
            # Gmail: In-Reply-To and References to our reply, French attribution wrapped.
            customer_mail(
                2,
                f"Subject: Re: Colis perdu [#T-1042]\r\nIn-Reply-To: <{ours}>\r\n"
                f"References: <c1@mail.example.org> <{ours}>\r\n",
                "Merci, j'attends.\r\n\r\nLe mar. 14 janv. 2025 à 10:00, Support "
                "<support@example.test>\r\na écrit :\r\n> Bonjour Awa, nous cherchons\r\n",
            ),
            # Outlook: no In-Reply-To at all, "RE:" and the tag kept in the subject.
            customer_mail(
                3,
                "Subject: RE: Colis perdu [#T-1042]\r\n",
                "Toujours rien.\r\n\r\nDe : Support <support@example.test>\r\n"
                "Envoyé : mardi 14 janvier 2025 10:00\r\nÀ : Awa Diop\r\n"
                "Objet : Re: Colis perdu [#T-1042]\r\n\r\nBonjour Awa\r\n",
            ),
            # Apple Mail: References only, English attribution.
            customer_mail(
                4,
                f"Subject: Re: Colis perdu [#T-1042]\r\nReferences: <{ours}>\r\n",
                "Found it, thanks!\r\n\r\nOn 14 Jan 2025, at 10:00, Support "
                "<support@example.test> wrote:\r\n\r\n> Bonjour Awa\r\n",
            ),
        ]
        for raw in replies:
            await asyncio.to_thread(dovecot.lmtp, raw)
        await desk.wait_for(5)
    finally:
        relay.stop()
        await worker.stop()
        await task

    texts = []
    for parsed in desk.parsed[2:]:
        assert parsed.kind == "message" and parsed.inbound is not None
        hints = thread_hints(parsed.inbound, channel.secret)
        # Every client's reply leads back to interaction 1042, by signed id or by tag.
        assert hints.interaction_id == 1042 or hints.tag == "T-1042"
        texts.append(parsed.inbound.text)
    assert texts == ["Merci, j'attends.", "Toujours rien.", "Found it, thanks!"]


async def test_bounce_of_our_reply_names_it(dovecot: Dovecot) -> None:
    channel = email_channel(dovecot.imap_port)
    ours = make_message_id(77, 1042, channel.secret, "example.test")
    dsn = (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\n"
        f"To: {USER}\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <dsn1@mx.example.org>\r\nAuto-Submitted: auto-replied\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you...\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n"
        "\r\nFinal-Recipient: rfc822; awa@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 <awa@example.org>: User unknown\r\n\r\n"
        "--b\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: Support <{USER}>\r\nTo: awa@example.org\r\nMessage-ID: <{ours}>\r\n"
        "Subject: Re: Colis perdu [#T-1042]\r\n\r\n--b--\r\n"
    ).encode()
    desk = Helpdesk(channel.secret)
    worker = MailboxWorker(channel, MemoryCursorStore(), desk.deliver, tuning=FAST)
    task = asyncio.create_task(worker.run())
    try:
        await asyncio.to_thread(dovecot.lmtp, dsn)
        await desk.wait_for(1)
    finally:
        await worker.stop()
        await task
    [parsed] = desk.parsed
    assert parsed.kind == "bounce" and parsed.bounce is not None
    assert parsed.bounce.failed
    assert read_message_id(parsed.bounce.original_message_ids[0], channel.secret) == (77, 1042)
    assert "User unknown" in parsed.bounce.reason


async def test_real_world_corpus_goes_through_the_mailbox(dovecot: Dovecot) -> None:
    files = sorted(CORPUS.glob("*.eml"))
    assert len(files) == 65
    await asyncio.to_thread(dovecot.append_many, [f.read_bytes() for f in files])
    outcomes: list[ParsedEmail] = []

    async def deliver(channel_id: int, raw: bytes) -> None:
        outcomes.append(parse_email(raw, channel_id=channel_id))

    cursor = MemoryCursorStore()
    worker = MailboxWorker(email_channel(dovecot.imap_port), cursor, deliver, tuning=FAST)
    task = asyncio.create_task(worker.run())
    try:
        await wait_until(lambda: len(outcomes) >= 65, timeout=60)
        await wait_until(lambda: worker.health.state == "idle")
    finally:
        await worker.stop()
        await task
    assert len(outcomes) == 65 and cursor.cursor is not None and cursor.cursor[1] == 65
    for parsed in outcomes:
        assert parsed.ingestible or parsed.set_aside
        assert not (parsed.set_aside or "").startswith("parser error")
        if parsed.set_aside:
            log.info("set aside %s: %s", parsed.message_id, parsed.set_aside)
    assert worker.health.consecutive_failures == 0
