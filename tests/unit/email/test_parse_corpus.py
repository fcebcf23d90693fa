"""All 65 real-world messages of tests/data/eml (see MANIFEST.csv for their sources and
licences) go through ``parse_email``: each is ingestible or set aside with a reason."""

from __future__ import annotations

import csv
import json
import logging
from pathlib import Path

import pytest

from channels.email import parse_email
from channels.email.parse import ParsedEmail

CORPUS = Path(__file__).parents[2] / "data" / "eml"
FILES = sorted(CORPUS.glob("*.eml"))
log = logging.getLogger(__name__)


def parsed(name: str) -> ParsedEmail:
    return parse_email((CORPUS / f"{name}.eml").read_bytes(), channel_id=3)


def test_corpus_is_complete_and_described() -> None:
    with (CORPUS / "MANIFEST.csv").open(encoding="utf-8") as fh:
        described = {row["file"] for row in csv.DictReader(fh)}
    assert len(FILES) == 65
    assert {f.name for f in FILES} == described
    assert (CORPUS / "LICENSES").is_dir()


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_every_message_is_ingested_or_set_aside(path: Path) -> None:
    result = parse_email(path.read_bytes(), channel_id=3)
    assert result.message_id and "<" not in result.message_id
    if result.inbound is None:
        assert result.set_aside and not result.set_aside.startswith("parser error")
        log.info("%s set aside: %s", path.name, result.set_aside)
        return
    inbound = result.inbound
    assert inbound.channel_id == 3
    assert inbound.sender.kind == "email" and "@" in inbound.sender.value
    assert inbound.provider_id == result.message_id
    # Everything must be storable: valid UTF-8 text, JSON-friendly meta.
    for text in (
        inbound.text,
        inbound.subject or "",
        inbound.html or "",
        inbound.sender.name or "",
    ):
        text.encode("utf-8")
    json.dumps(inbound.meta)
    assert result.message_id not in inbound.thread_refs


def test_set_aside_reasons_are_the_expected_ones() -> None:
    aside = {f.stem: parse_email(f.read_bytes(), channel_id=1).set_aside for f in FILES}
    assert {k: v for k, v in aside.items() if v} == {
        "flanker__attached-pdf": "no usable From address",
        "nodemailer__mixed": "no usable From address",
        "phpmimemailparser__issue116": "no usable From address",
        "phpmimemailparser__issue212": "no usable From address",
        "phpmimemailparser__issue84": "no usable From address",
    }


@pytest.mark.parametrize(
    ("name", "original", "reason_part"),
    [
        ("flanker__bounce_mailbox-full", "4E326A95.3010907@example.com", "MAILBOX FULL"),
        (
            "flanker__bounce_office365",
            "20171013111011.20866.254C2F3A4D7AA526@ninomail.com",
            "5.1.10",
        ),
        ("nodemailer__delivery-status", "xxxxx@email.amazonses.com", "suppression list"),
        ("flanker__bounce_delayed", None, "426 connection timed out"),
    ],
)
def test_bounces(name: str, original: str | None, reason_part: str) -> None:
    result = parsed(name)
    assert result.kind == "bounce" and result.bounce is not None
    assert result.bounce.original_message_id == original
    assert result.bounce.failed
    assert reason_part in result.bounce.reason
    assert result.inbound is not None and result.inbound.meta["bounce"]["failed"] is True


def test_reports_are_neither_messages_nor_bounces() -> None:
    assert parsed("flanker__disposition-notification").kind == "report"
    assert parsed("flanker__complaints_yahoo").kind == "report"


def test_raw_8bit_header_is_recovered() -> None:
    inbound = parsed("flanker__from-encoding").inbound
    assert inbound is not None and inbound.sender.name == "Ingo Lütkebohle"


def test_rfc2047_headers() -> None:
    inbound = parsed("phpmimemailparser__m0022").inbound
    assert inbound is not None
    assert inbound.sender.name == "sendeär"
    assert inbound.subject == "[PRJ-OTH] asdf árvíztűrő tükörfúrógép"
    assert parsed("flanker__encoded-header").inbound.sender.name == "Foo, Bar"  # type: ignore[union-attr]


def test_unknown_charset_name_still_decodes() -> None:
    # x-mac-cyrillic is not a Python codec name; mac-cyrillic is.
    inbound = parsed("phpmimemailparser__issue230").inbound
    assert inbound is not None and "\ufffd" not in inbound.text
    assert any("\u0400" <= ch <= "\u04ff" for ch in inbound.meta["full_text"])


def test_attachments_and_forwarded_messages() -> None:
    ten = parsed("phpmimemailparser__m0028").inbound
    assert ten is not None and len(ten.attachments) == 10
    photo = parsed("flanker__iphone").inbound
    assert photo is not None
    [jpeg] = photo.attachments
    assert jpeg.content_type == "image/jpeg" and jpeg.content and jpeg.size == len(jpeg.content)
    forwarded = parsed("flanker__enclosed").inbound
    assert forwarded is not None
    [eml] = forwarded.attachments
    assert eml.content_type == "message/rfc822" and eml.filename.endswith(".eml")
    assert any("forwarded message" in note for note in forwarded.meta["notes"])


@pytest.mark.parametrize(
    "client",
    [
        "android",
        "aol",
        "apple_mail",
        "apple_mail_2",
        "comcast",
        "gmail",
        "hotmail",
        "iphone",
        "outlook",
        "sparrow",
        "thunderbird",
        "yahoo",
    ],
)
def test_client_replies_keep_only_the_new_text(client: str) -> None:
    inbound = parsed(f"talon__standard_replies_{client}").inbound
    assert inbound is not None
    first_line = inbound.text.split("\n")[0]
    assert first_line == "Hello"
    assert len(inbound.meta["full_text"]) > len(inbound.text)


def test_html_only_message_is_converted() -> None:
    inbound = parsed("flanker__long-links").inbound
    assert inbound is not None and inbound.html and "<" not in inbound.text[:50]
