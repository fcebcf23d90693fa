"""Size limits: an attachment over the limit is skipped with a note, never a failure."""

from __future__ import annotations

from email.message import EmailMessage

from channels.email import parse_email


def with_attachment(size: int) -> bytes:
    mail = EmailMessage()
    mail["From"] = "Awa <awa@example.org>"
    mail["To"] = "support@shop.sn"
    mail["Subject"] = "Photos du colis"
    mail["Message-ID"] = "<big@example.org>"
    mail.set_content("Voici les photos.")
    mail.add_attachment(
        b"\x89PNG" + b"\0" * (size - 4), maintype="image", subtype="png", filename="colis.png"
    )
    mail.add_attachment(b"small", maintype="text", subtype="plain", filename="note.txt")
    return mail.as_bytes()


def test_fifty_megabyte_attachment_is_skipped_with_a_note() -> None:
    parsed = parse_email(
        with_attachment(50 * 1024 * 1024), channel_id=1, max_attachment_bytes=25 * 1024 * 1024
    )
    assert parsed.kind == "message" and parsed.inbound is not None
    big, small = parsed.inbound.attachments
    assert big.filename == "colis.png" and big.content is None
    assert big.skipped_reason and "limit" in big.skipped_reason
    assert big.size >= 50 * 1024 * 1024
    assert small.content == b"small"
    assert parsed.inbound.text == "Voici les photos."
    assert any("colis.png" in note and "skipped" in note for note in parsed.inbound.meta["notes"])


def test_under_the_limit_is_kept() -> None:
    parsed = parse_email(with_attachment(4000), channel_id=1, max_attachment_bytes=5000)
    assert parsed.inbound is not None and parsed.inbound.attachments[0].size == 4000


def test_long_text_is_capped_not_refused() -> None:
    raw = b"From: a@example.org\r\nSubject: x\r\n\r\n" + b"mot " * 20_000
    parsed = parse_email(raw, channel_id=1)
    assert parsed.inbound is not None and len(parsed.inbound.text) == 20_000
    assert any("truncated" in n for n in parsed.inbound.meta["notes"])


def test_no_message_id_gets_a_stable_synthetic_one() -> None:
    raw = b"From: a@example.org\r\nSubject: x\r\n\r\nhello"
    first, second = parse_email(raw, channel_id=1), parse_email(raw, channel_id=1)
    assert first.message_id == second.message_id
    assert first.message_id.endswith("@teranga.invalid")
    assert first.inbound is not None and first.inbound.meta["message_id_synthetic"] is True


def test_empty_input_is_set_aside() -> None:
    assert parse_email(b"", channel_id=1).set_aside
    assert parse_email(b"\r\n\r\n", channel_id=1).set_aside
