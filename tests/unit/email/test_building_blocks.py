"""Charsets, headers, HTML to text, IMAP response parsing, backoff, settings."""

from __future__ import annotations

import random
from email import message_from_bytes, policy

import pytest

from channels.email import EmailSettings, html_to_text, sanitize_html
from channels.email.backoff import Backoff
from channels.email.charset import clean_text, codec_for, decode_bytes
from channels.email.fetch import fetched_bodies, is_new_mail_notice, search_uids, select_numbers
from channels.email.headers import addresses, header_text, msgid_list


@pytest.mark.parametrize(
    ("data", "charset", "expected"),
    [
        ("Hélène".encode(), "utf-8", "Hélène"),
        ("Hélène".encode("latin-1"), "iso-8859-1", "Hélène"),
        ("€uro – ok".encode("cp1252"), "iso-8859-1", "€uro – ok"),  # mislabelled cp1252
        ("€uro".encode("cp1252"), "windows-1252", "€uro"),
        ("Hélène".encode(), "us-ascii", "Hélène"),  # UTF-8 labelled ascii
        ("Hélène".encode(), "x-unknown-charset", "Hélène"),
        ("Hélène".encode("latin-1"), "bogus", "Hélène"),
        ("Привет".encode("mac-cyrillic"), "x-mac-cyrillic", "Привет"),
        ("Hélène".encode(), "iso-8859-1", "Hélène"),  # UTF-8 mislabelled latin-1
        ("你好".encode("gbk"), "gb2312", "你好"),
    ],
)
def test_decode_bytes(data: bytes, charset: str, expected: str) -> None:
    assert decode_bytes(data, charset) == expected


def test_codec_names_and_cleaning() -> None:
    assert codec_for('"UTF-8"') == "utf-8"
    assert codec_for("unknown-8bit") is None
    assert clean_text("a\x00b\udcc3\udca9c") == "abéc"


def test_headers_with_raw_8bit_and_broken_encoded_words() -> None:
    raw = (
        b"From: =?utf-8?q?Fran=C3=A7ois?= <F@Example.ORG>, bad-address\r\n"
        b"Subject: caf\xe9 =?x-nonsense?q?abc?=\r\n"
        b"References: <a@x> <b@x>\r\n <a@x>\r\nIn-Reply-To: c@x\r\n\r\nbody"
    )
    msg = message_from_bytes(raw, policy=policy.default)
    assert addresses(msg, "From") == [("François", "f@example.org")]
    subject = header_text(msg, "Subject")
    assert subject is not None and subject.startswith("café")
    assert msgid_list(header_text(msg, "References")) == ["a@x", "b@x"]
    assert msgid_list(header_text(msg, "In-Reply-To")) == ["c@x"]
    assert header_text(msg, "X-Missing") is None


def test_html_to_text_keeps_structure_and_quotes() -> None:
    html = (
        "<html><head><style>p{}</style><script>x()</script></head><body>"
        "<p>Bonjour&nbsp;<b>Awa</b>,</p><p>Ligne 1<br>Ligne 2</p><ul><li>un</li><li>deux</li></ul>"
        "<div>Le lun. 15 janv. 2025, Shop a écrit :</div><blockquote><p>Question ?</p>"
        "</blockquote></body></html>"
    )
    assert html_to_text(html) == (
        "Bonjour Awa,\n\nLigne 1\nLigne 2\n- un\n- deux\n"
        "Le lun. 15 janv. 2025, Shop a écrit :\n>\n> Question ?"
    )
    assert html_to_text("<p>unclosed <b>tags") == "unclosed tags"


def test_sanitize_html() -> None:
    dirty = (
        '<p onclick="x()">Hi<script>alert(1)</script><img src="cid:logo">'
        '<a href="javascript:x">l</a></p>'
    )
    clean = sanitize_html(dirty)
    assert "script" not in clean and "onclick" not in clean and "javascript" not in clean
    assert 'src="cid:logo"' in clean


def test_imap_response_parsing() -> None:
    select = [
        b"FLAGS (\\Seen)",
        b"OK [UIDVALIDITY 1700000001] UIDs valid",
        b"OK [UIDNEXT 42] Predicted next UID",
        b"[READ-WRITE] Select completed",
    ]
    assert select_numbers(select) == (1700000001, 42)
    assert search_uids([b"5 7 9", b"Search completed"], above=5) == [7, 9]
    assert search_uids([b"", b"Search completed"], above=0) == []
    assert search_uids([b"3", b"Search completed"], above=5) == []  # "n:*" returns the last
    lines = [
        b"1 FETCH (UID 7 BODY[] {5}",
        bytearray(b"hello"),
        b")",
        b"2 FETCH (FLAGS (\\Seen))",
        b"3 FETCH (BODY[] {3}",
        bytearray(b"abc"),
        b" UID 9)",
        b"Fetch completed",
    ]
    assert fetched_bodies(lines) == {7: b"hello", 9: b"abc"}
    assert is_new_mail_notice(b"12 EXISTS") and not is_new_mail_notice(b"3 EXPUNGE")


def test_backoff_grows_with_jitter_and_is_capped() -> None:
    backoff = Backoff(1.0, 30.0, rng=random.Random(1))
    delays = [backoff.next() for _ in range(10)]
    for attempt, delay in enumerate(delays):
        ceiling = min(30.0, 2.0**attempt)
        assert ceiling / 2 <= delay <= ceiling
    backoff.reset()
    assert backoff.next() <= 1.0
    with pytest.raises(ValueError):
        Backoff(0, 1)


def test_settings_defaults_and_coercion() -> None:
    s = EmailSettings.from_config(
        {
            "address": "Support@Shop.sn",
            "imap_host": "imap.shop.sn",
            "imap_password": "pw",
            "smtp_tls": "true",
            "imap_port": "993",
        }
    )
    assert s.address == "support@shop.sn" and s.imap_user == "support@shop.sn"
    assert s.imap_tls and s.imap_port == 993 and s.smtp_tls and s.smtp_port == 465
    assert s.smtp_user == "support@shop.sn" and s.smtp_password == "pw"
    assert s.imap_folder == "INBOX" and s.smtp_starttls == "auto"
    no_auth = EmailSettings.from_config({"address": "a@b.sn", "smtp_user": ""})
    assert no_auth.smtp_user is None
    for bad in (
        {},
        {"address": "a@b.sn", "imap_port": "x"},
        {"address": "a@b.sn", "imap_tls": "maybe"},
    ):
        with pytest.raises(ValueError):
            EmailSettings.from_config(bad)
