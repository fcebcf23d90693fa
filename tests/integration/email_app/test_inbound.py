"""A customer's mail reaches the queue through the real ingest: parsed, sanitised,
classified, routed, with attachments; the UID is remembered across restarts of Teranga and
of Dovecot; every message of the real-world corpus is either ingested or set aside."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlmodel import col, select

from app.context import AppContext
from app.models import Attachment, Message
from channels.email import parse_email
from tests.integration.email_app.helpers import CUSTOMER, Desk, customer_mail
from tests.support.dovecot import USER

CORPUS = Path(__file__).parents[2] / "data" / "eml"


def rich_mail() -> bytes:
    big = "A" * 6000  # over the channel's 4,000-byte attachment limit
    return (
        f"From: =?utf-8?q?Awa_Diop?= <{CUSTOMER.upper()}>\r\nTo: {USER}\r\n"
        "Subject: =?utf-8?q?Commande_n=C2=B042_pas_arriv=C3=A9e?=\r\n"
        "Message-ID: <rich-1@mail.example.org>\r\nDate: Tue, 14 Jan 2025 09:00:00 +0000\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="m"\r\n\r\n'
        # HTML only, as many webmails send it: the text is derived from it.
        "--m\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        "<p>Bonjour, ma <b>commande</b> n'est pas arrivée.</p>"
        "<script>alert(1)</script><img src=x onerror=alert(2)>"
        "<div>Le lun. 13 janv. 2025 à 17:03, Support &lt;support@example.test&gt; a écrit :</div>"
        "<blockquote>Votre commande est partie.</blockquote>\r\n"
        '--m\r\nContent-Type: text/plain; name="bon.txt"\r\n'
        'Content-Disposition: attachment; filename="bon.txt"\r\n\r\nBon de commande 42\r\n'
        '--m\r\nContent-Type: application/octet-stream; name="gros.bin"\r\n'
        'Content-Disposition: attachment; filename="gros.bin"\r\n\r\n'
        f"{big}\r\n--m--\r\n"
    ).encode()


async def test_mail_is_ingested_classified_routed_with_attachments(desk: Desk) -> None:
    await desk.mail(rich_mail())
    message = await desk.inbound("rich-1@mail.example.org")
    assert message.text == "Bonjour, ma commande n'est pas arrivée."
    assert "a écrit" in message.meta["full_text"]  # the whole original stays for the agent
    assert "Message-ID: <rich-1@mail.example.org>" in message.meta["headers"]
    assert message.subject == "Commande n°42 pas arrivée"
    assert message.html is not None and "<b>commande</b>" in message.html
    assert "script" not in message.html and "onerror" not in message.html
    interaction = desk.interaction(message.interaction_id)
    assert interaction.classification_label == "ventes"  # "commande" is a sales keyword
    assert interaction.assignee_id == desk.world.agents["awa"].user_id
    assert interaction.meta["customer_address"] == CUSTOMER

    def attachments() -> list[Attachment]:
        with desk.ctx.read_session() as s:
            return list(s.exec(select(Attachment).where(Attachment.message_id == message.id)
                               .order_by(col(Attachment.id))).all())

    # Written just after ingest's commit, before the UID is acknowledged.
    files = await desk.wait(attachments, what="attachments")
    assert [(f.filename, f.content is not None) for f in files] == [
        ("bon.txt", True), ("gros.bin", False)]
    assert files[0].content == b"Bon de commande 42"
    assert files[1].skipped_reason and files[0].tenant_id == message.tenant_id
    await desk.handled(1)


async def test_uid_resume_after_a_restart_of_teranga(desk: Desk) -> None:
    for n in range(3):
        await desk.mail(customer_mail(n, subject=f"Question {n}", sender=f"c{n}@example.org"))
    await desk.wait(lambda: len(desk.messages()) == 3, what="3 messages")
    await desk.stop_mailboxes()
    # Mail keeps arriving while Teranga is down.
    for n in range(3, 5):
        await desk.mail(customer_mail(n, subject=f"Question {n}", sender=f"c{n}@example.org"))
    await desk.start(outbox=False)
    await desk.handled(5)
    ids = sorted(m.provider_id or "" for m in desk.messages())
    assert ids == [f"c{n}@mail.example.org" for n in range(5)]
    # The restarted worker resumed after UID 3: it fetched only the two new messages.
    assert desk.supervisor is not None
    health = desk.supervisor.health(desk.channel_id)
    assert health is not None and health.delivered == 2


async def test_dovecot_restart_during_idle_loses_and_doubles_nothing(desk: Desk) -> None:
    await desk.mail(customer_mail(1, subject="Avant"))
    await desk.inbound("c1@mail.example.org")
    assert desk.supervisor is not None
    await desk.wait(lambda: (h := desk.supervisor and desk.supervisor.health(desk.channel_id))
                    and h.state == "idle", what="IDLE")
    await asyncio.to_thread(desk.dovecot.restart)
    await desk.mail(customer_mail(2, subject="Après", sender="moussa@example.org"))
    await desk.inbound("c2@mail.example.org")
    await desk.wait(lambda: (h := desk.supervisor and desk.supervisor.health(desk.channel_id))
                    and h.state == "idle" and h.connected, what="IDLE again")
    assert len(desk.messages()) == 2
    health = desk.supervisor.health(desk.channel_id)
    assert health is not None and health.last_error is not None  # the drop was seen


def mailbox_contents(desk: Desk) -> dict[int, bytes]:
    with desk.dovecot.imap() as conn:
        conn.select("INBOX", readonly=True)
        _typ, data = conn.uid("FETCH", "1:*", "(UID BODY.PEEK[])")
    out: dict[int, bytes] = {}
    for item in data:
        if isinstance(item, tuple):
            uid = int(item[0].split(b"UID ")[1].split()[0])
            out[uid] = item[1]
    return out


async def test_every_corpus_message_is_ingested_or_set_aside(desk: Desk, ctx: AppContext
                                                              ) -> None:
    files = sorted(CORPUS.glob("*.eml"))
    assert len(files) == 65
    raws = [f.read_bytes() for f in files]
    await asyncio.to_thread(desk.dovecot.append_many, raws)
    await desk.wait(lambda: desk.state().get("imap_cursor", {}).get("last_uid") == 65,
                    timeout=120, what="the whole corpus")
    assert desk.supervisor is not None
    health = desk.supervisor.health(desk.channel_id)
    assert health is not None and health.consecutive_failures == 0
    assert desk.supervisor.running[desk.channel_id].task.done() is False
    with ctx.read_session() as s:
        stored = set(s.exec(select(Message.provider_id).where(
            Message.channel_id == desk.channel_id, Message.direction == "in")).all())
    aside = {e["message_id"]: e["reason"] for e in desk.state().get("set_aside", [])}
    # The bytes as the mailbox holds them (APPEND normalises line ends, and a message
    # without a Message-ID gets an id derived from its bytes).
    held = await asyncio.to_thread(mailbox_contents, desk)
    assert len(held) == 65
    for uid, raw in held.items():
        parsed = parse_email(raw, channel_id=desk.channel_id, own_addresses=[USER])
        assert parsed.message_id in stored or parsed.message_id in aside, uid
        reason = aside.get(parsed.message_id, "")
        assert not reason.startswith(("parser error", "ingest failed")), (uid, reason)
    assert stored and aside  # both happen in real mail (bounces, reports, no From…)


async def test_uidvalidity_change_offers_everything_again_and_doubles_nothing(desk: Desk
                                                                             ) -> None:
    old = [customer_mail(n, subject=f"Question {n}", sender=f"c{n}@example.org")
           for n in range(2)]
    for raw in old:
        await desk.mail(raw)
    await desk.handled(2)
    validity = desk.state()["imap_cursor"]["uidvalidity"]
    # The mailbox is rebuilt (restored backup, migrated account): new UIDVALIDITY, UIDs
    # from 1 again, the old mail plus one new message.
    new_validity = await asyncio.to_thread(
        desk.dovecot.reset_mailbox,
        [*old, customer_mail(2, subject="Question 2", sender="c2@example.org")])
    assert new_validity != validity
    await desk.wait(lambda: desk.state()["imap_cursor"] == {"uidvalidity": new_validity,
                                                            "last_uid": 3},
                    what="the new numbering")
    assert sorted(m.provider_id or "" for m in desk.messages()) == [
        f"c{n}@mail.example.org" for n in range(3)]
