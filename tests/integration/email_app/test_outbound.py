"""Replies over SMTP through the outbox: exactly once across an outage, permanent refusals
shown with the server's words, and a bounce of our reply marks it failed."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from app import actions
from app.models import DeliveryAttempt, Interaction
from channels.email import read_message_id
from tests.integration.email_app.helpers import Desk, customer_mail, email_config
from tests.support.dovecot import USER


async def first_interaction(desk: Desk) -> int:
    await desk.mail(customer_mail(1, subject="Colis perdu"))
    return (await desk.inbound("c1@mail.example.org")).interaction_id


def attempts(desk: Desk, message_id: int) -> list[DeliveryAttempt]:
    with desk.ctx.read_session() as s:
        return list(s.exec(select(DeliveryAttempt)
                           .where(DeliveryAttempt.message_id == message_id)).all())


async def test_smtp_down_then_up_delivers_the_reply_exactly_once(desk: Desk) -> None:
    iid = await first_interaction(desk)
    desk.smtp.stop()
    reply_id = desk.reply(iid, "Nous regardons.")
    failed = await desk.wait(lambda: [a for a in attempts(desk, reply_id) if a.finished_at],
                             what="a failed attempt")
    assert not failed[0].ok and "SMTP unavailable" in (failed[0].error or "")
    assert desk.message(reply_id).delivery_status == "queued"  # still going to be retried
    desk.smtp.start()
    await desk.wait(lambda: desk.message(reply_id).delivery_status == "sent", what="sent")
    await asyncio.sleep(0.5)  # room for a second copy, should there be one
    assert len(desk.smtp.messages) == 1
    assert desk.smtp.messages[0].recipients == ("awa@example.org",)
    with desk.ctx.read_session() as s:
        assert s.get(Interaction, iid).status == "waiting_customer"  # type: ignore[union-attr]


async def test_a_5xx_is_permanent_and_shown_with_the_server_words(desk: Desk) -> None:
    iid = await first_interaction(desk)
    desk.smtp.rcpt_reply = "550 5.1.1 <awa@example.org>: Recipient address rejected"
    reply_id = desk.reply(iid, "Bonjour.")
    await desk.wait(lambda: desk.message(reply_id).delivery_status == "failed", what="failed")
    error = desk.message(reply_id).delivery_error or ""
    assert "550 5.1.1" in error and "Recipient address rejected" in error
    assert len(attempts(desk, reply_id)) == 1  # not retried


async def test_a_bounce_of_our_reply_marks_it_failed_and_opens_nothing(desk: Desk) -> None:
    iid = await first_interaction(desk)
    reply_id = desk.reply(iid, "Voici votre facture.")
    [sent] = await desk.sent(1)
    await desk.wait(lambda: desk.message(reply_id).delivery_status == "sent", what="sent")
    ours = sent["Message-ID"].strip("<>")
    assert read_message_id(ours, desk.channel.secret) == (reply_id, iid)
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
        f"Subject: {sent['Subject']}\r\n\r\n--b--\r\n"
    ).encode()
    await desk.mail(dsn)
    await desk.wait(lambda: desk.message(reply_id).delivery_status == "failed", what="failed")
    assert "User unknown" in (desk.message(reply_id).delivery_error or "")
    assert len(desk.interactions()) == 1
    assert [m.direction for m in desk.messages(iid)] == ["in", "out"]
    assert desk.find_inbound("dsn1@mx.example.org") is None


async def test_reply_goes_to_reply_to_and_copies_the_customer_s_cc(desk: Desk) -> None:
    actions.create_channel(desk.ctx, desk.world.admin, "acme", "email", "Ventes",
                           email_config(None, None, address="ventes@example.test",
                                        imap_host=""))
    await desk.mail(customer_mail(
        1, "Reply-To: Awa (bureau) <awa.bureau@example.org>\r\n"
           "Cc: Moussa <moussa@example.org>, ventes@example.test\r\n", subject="Devis"))
    iid = (await desk.inbound("c1@mail.example.org")).interaction_id
    desk.reply(iid, "Voici le devis.")
    [sent] = await desk.sent(1)
    assert sent["To"] == "awa.bureau@example.org"
    assert sent["Cc"] == "moussa@example.org"  # not our other mailbox: no mail loop
    assert set(desk.smtp.messages[0].recipients) == {"awa.bureau@example.org",
                                                     "moussa@example.org"}


async def test_composer_subject_copies_and_attachment_reach_the_customer(desk: Desk) -> None:
    from app.actions.compose import Upload, reply_email

    iid = await first_interaction(desk)
    reply_email(desk.ctx, desk.world.admin, iid, "Voici la facture demandée.",
                subject="Votre facture de novembre", cc=["compta@example.org"],
                attachments=[Upload("facture.pdf", "application/pdf", b"%PDF-1.4 facture")])
    [sent] = await desk.sent(1)
    assert "Votre facture de novembre" in sent["Subject"]
    assert f"T-{iid}" in sent["Subject"]
    assert "compta@example.org" in sent["Cc"]
    files = [(p.get_filename(), p.get_payload(decode=True)) for p in sent.walk()
             if p.get_filename()]
    assert files == [("facture.pdf", b"%PDF-1.4 facture")]
    assert "compta@example.org" in desk.smtp.messages[0].recipients
