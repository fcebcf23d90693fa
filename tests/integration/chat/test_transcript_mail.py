"""Chat transcripts by e-mail, end to end: the visitor asks on the socket, the chat is
resolved, the outbox sends the mail through the tenant's e-mail channel to a real SMTP
server (aiosmtpd), once, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC
from email import message_from_bytes
from email.message import Message as MimeMessage
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from app import actions
from app.actions.chat import queue_transcripts, request_transcript
from app.context import AppContext
from app.models import Channel, Interaction, Message, OutboxItem, Tenant, TranscriptRequest
from app.services.chat_hub import publish_line
from app.services.senders import Senders
from app.workers.outbox import OutboxWorker
from channels.chat.sender import ChatSender
from tests.integration.chat.conftest import ChatWorld, chat_world, hello, next_frame, say
from tests.integration.email_app.helpers import email_config
from tests.support.smtp_server import SmtpServer

VISITOR_MAIL = "fatou@example.sn"


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def with_email(ctx: AppContext, cw: ChatWorld, smtp: SmtpServer, **extra: Any) -> Channel:
    config = {"address": "support@acme.sn", "display_name": "Acme", **extra}
    return actions.create_channel(ctx, cw.world.admin, cw.world.tenant, "email",
                                  str(config["address"]), email_config(None, smtp, **config))


def set_tenant(ctx: AppContext, slug: str, **values: Any) -> None:
    with ctx.transaction() as tx:
        tenant = tx.session.exec(select(Tenant).where(Tenant.slug == slug)).one()
        for key, value in values.items():
            setattr(tenant, key, value)
        tx.session.add(tenant)


def send_pass(ctx: AppContext) -> int:
    """One pass of a fresh outbox worker (as a newly started process would run it), with
    the real e-mail sender and the chat sender."""

    async def once() -> int:
        senders = Senders()
        senders.register("chat", ChatSender(publish_line(ctx)).send)
        try:
            return await OutboxWorker(ctx, senders).run_once()
        finally:
            ctx.outbox_wakeup = None
            await senders.aclose()

    return asyncio.run(once())


def mails(smtp: SmtpServer) -> list[MimeMessage]:
    return [message_from_bytes(m.data) for m in smtp.messages]


def body(mail: MimeMessage, subtype: str) -> str:
    for part in mail.walk():
        if part.get_content_type() == f"text/{subtype}":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8").replace("\r\n", "\n")
    raise AssertionError(f"no text/{subtype} part")


def requests(ctx: AppContext) -> list[TranscriptRequest]:
    with ctx.read_session() as s:
        return list(s.exec(select(TranscriptRequest).order_by(col(TranscriptRequest.id))).all())


def stamp(ctx: AppContext, message_id: int, zone: str) -> str:
    with ctx.read_session() as s:
        message = s.get(Message, message_id)
        assert message is not None
        local = message.created_at.replace(tzinfo=message.created_at.tzinfo or UTC)
        return local.astimezone(ZoneInfo(zone)).strftime("%H:%M")


def test_transcript_is_mailed_once_the_chat_is_resolved(
        ctx: AppContext, client: TestClient, smtp_server: SmtpServer) -> None:
    cw = chat_world(ctx)
    with_email(ctx, cw, smtp_server)
    # Not UTC, so that a time printed in UTC would be caught.
    set_tenant(ctx, cw.world.tenant, timezone="Asia/Kolkata")
    with client.websocket_connect(cw.url) as ws:
        hello(ws, name="Fatou Sow")
        first = say(ws, "a", "Bonjour, <b>ma commande</b> n'est pas arrivée\nNuméro 42")
        iid = first["interaction_id"]
        reply = actions.reply(ctx, cw.world.admin, iid, "Je regarde & je reviens vers vous.")
        assert send_pass(ctx) == 1  # the agent's line reaches the socket
        ws.send_json({"type": "transcript", "email": VISITOR_MAIL})
        assert next_frame(ws, "transcript") == {"type": "transcript", "status": "requested",
                                                "email": VISITOR_MAIL}
        # While the chat goes on, nothing is mailed: the transcript would be incomplete.
        assert send_pass(ctx) == 0
        assert smtp_server.messages == []
        assert [r.status for r in requests(ctx)] == ["pending"]

        actions.resolve(ctx, cw.world.admin, iid)
        assert [r.status for r in requests(ctx)] == ["queued"]
        assert send_pass(ctx) == 1
        assert next_frame(ws, "transcript") == {"type": "transcript", "status": "sent",
                                                "email": VISITOR_MAIL}

    [mail] = mails(smtp_server)
    assert smtp_server.messages[0].recipients == (VISITOR_MAIL,)
    assert mail["To"] == VISITOR_MAIL
    assert mail["Subject"].startswith("Votre conversation avec Acme SARL du ")
    assert "Re:" not in mail["Subject"] and "[#T-" not in mail["Subject"]
    assert mail["Auto-Submitted"] == "auto-replied"
    assert mail["In-Reply-To"] is None and mail["References"] is None
    text = body(mail, "plain")
    zone = "Asia/Kolkata"
    assert f"[{stamp(ctx, first['message_id'], zone)}] Fatou Sow : Bonjour, <b>ma commande</b>" \
           f" n'est pas arrivée\n    Numéro 42" in text
    assert f"[{stamp(ctx, reply.message_id, zone)}] Admin acme : Je regarde & je reviens" in text
    assert "Asia/Kolkata" in text and f"Référence : T-{iid}" in text
    html = body(mail, "html")
    assert "&lt;b&gt;ma commande&lt;/b&gt;" in html and "<b>ma commande</b>" not in html
    assert "Je regarde &amp; je reviens" in html and "Numéro 42" in html

    [row] = requests(ctx)
    assert row.status == "sent" and row.sent_at is not None and row.error is None
    with ctx.read_session() as s:
        message = s.get(Message, row.message_id)
        assert message is not None and message.delivery_status == "sent"
        assert message.kind == "system" and message.interaction_id == iid


def test_a_repeated_request_sends_one_mail(
        ctx: AppContext, client: TestClient, smtp_server: SmtpServer) -> None:
    cw = chat_world(ctx)
    with_email(ctx, cw, smtp_server)
    with client.websocket_connect(cw.url) as ws:
        welcome = hello(ws)
        iid = say(ws, "a", "Bonjour")["interaction_id"]
        for _ in range(3):  # an impatient visitor clicks three times
            ws.send_json({"type": "transcript", "email": VISITOR_MAIL})
            assert next_frame(ws, "transcript")["status"] == "requested"
        actions.resolve(ctx, cw.world.admin, iid)
        # And again after the resolution, before and after the send.
        ws.send_json({"type": "transcript", "email": VISITOR_MAIL.upper()})
        assert next_frame(ws, "transcript")["status"] == "queued"
        assert send_pass(ctx) == 1
        assert next_frame(ws, "transcript")["status"] == "sent"
        ws.send_json({"type": "transcript", "email": VISITOR_MAIL})
        assert next_frame(ws, "transcript")["status"] == "sent"
    # The sweep of every process and fresh outbox workers (a restart) find nothing to do.
    assert queue_transcripts(ctx) == 0
    assert send_pass(ctx) == 0 and send_pass(ctx) == 0
    assert len(smtp_server.messages) == 1
    assert [(r.status, r.email) for r in requests(ctx)] == [("sent", VISITOR_MAIL)]
    with ctx.read_session() as s:
        assert len(s.exec(select(OutboxItem)).all()) == 1
    assert welcome["history"] == []


def test_a_request_after_the_resolution_is_mailed_at_once_in_english(
        ctx: AppContext, client: TestClient, smtp_server: SmtpServer) -> None:
    cw = chat_world(ctx)
    with_email(ctx, cw, smtp_server)
    set_tenant(ctx, cw.world.tenant, locale="en", timezone="America/New_York")
    with client.websocket_connect(cw.url) as ws:
        hello(ws)
        iid = say(ws, "a", "Hello, where is my order?")["interaction_id"]
        with ctx.transaction() as tx:  # the conversation's language, as the classifier says
            interaction = tx.session.get(Interaction, iid)
            assert interaction is not None
            interaction.language = "en"
            tx.session.add(interaction)
        actions.resolve(ctx, cw.world.admin, iid)
        next_frame(ws, "closed")
        ws.send_json({"type": "transcript", "email": VISITOR_MAIL})
        assert next_frame(ws, "transcript")["status"] == "queued"
        assert send_pass(ctx) == 1
    [mail] = mails(smtp_server)
    assert mail["Subject"].startswith("Your conversation with Acme SARL on ")
    text = body(mail, "plain")
    assert "You: Hello, where is my order?" in text and "America/New_York" in text


def test_a_request_left_pending_by_a_dead_process_is_sent_by_the_sweep(
        ctx: AppContext, smtp_server: SmtpServer) -> None:
    """The resolution committed but the process died before queueing the mail: the
    distributor's sweep of any process queues it, once."""
    cw = chat_world(ctx)
    with_email(ctx, cw, smtp_server)
    from channels.types import Identity, InboundMessage

    result = actions.ingest(ctx, InboundMessage(
        channel_id=cw.chat.id or 0, sender=Identity("visitor", "v-1"), text="Bonjour",
        provider_id="v-1:a"))
    assert request_transcript(ctx, cw.chat.id or 0, "v-1", result.interaction_id,
                              VISITOR_MAIL).status == "pending"
    with ctx.transaction() as tx:  # resolved behind the action's back: no hook ran
        interaction = tx.session.get(Interaction, result.interaction_id)
        assert interaction is not None
        interaction.status = "resolved"
        tx.session.add(interaction)
    assert queue_transcripts(ctx) == 1
    assert queue_transcripts(ctx) == 0
    assert send_pass(ctx) == 1
    assert len(smtp_server.messages) == 1
    assert [r.status for r in requests(ctx)] == ["sent"]


def test_an_address_the_mail_server_refuses_fails_and_the_visitor_is_told(
        ctx: AppContext, client: TestClient, smtp_server: SmtpServer) -> None:
    cw = chat_world(ctx)
    with_email(ctx, cw, smtp_server)
    smtp_server.rcpt_reply = "550 5.1.1 <fatou@example.sn>: Recipient address rejected"
    with client.websocket_connect(cw.url) as ws:
        hello(ws)
        iid = say(ws, "a", "Bonjour")["interaction_id"]
        actions.resolve(ctx, cw.world.admin, iid)
        ws.send_json({"type": "transcript", "email": VISITOR_MAIL})
        assert next_frame(ws, "transcript")["status"] == "queued"
        assert send_pass(ctx) == 1
        told = next_frame(ws, "transcript")
        assert told["status"] == "failed" and "Recipient address rejected" in told["detail"]
    [row] = requests(ctx)
    assert row.status == "failed" and row.error and "550" in row.error
    # Asking again after a failure is a new try.
    smtp_server.rcpt_reply = None
    with ctx.read_session() as s:
        interaction = s.get(Interaction, iid)
        assert interaction is not None
        visitor = str(interaction.meta["customer_address"])
    answer = request_transcript(ctx, cw.chat.id or 0, visitor, iid, VISITOR_MAIL)
    assert answer.status == "queued"
    assert send_pass(ctx) == 1
    assert [r.status for r in requests(ctx)] == ["failed", "sent"]
    assert len(smtp_server.messages) == 1


def test_the_chat_channel_may_name_the_email_channel(
        ctx: AppContext, smtp_server: SmtpServer) -> None:
    cw = chat_world(ctx)
    with_email(ctx, cw, smtp_server)  # the first one, not chosen
    other = SmtpServer()
    other.start()
    try:
        chosen = with_email(ctx, cw, other, address="chat@acme.sn")
        actions.update_channel(ctx, cw.world.admin, cw.chat.id or 0,
                               config={"transcript_channel": chosen.key})
        from channels.types import Identity, InboundMessage

        result = actions.ingest(ctx, InboundMessage(
            channel_id=cw.chat.id or 0, sender=Identity("visitor", "v-2"), text="Bonjour",
            provider_id="v-2:a"))
        actions.resolve(ctx, cw.world.admin, result.interaction_id)
        assert request_transcript(ctx, cw.chat.id or 0, "v-2", result.interaction_id,
                                  VISITOR_MAIL).status == "queued"
        assert send_pass(ctx) == 1
        assert smtp_server.messages == [] and len(other.messages) == 1
        assert message_from_bytes(other.messages[0].data)["From"].endswith("<chat@acme.sn>")
    finally:
        other.stop()


def test_a_request_follows_its_conversation_into_a_merge(
        ctx: AppContext, smtp_server: SmtpServer) -> None:
    """The agent merges the chat into another conversation of the same visitor: the
    lines move there, the request follows and goes when that one ends, with all lines."""
    from channels.types import Identity, InboundMessage

    cw = chat_world(ctx)
    with_email(ctx, cw, smtp_server)
    second = actions.create_channel(ctx, cw.world.admin, cw.world.tenant, "chat", "Boutique", {})

    def line(channel: Channel, text: str, n: str) -> int:
        return actions.ingest(ctx, InboundMessage(
            channel_id=channel.id or 0, sender=Identity("visitor", "v-9"), text=text,
            provider_id=f"v-9:{n}")).interaction_id

    first_id = line(cw.chat, "Première question", "a")
    kept_id = line(second, "Deuxième question", "b")
    assert first_id != kept_id
    assert request_transcript(ctx, cw.chat.id or 0, "v-9", first_id,
                              VISITOR_MAIL).status == "pending"
    actions.merge_interactions(ctx, cw.world.admin, kept_id, first_id)
    assert queue_transcripts(ctx) == 0  # moved to the kept conversation, still open
    [row] = requests(ctx)
    assert (row.status, row.interaction_id) == ("pending", kept_id)
    actions.resolve(ctx, cw.world.admin, kept_id)
    assert send_pass(ctx) == 1
    text = body(mails(smtp_server)[0], "plain")
    assert "Première question" in text and "Deuxième question" in text
    assert [r.status for r in requests(ctx)] == ["sent"]
