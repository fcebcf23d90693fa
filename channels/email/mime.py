"""Walking a MIME tree: the readable body, the HTML, and the attachments with size limits.

We walk the tree ourselves rather than use ``get_body``/``iter_attachments`` because real
mail splits text around inline images (Apple Mail: text, image, text), nests
``multipart/alternative`` inside ``multipart/related`` inside ``multipart/mixed``, and
forwards whole messages as ``message/rfc822``; each of those must be read, not dropped.
"""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass, field
from email.message import Message

from channels.email.charset import clean_text, decode_bytes
from channels.email.headers import decode_value, header_text, normalize_msgid
from channels.types import Attachment

DEFAULT_MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024
MAX_ATTACHMENTS = 100
MAX_DEPTH = 30  # deeper nesting is an attack, not a mail
# Parts that describe a report (bounce, read receipt, complaint): read by bounce.py, not shown.
_REPORT_PARTS = {
    "message/delivery-status",
    "message/global-delivery-status",
    "message/disposition-notification",
    "message/feedback-report",
    "text/rfc822-headers",
    "message/rfc822-headers",
}
_SIGNATURE_PARTS = {
    "application/pgp-signature",
    "application/pkcs7-signature",
    "application/x-pkcs7-signature",
}
_BAD_FILENAME_CHARS = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


@dataclass
class MimeContent:
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _decoded(part: Message) -> bytes:
    data = part.get_payload(decode=True)
    if isinstance(data, bytes):
        return data
    payload = part.get_payload()
    return payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""


def part_text(part: Message) -> str:
    """A text part's content as clean str, whatever its charset claims."""
    return clean_text(decode_bytes(_decoded(part), part.get_content_charset()))


def _is_attachment(part: Message) -> bool:
    try:
        disposition = part.get_content_disposition()
        filename = part.get_filename()
    except Exception:
        return False
    return disposition == "attachment" or (filename is not None and disposition != "inline")


def _filename(part: Message, index: int) -> str:
    try:
        name = part.get_filename() or ""  # RFC 2231 handled by the stdlib
    except Exception:
        name = ""
    name = decode_value(str(name))  # RFC 2047 words, as Outlook writes them, and 8-bit bytes
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _BAD_FILENAME_CHARS.sub("_", name).strip(" .")[:200]
    if name:
        return name
    ctype = part.get_content_type()
    if ctype in ("message/rfc822", "message/global"):
        ext = ".eml"
    else:
        ext = mimetypes.guess_extension(ctype) or ".bin"
    return f"attachment-{index}{ext}"


def _estimated_size(part: Message) -> int:
    """Decoded size without decoding (a 50 MB base64 blob is not decoded just to be refused)."""
    payload = part.get_payload()
    if not isinstance(payload, str):
        return 0
    # compat32 hands back a Header object, not a str, when the value holds raw 8-bit bytes.
    cte = str(part.get("Content-Transfer-Encoding") or "").strip().lower()
    if cte == "base64":
        return len(payload) * 3 // 4
    return len(payload)


class _Walker:
    def __init__(self, max_attachment_bytes: int) -> None:
        self.max = max_attachment_bytes
        self.out = MimeContent()

    def attach(self, part: Message, content: bytes | None, size: int | None = None) -> None:
        out = self.out
        index = len(out.attachments) + 1
        name = _filename(part, index)
        ctype = part.get_content_type()
        cid = header_text(part, "Content-ID")
        content_id = normalize_msgid(cid) if cid else None
        if len(out.attachments) >= MAX_ATTACHMENTS:
            out.notes.append(f"attachment {name} dropped: more than {MAX_ATTACHMENTS}")
            return
        size = len(content) if content is not None else (size or 0)
        if content is None or size > self.max:
            reason = f"larger than the {self.max} byte limit" if size > self.max else "unreadable"
            out.notes.append(f"attachment {name} ({size} bytes) skipped: {reason}")
            out.attachments.append(
                Attachment(name, ctype, size, None, content_id, skipped_reason=reason)
            )
            return
        out.attachments.append(Attachment(name, ctype, size, content, content_id))

    def leaf(self, part: Message) -> None:
        ctype = part.get_content_type()
        if ctype in _REPORT_PARTS or ctype in _SIGNATURE_PARTS:
            return
        if ctype in ("text/plain", "text/html") and not _is_attachment(part):
            (self.out.plain if ctype == "text/plain" else self.out.html).append(part_text(part))
            return
        estimated = _estimated_size(part)
        if estimated > self.max * 1.05 + 1024:  # margin: the estimate counts line breaks
            self.attach(part, None, estimated)
            return
        try:
            self.attach(part, _decoded(part))
        except Exception:
            self.attach(part, None, estimated)

    def nested(self, part: Message) -> None:
        inner = part.get_payload()
        msg = inner[0] if isinstance(inner, list) and inner else None
        content: bytes | None = None
        if isinstance(msg, Message):
            try:
                content = msg.as_bytes()
            except Exception:
                content = None
        elif isinstance(inner, str):
            content = inner.encode("utf-8", "surrogateescape")
        self.attach(part, content)
        if isinstance(msg, Message):
            subject = header_text(msg, "Subject") or ""
            self.out.notes.append(f"forwarded message attached: {subject[:120]}".rstrip(": "))

    def alternative(self, part: Message, depth: int) -> None:
        children = [c for c in part.get_payload() if isinstance(c, Message)]
        # Prefer text/plain with words in it, then HTML, then the richest other part.
        for want in ("text/plain", "text/html"):
            for child in children:
                if child.get_content_type() == want and part_text(child).strip():
                    self.visit(child, depth + 1)
                    return
        for child in reversed(children):
            if child.is_multipart():
                self.visit(child, depth + 1)
                return
        if children:
            self.visit(children[-1], depth + 1)

    def visit(self, part: Message, depth: int = 0) -> None:
        if depth > MAX_DEPTH:
            self.out.notes.append("MIME nesting too deep: rest ignored")
            return
        ctype = part.get_content_type()
        if ctype in ("message/rfc822", "message/global"):
            self.nested(part)
        elif part.is_multipart():
            payload = part.get_payload()
            if not isinstance(payload, list):
                return
            if ctype == "multipart/alternative":
                self.alternative(part, depth)
                return
            for child in payload:
                if not isinstance(child, Message):
                    continue
                if ctype == "multipart/report" and child.get_content_type().startswith("message/"):
                    continue  # the returned original: evidence for bounce.py, not an attachment
                self.visit(child, depth + 1)
        else:
            self.leaf(part)


def walk(msg: Message, max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES) -> MimeContent:
    """Collect the text, HTML and attachments of ``msg``; never raises on odd structure."""
    walker = _Walker(max_attachment_bytes)
    try:
        walker.visit(msg)
    except RecursionError:
        walker.out.notes.append("MIME structure too deep: rest ignored")
    return walker.out
