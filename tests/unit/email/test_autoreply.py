"""Auto-reply detection: RFC 3834 headers, vendor headers, fr/en out-of-office subjects."""

from __future__ import annotations

import pytest

from channels.email import parse_email


def mail(headers: str, subject: str = "Commande 42") -> bytes:
    return (
        f"From: Awa <awa@example.org>\r\nTo: support@shop.sn\r\nSubject: {subject}\r\n"
        f"Message-ID: <a1@example.org>\r\n{headers}\r\nBonjour\r\n"
    ).encode()


@pytest.mark.parametrize(
    "headers",
    [
        "Auto-Submitted: auto-replied\r\n",
        "Auto-Submitted: auto-generated\r\n",
        "X-Autoreply: yes\r\n",
        "X-Autorespond: Yes\r\n",
        "Precedence: bulk\r\n",
        "Precedence: junk\r\n",
        "Precedence: list\r\n",
        "X-Auto-Response-Suppress: All\r\n",
        "List-Id: <news.shop.sn>\r\n",
        "Return-Path: <>\r\n",
    ],
)
def test_auto_reply_headers(headers: str) -> None:
    parsed = parse_email(mail(headers), channel_id=1)
    assert parsed.kind == "auto_reply" and parsed.auto_reply_reason
    assert parsed.inbound is not None  # still ingestible: only auto-acknowledgement is off
    assert parsed.inbound.meta["auto_reply_reason"] == parsed.auto_reply_reason


@pytest.mark.parametrize(
    "subject",
    [
        "Out of Office: Commande 42",
        "Automatic reply: Commande 42",
        "Auto-Reply: Commande 42",
        "Réponse automatique : Commande 42",
        "Reponse automatique: Commande 42",
        "Absence du bureau",
        "Message d'absence",
        "[EXT] Absent du bureau jusqu'au 20 janvier",
    ],
)
def test_out_of_office_subjects(subject: str) -> None:
    parsed = parse_email(mail("", subject), channel_id=1)
    assert parsed.kind == "auto_reply" and parsed.auto_reply_reason == "out-of-office subject"


@pytest.mark.parametrize(
    "subject", ["Commande 42", "I was out of office when it was delivered", "Re: auto reply?"]
)
def test_people_are_not_robots(subject: str) -> None:
    assert parse_email(mail("Auto-Submitted: no\r\n", subject), channel_id=1).kind == "message"


def test_our_own_auto_acknowledgement_is_seen_as_automatic() -> None:
    from channels.email import build_message
    from channels.types import ChannelConfig, OutboundMessage

    channel = ChannelConfig(1, 1, "email", "k", "s", {"address": "support@shop.sn"})
    ack = OutboundMessage(
        1,
        2,
        "awa@example.org",
        "Nous avons bien reçu votre message.",
        subject="Commande",
        meta={"auto_submitted": True},
    )
    mail_, _ = build_message(channel, ack)
    assert parse_email(mail_.as_bytes(), channel_id=1).kind == "auto_reply"
