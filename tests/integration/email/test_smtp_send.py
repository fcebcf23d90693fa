"""Sending replies through a real SMTP server (aiosmtpd): success, outages, 4xx and 5xx."""

from __future__ import annotations

import asyncio
from email import message_from_bytes, policy

import pytest

from channels.email import find_tag, parse_email, read_message_id, send
from channels.types import Attachment, OutboundMessage, PermanentSendError, TransientSendError
from tests.integration.email.helpers import email_channel
from tests.support.dovecot import free_port
from tests.support.smtp_server import SmtpServer


def reply(**overrides: object) -> OutboundMessage:
    fields: dict[str, object] = {
        "message_id": 77,
        "interaction_id": 1042,
        "to": "awa@example.org",
        "text": "Bonjour Awa,\n\nVotre colis part demain.\n\nMoussa",
        "subject": "RE: Colis perdu",
        "in_reply_to": "<cafe@mail.example.org>",
        "references": ("root@mail.example.org", "cafe@mail.example.org"),
        "author_name": "Moussa",
        "attachments": (Attachment("bon.pdf", "application/pdf", 4, b"%PDF"),),
    }
    fields.update(overrides)
    return OutboundMessage(**fields)  # type: ignore[arg-type]


async def test_send_delivers_a_threaded_reply(smtp_server: SmtpServer) -> None:
    channel = email_channel(smtp_port=smtp_server.port)
    result = await send(channel, reply())

    assert result.status == "sent" and result.provider_id
    assert read_message_id(result.provider_id, channel.secret) == (77, 1042)
    [captured] = smtp_server.messages
    assert captured.sender == "support@example.test"
    assert captured.recipients == ("awa@example.org",)
    mail = message_from_bytes(captured.data, policy=policy.default)
    assert mail["Message-ID"] == f"<{result.provider_id}>"
    assert mail["In-Reply-To"] == "<cafe@mail.example.org>"
    assert mail["References"] == "<root@mail.example.org> <cafe@mail.example.org>"
    assert mail["Subject"] == "Re: Colis perdu [#T-1042]"
    [author] = mail["From"].addresses
    assert (author.display_name, author.addr_spec) == ("Moussa (Support)", "support@example.test")
    assert mail["Reply-To"] == "support@example.test"
    parsed = parse_email(captured.data, channel_id=1)
    assert parsed.inbound is not None
    assert parsed.inbound.text.startswith("Bonjour Awa,")
    assert [a.filename for a in parsed.inbound.attachments] == ["bon.pdf"]
    assert find_tag(parsed.inbound.subject) == "T-1042"


async def test_server_down_is_transient_then_sent_once(smtp_server: SmtpServer) -> None:
    channel = email_channel(smtp_port=smtp_server.port)
    smtp_server.stop()
    with pytest.raises(TransientSendError) as down:
        await send(channel, reply())
    assert "unavailable" in down.value.detail
    smtp_server.start()  # same port: what an outbox retry would find
    first = await send(channel, reply())
    assert len(smtp_server.messages) == 1
    # A retry of the same outbox row carries the same Message-ID: recognisable duplicate.
    assert first.provider_id and first.provider_id in smtp_server.messages[0].data.decode()


async def test_nothing_listening_is_transient() -> None:
    with pytest.raises(TransientSendError):
        await send(email_channel(smtp_port=free_port()), reply())


@pytest.mark.parametrize(
    ("where", "answer", "error"),
    [
        ("rcpt", "450 4.2.1 Mailbox busy, try later", TransientSendError),
        ("rcpt", "550 5.1.1 <awa@example.org>: Recipient address rejected", PermanentSendError),
        ("data", "451 4.3.0 Temporary lookup failure", TransientSendError),
        ("data", "554 5.7.1 Message rejected as spam", PermanentSendError),
    ],
)
async def test_server_answers_are_classified(
    smtp_server: SmtpServer, where: str, answer: str, error: type[Exception]
) -> None:
    setattr(smtp_server, f"{where}_reply", answer)
    with pytest.raises(error) as failure:
        await send(email_channel(smtp_port=smtp_server.port), reply())
    # The agent sees the server's own words.
    assert answer.split(" ", 1)[1] in str(failure.value)
    assert smtp_server.messages == []


async def test_invalid_recipient_is_permanent(smtp_server: SmtpServer) -> None:
    with pytest.raises(PermanentSendError):
        await send(email_channel(smtp_port=smtp_server.port), reply(to="not an address"))


# AUTH without TLS is what we want on loopback; aiosmtpd warns about it on every connection.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
async def test_smtp_auth() -> None:
    server = SmtpServer(users={"support@example.test": "pw"})
    server.start()
    try:
        good = email_channel(
            smtp_port=server.port, smtp_user="support@example.test", smtp_password="pw"
        )
        await send(good, reply())
        assert len(server.messages) == 1
        bad = email_channel(
            smtp_port=server.port, smtp_user="support@example.test", smtp_password="nope"
        )
        with pytest.raises(TransientSendError) as failure:
            await send(bad, reply())
        assert "authentication failed" in failure.value.detail
    finally:
        server.stop()


async def test_concurrent_sends(smtp_server: SmtpServer) -> None:
    channel = email_channel(smtp_port=smtp_server.port)
    results = await asyncio.gather(*(send(channel, reply(message_id=n)) for n in range(1, 11)))
    assert len({r.provider_id for r in results}) == 10
    assert len(smtp_server.messages) == 10


async def test_starttls_required_and_implicit_tls() -> None:
    for mode, extra in (
        ("starttls", {"smtp_starttls": "always"}),
        ("implicit", {"smtp_tls": True, "smtp_starttls": "auto"}),
    ):
        server = SmtpServer(tls=mode)  # type: ignore[arg-type]
        server.start()
        try:
            channel = email_channel(smtp_port=server.port, smtp_validate_certs=False, **extra)
            await send(channel, reply())
            assert len(server.messages) == 1, mode
            strict = email_channel(smtp_port=server.port, **extra)  # self-signed: refused
            with pytest.raises(TransientSendError):
                await send(strict, reply())
        finally:
            server.stop()
