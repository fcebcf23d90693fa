"""Bounces: which of our messages did not arrive, and why.

Standard bounces are ``multipart/report; report-type=delivery-status`` (RFC 3464): a human
part, a ``message/delivery-status`` part with one block per recipient (Action, Status,
Diagnostic-Code) and the original message or its headers. Some servers (qmail, old
Exchange) send plain "failure notice" mail instead; those are recognised by sender and
subject, with the original Message-ID searched in the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message
from email.parser import HeaderParser

from channels.email.charset import clean_text, decode_bytes
from channels.email.headers import header_text, msgid_list, normalize_msgid

_DAEMONS = {"mailer-daemon", "postmaster", "mail-daemon", "maildaemon", "mailerdaemon"}
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|returned mail|returned to sender|delivery status notification|"
    r"delivery (?:has )?fail|mail delivery (?:failed|system)|failure notice|"
    r"could not be delivered|non remis|non-remise|échec de (?:la )?(?:remise|distribution)|"
    r"message non distribu|impossible de remettre|delivery notification",
    re.IGNORECASE,
)
_DELAY_WORDS = re.compile(
    r"\bdelayed\b|will (?:continue|keep) (?:to )?tr|still trying|will retry|"
    r"warning: message|has not yet been delivered|retard",
    re.IGNORECASE,
)
_MSGID_HEADER = re.compile(r"^\s*Message-ID:\s*(?:&lt;|<)([^<>&\s]+)(?:&gt;|>)", re.I | re.M)
_SMTP_CODE = re.compile(r"\b[245]\.\d{1,3}\.\d{1,3}\b|\b[45]\d\d[ -]")
MAX_REASON_CHARS = 500


@dataclass(frozen=True, slots=True)
class BounceRecipient:
    address: str | None
    action: str  # failed, delayed, delivered, relayed, expanded, or "" when absent
    status: str | None  # enhanced status code, e.g. 5.1.1
    diagnostic: str | None  # the remote server's words


@dataclass(frozen=True, slots=True)
class Bounce:
    """A delivery report about a message we (probably) sent."""

    # Message-IDs the report may be about, best guess first (bare, no angle brackets).
    original_message_ids: tuple[str, ...]
    recipients: tuple[BounceRecipient, ...]
    failed: bool  # True: the message will not arrive; False: only delayed or delivered
    reason: str  # short human text for the agent
    standard: bool  # RFC 3464 report (True) or recognised by heuristics (False)

    @property
    def original_message_id(self) -> str | None:
        return self.original_message_ids[0] if self.original_message_ids else None


def _report_type(msg: Message) -> str | None:
    if msg.get_content_type() != "multipart/report":
        return None
    try:
        value = msg.get_param("report-type")
    except Exception:
        return "unknown"
    return str(value).strip().lower() if isinstance(value, str) else "unknown"


def report_type(msg: Message) -> str | None:
    """``delivery-status``, ``disposition-notification``, ``feedback-report``… or None."""
    return _report_type(msg)


def _part_text(part: Message) -> str:
    payload = part.get_payload()
    if isinstance(payload, list):  # message/* parsed into sub-messages (header blocks)
        blocks = []
        for block in payload:
            if isinstance(block, Message):
                blocks.append("\n".join(f"{k}: {v}" for k, v in block.raw_items()))
        return "\n\n".join(blocks)
    data = part.get_payload(decode=True)
    if isinstance(data, bytes):
        return decode_bytes(data, part.get_content_charset())
    return str(payload)


def _dsn_fields(text: str) -> list[dict[str, str]]:
    """Blocks of ``Name: value`` fields, continuation lines folded in."""
    blocks: list[dict[str, str]] = []
    current: dict[str, str] = {}
    last = ""
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            if current:
                blocks.append(current)
            current, last = {}, ""
        elif line[0] in " \t" and last:
            current[last] += " " + line.strip()
        elif ":" in line:
            key, _, value = line.partition(":")
            last = key.strip().lower()
            current[last] = value.strip()
    if current:
        blocks.append(current)
    return blocks


def _strip_type(value: str | None) -> str | None:
    """``rfc822; user@x`` -> ``user@x``; ``smtp; 550 …`` -> ``550 …``."""
    if not value:
        return None
    _, sep, rest = value.partition(";")
    return clean_text((rest if sep else value).strip())[:MAX_REASON_CHARS] or None


def _recipients(parts: list[Message]) -> list[BounceRecipient]:
    out: list[BounceRecipient] = []
    for part in parts:
        for block in _dsn_fields(_part_text(part)):
            if "action" not in block and "final-recipient" not in block:
                continue  # the per-message block (Reporting-MTA…)
            address = _strip_type(block.get("final-recipient") or block.get("original-recipient"))
            out.append(
                BounceRecipient(
                    address=address.lower() if address else None,
                    action=block.get("action", "").strip().lower(),
                    status=(block.get("status") or "").split(" ")[0] or None,
                    diagnostic=_strip_type(block.get("diagnostic-code")),
                )
            )
    return out


def _original_ids(msg: Message, texts: list[str]) -> list[str]:
    ids: list[str] = []

    def add(value: str | None) -> None:
        ident = normalize_msgid(value) if value else None
        if ident and ident not in ids:
            ids.append(ident)

    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype in ("message/rfc822", "message/global"):
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                add(header_text(inner[0], "Message-ID"))
        elif ctype in ("text/rfc822-headers", "message/rfc822-headers"):
            try:
                headers = HeaderParser().parsestr(_part_text(part))
                add(header_text(headers, "Message-ID"))
            except Exception:
                pass
    for name in ("In-Reply-To", "References"):
        for ident in reversed(msgid_list(header_text(msg, name))):
            add(ident)
    own = normalize_msgid(header_text(msg, "Message-ID") or "")
    for text in texts:
        for found in _MSGID_HEADER.findall(text):
            if found != own:
                add(found)
    return [i for i in ids if i != own]


def _is_heuristic_bounce(from_addr: str | None, subject: str | None) -> bool:
    local = (from_addr or "").split("@")[0].lower()
    return local in _DAEMONS and bool(subject and _BOUNCE_SUBJECT.search(subject))


def _summary(recipients: list[BounceRecipient], texts: list[str], subject: str | None) -> str:
    for r in recipients:
        if r.action == "failed" or (r.status or "").startswith(("4", "5")):
            words = r.diagnostic or r.status or r.action
            return f"{r.address or 'recipient'}: {words}"[:MAX_REASON_CHARS]
    for text in texts:
        for line in text.split("\n"):
            if _SMTP_CODE.search(line) and len(line.strip()) > 8:
                return clean_text(line.strip())[:MAX_REASON_CHARS]
    return (subject or "delivery failed")[:MAX_REASON_CHARS]


def parse_bounce(msg: Message, *, from_addr: str | None, subject: str | None) -> Bounce | None:
    """The bounce carried by ``msg``, or None when it is not a bounce."""
    rtype = _report_type(msg)
    standard = rtype == "delivery-status"
    if not standard and not (rtype is None and _is_heuristic_bounce(from_addr, subject)):
        return None
    status_parts: list[Message] = []
    texts: list[str] = []
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype in ("message/delivery-status", "message/global-delivery-status"):
            status_parts.append(part)
        elif ctype in ("text/plain", "text/rfc822-headers") and not part.is_multipart():
            try:
                texts.append(_part_text(part)[:200_000])
            except Exception:
                continue
    recipients = _recipients(status_parts)
    if recipients:
        failed = any(r.action == "failed" for r in recipients) or any(
            (r.status or "").startswith("5") for r in recipients
        )
    else:
        failed = not any(_DELAY_WORDS.search(t[:5000]) for t in texts[:1])
    return Bounce(
        original_message_ids=tuple(_original_ids(msg, texts)[:10]),
        recipients=tuple(recipients),
        failed=failed,
        reason=_summary(recipients, texts, subject),
        standard=standard,
    )
