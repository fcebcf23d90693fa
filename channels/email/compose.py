"""An agent's reply as a MIME message that threads under the customer's mail.

What the app passes in ``OutboundMessage.meta`` (all optional):

``message_id_header``  the bare Message-ID to use; the app should compute it with
                       :func:`channels.email.outbound_message_id` when it creates the reply
                       and store it, so threading works from the database. Default: the
                       same value, computed here.
``ref``                the subject tag reference (default ``T-<interaction_id>``).
``reply_to``           Reply-To address (default: the channel's ``reply_to``/``address``).
``cc``                 list of addresses to copy.
``auto_submitted``     True for machine mail (auto-acknowledgements): adds
                       ``Auto-Submitted: auto-replied`` so other robots do not answer it.
``subject_as_is``      True for a mail that answers nothing (a chat transcript): the
                       subject is used as written, without ``Re:`` nor the tag.
"""

from __future__ import annotations

import html as html_lib
import mimetypes
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from channels.email.config import EmailSettings
from channels.email.headers import msgid_list, normalize_msgid
from channels.email.message_id import bracket, domain_of, make_message_id
from channels.email.subject import reply_subject
from channels.types import ChannelConfig, OutboundMessage

MAX_REFERENCES = 20


def outbound_message_id(channel: ChannelConfig, message_id: int, interaction_id: int) -> str:
    """The signed Message-ID (bare) for an outbound row; the app stores it at reply time."""
    settings = EmailSettings.from_config(channel.config)
    return make_message_id(message_id, interaction_id, channel.secret, domain_of(settings.address))


def _from_header(settings: EmailSettings, author_name: str | None) -> Address:
    name = settings.display_name
    if author_name and name:
        name = f"{author_name} ({name})"
    elif author_name:
        name = author_name
    local, _, domain = settings.address.partition("@")
    return Address(display_name=name or "", username=local, domain=domain)


def _references(msg: OutboundMessage) -> list[str]:
    """Parent's References then the parent itself, oldest first (RFC 5322 §3.6.4)."""
    refs: list[str] = []
    for ref in msg.references:
        for ident in msgid_list(ref) or [ref]:
            norm = normalize_msgid(ident)
            if norm and norm not in refs:
                refs.append(norm)
    parent = normalize_msgid(msg.in_reply_to) if msg.in_reply_to else None
    if parent:
        if parent in refs:
            refs.remove(parent)
        refs.append(parent)
    if len(refs) > MAX_REFERENCES:  # keep the thread root and the most recent ones
        refs = [refs[0], *refs[-(MAX_REFERENCES - 1) :]]
    return refs


def text_to_html(text: str) -> str:
    """A minimal HTML alternative for a text-only reply (escaped, paragraphs kept)."""
    paragraphs = [p for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    body = "".join(
        "<p>" + html_lib.escape(p).replace("\n", "<br>\n") + "</p>\n" for p in paragraphs
    )
    return f'<!DOCTYPE html>\n<html><body style="font-family:sans-serif">\n{body}</body></html>\n'


def build_message(
    channel: ChannelConfig,
    msg: OutboundMessage,
    *,
    settings: EmailSettings | None = None,
    now: datetime | None = None,
) -> tuple[EmailMessage, str]:
    """The MIME message for ``msg`` and its bare Message-ID."""
    settings = settings or EmailSettings.from_config(channel.config)
    meta = msg.meta
    message_id = normalize_msgid(str(meta.get("message_id_header") or "")) or make_message_id(
        msg.message_id, msg.interaction_id, channel.secret, domain_of(settings.address)
    )
    ref = str(meta.get("ref") or f"T-{msg.interaction_id}")

    mail = EmailMessage()
    mail["From"] = _from_header(settings, msg.author_name)
    mail["To"] = msg.to
    cc = meta.get("cc") or []
    if cc:
        mail["Cc"] = ", ".join(str(a) for a in cc)
    mail["Reply-To"] = str(meta.get("reply_to") or settings.reply_to)
    if meta.get("subject_as_is"):
        mail["Subject"] = msg.subject or ""
    else:
        mail["Subject"] = reply_subject(msg.subject, ref)
    mail["Date"] = format_datetime(now or datetime.now(UTC))
    mail["Message-ID"] = bracket(message_id)
    refs = _references(msg)
    if msg.in_reply_to and normalize_msgid(msg.in_reply_to):
        mail["In-Reply-To"] = bracket(normalize_msgid(msg.in_reply_to) or "")
    if refs:
        mail["References"] = " ".join(bracket(r) for r in refs)
    if meta.get("auto_submitted"):
        mail["Auto-Submitted"] = "auto-replied"
        mail["X-Auto-Response-Suppress"] = "All"

    # Quoted-printable keeps the source readable and is no larger than base64 for
    # mostly-Latin text (French accents included).
    mail.set_content(msg.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    mail.add_alternative(
        msg.html or text_to_html(msg.text), subtype="html", charset="utf-8", cte="quoted-printable"
    )
    for att in msg.attachments:
        if att.content is None:
            continue
        ctype = att.content_type or mimetypes.guess_type(att.filename)[0]
        maintype, _, subtype = (ctype or "application/octet-stream").partition("/")
        mail.add_attachment(
            att.content,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=att.filename,
        )
    for part in mail.walk():
        if part is not mail:
            del part["MIME-Version"]  # the stdlib repeats it on every part; only the top needs it
    return mail, message_id
