"""Outbound MIME: headers that thread, parts that render, and a parse round trip."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy

from channels.email import build_message, outbound_message_id, parse_email, read_message_id
from channels.types import Attachment, ChannelConfig, OutboundMessage

CHANNEL = ChannelConfig(
    id=4,
    tenant_id=1,
    kind="email",
    key="k",
    secret="s3cret",
    config={"address": "Support@Shop.sn", "display_name": "Boutique Téranga"},
)


def reply(**overrides: object) -> OutboundMessage:
    fields: dict[str, object] = {
        "message_id": 77,
        "interaction_id": 1042,
        "to": "awa@example.org",
        "text": "Bonjour Awa,\n\nVotre colis arrive jeudi.\n\nMoussa",
        "subject": "TR: RE: Colis perdu",
        "in_reply_to": "<c2@mail.example.org>",
        "references": ("c1@mail.example.org", "<c2@mail.example.org>"),
        "author_name": "Moussa",
    }
    fields.update(overrides)
    return OutboundMessage(**fields)  # type: ignore[arg-type]


def test_headers() -> None:
    when = datetime(2025, 1, 14, 10, 0, tzinfo=UTC)
    mail, mid = build_message(CHANNEL, reply(), now=when)
    assert mid == outbound_message_id(CHANNEL, 77, 1042)
    assert read_message_id(mid, "s3cret") == (77, 1042)
    assert mail["Message-ID"] == f"<{mid}>"
    assert mail["In-Reply-To"] == "<c2@mail.example.org>"
    assert mail["References"] == "<c1@mail.example.org> <c2@mail.example.org>"
    assert mail["Subject"] == "Re: Colis perdu [#T-1042]"
    assert mail["Date"] == "Tue, 14 Jan 2025 10:00:00 +0000"
    [author] = mail["From"].addresses
    assert author.display_name == "Moussa (Boutique Téranga)"
    assert author.addr_spec == "support@shop.sn"
    assert mail["Reply-To"] == "support@shop.sn"
    assert "Auto-Submitted" not in mail


def test_parts_and_round_trip() -> None:
    att = Attachment("facture.pdf", "application/pdf", 8, b"%PDF-1.4")
    skipped = Attachment("huge.zip", "application/zip", 10**9, None, skipped_reason="too big")
    mail, mid = build_message(CHANNEL, reply(attachments=(att, skipped)))
    raw = mail.as_bytes()
    reread = message_from_bytes(raw, policy=policy.default)
    body = reread.get_body(("plain",))
    html = reread.get_body(("html",))
    assert body is not None and "Votre colis arrive jeudi." in body.get_content()
    assert html is not None and "<p>Votre colis arrive jeudi.</p>" in html.get_content()
    assert b"MIME-Version" not in raw.split(b"\n\n", 1)[1]  # only on the top part

    parsed = parse_email(raw, channel_id=4)
    assert parsed.kind == "message" and parsed.inbound is not None
    assert parsed.message_id == mid
    assert parsed.inbound.thread_refs == ("c2@mail.example.org", "c1@mail.example.org")
    assert [a.filename for a in parsed.inbound.attachments] == ["facture.pdf"]
    assert parsed.inbound.attachments[0].content == b"%PDF-1.4"
    # …and a copy of it landing in our own inbox is not a customer message.
    own = parse_email(raw, channel_id=4, own_addresses=["support@shop.sn"])
    assert own.inbound is None and own.set_aside


def test_meta_overrides() -> None:
    mail, mid = build_message(
        CHANNEL,
        reply(
            html="<p>Bonjour <b>Awa</b></p>",
            references=(),
            in_reply_to=None,
            subject=None,
            meta={
                "message_id_header": "<precomputed@shop.sn>",
                "ref": "SN-9",
                "cc": ["b@x.org"],
                "reply_to": "replies@shop.sn",
                "auto_submitted": True,
            },
        ),
    )
    assert mid == "precomputed@shop.sn"
    assert mail["Subject"] == "[#SN-9]"
    assert mail["Cc"] == "b@x.org" and mail["Reply-To"] == "replies@shop.sn"
    assert mail["Auto-Submitted"] == "auto-replied"
    assert "In-Reply-To" not in mail and "References" not in mail
    html = mail.get_body(("html",))
    assert html is not None and "<b>Awa</b>" in html.get_content()


def test_long_reference_chains_are_trimmed() -> None:
    refs = tuple(f"r{i}@x.org" for i in range(60))
    mail, _ = build_message(CHANNEL, reply(references=refs, in_reply_to="r59@x.org"))
    ids = str(mail["References"]).split()
    assert len(ids) == 20 and ids[0] == "<r0@x.org>" and ids[-1] == "<r59@x.org>"
