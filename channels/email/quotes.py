"""Keep only what the customer just wrote: quoted history and sign-offs removed.

Splitting on attribution lines ("Le lun. 15 janv. 2025 à 17:03, … a écrit :", "On … wrote:",
Outlook's "De : / Envoyé : / À :" block) is done by ``mail-parser-reply``. Around it we add
three small guards the library lacks:

- Gmail wraps long attribution lines ("…<anna@example.com>\\na écrit :"); we unwrap them
  first so the library recognises them.
- The library treats any line starting with "Thanks," as the start of a signature and cuts
  everything after it, which would eat "Thanks, but my parcel never arrived". We accept its
  signature cut only when the cut line is a bare sign-off ("Cordialement", "Thanks,",
  "Best regards, Awa") or a signature delimiter.
- A trailing block of ``>`` lines with no attribution line is dropped too.

The full original is always kept by the caller (``meta["full_text"]``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mailparser_reply.parser import EmailMessage

LANGUAGES = ("fr", "en")
# Beyond this the text goes through as is: the stripper is regex-heavy.
MAX_STRIP_CHARS = 60_000

_ATTRIBUTION_HEAD = re.compile(r"^(?:> ?)*(?:Le|On)\s.{0,200}$")
_ATTRIBUTION_TAIL = re.compile(r"(?:a\s+écrit|wrote)\s*:\s*$", re.IGNORECASE)
_SIGNOFF = re.compile(
    r"^(?i:best regards|kind regards|warm regards|regards|many thanks|thanks|thank you|best|"
    r"all the best|cheers|cordialement|bien cordialement|salutations|bien à vous|"
    r"bonne réception|bonne journée|merci)"
    r"[\s,.!]*(?:[A-ZÀ-Ý][\w.'’-]*(?:\s+[A-ZÀ-Ý][\w.'’-]*){0,2})?[\s,.!]*$"
)
# Forwarding is not quoting: the customer wants the forwarded mail read.
_FORWARD = re.compile(
    r"(?:-{2,}\s*(?:forwarded message|message transféré)"
    r"\s*-{2,}|begin forwarded message\s*:|début du message (?:réexpédié|transféré)\s*:)\s*$",
    re.IGNORECASE,
)
# Outlook's reply separator, left at the end when the split happened on the "De :" block.
_ORIGINAL_SEPARATOR = re.compile(
    r"\n\s*-{3,}\s*(?:original message|message d.origine)\s*-{3,}\s*$", re.IGNORECASE
)
_BLANK_LINES = re.compile(r"\n{3,}")
_DELIMITER = re.compile(r"^(?:--|__|[-_]{20,}|(?i:sent from|envoyé depuis|get outlook)\b.*)\s*$")


@dataclass(frozen=True, slots=True)
class ReplyText:
    text: str  # what the customer wrote in this message
    quoted: bool  # whether quoted history was removed
    signature: str | None  # the removed signature, if any


def _unwrap_attributions(text: str) -> str:
    """Join an attribution line that a client wrapped over two or three lines."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if _ATTRIBUTION_HEAD.match(line) and not _ATTRIBUTION_TAIL.search(line):
            for span in (1, 2):
                tail = lines[i + 1 : i + 1 + span]
                if len(tail) == span and _ATTRIBUTION_TAIL.search(tail[-1]):
                    out.append(" ".join([line.rstrip(), *(t.strip() for t in tail)]))
                    i += span + 1
                    break
            else:
                out.append(line)
                i += 1
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


def _strip_trailing_quote(text: str) -> tuple[str, bool]:
    lines = text.rstrip().split("\n")
    end = len(lines)
    while end > 0 and (lines[end - 1].lstrip().startswith(">") or not lines[end - 1].strip()):
        end -= 1
    if end == len(lines) or end == 0:
        return text, False
    return "\n".join(lines[:end]).rstrip(), True


def _accept_signature(signature: str) -> bool:
    for line in signature.split("\n"):
        line = line.strip().lstrip("> ").strip()
        if line:
            return bool(_SIGNOFF.match(line) or _DELIMITER.match(line))
    return False


def _is_forward(parsed: EmailMessage) -> bool:
    header = parsed.replies[1].headers or ""
    return bool(_FORWARD.search(header.split("\n")[0]))


def strip_reply(text: str) -> ReplyText:
    """The new part of a reply; falls back to the whole text when nothing is left."""
    normalized = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    if not normalized.strip() or len(normalized) > MAX_STRIP_CHARS:
        return ReplyText(normalized.strip(), False, None)
    unwrapped = _unwrap_attributions(normalized)
    try:
        parsed = EmailMessage(
            text=unwrapped, languages=list(LANGUAGES), keep_hyphen_lists=True
        ).read()
    except Exception:  # a regex edge case must never lose a message
        return ReplyText(normalized.strip(), False, None)
    if not parsed.replies:
        return ReplyText(normalized.strip(), False, None)
    first = parsed.replies[0]
    if first.headers:
        # Starts with an attribution: bottom-posting ("On … wrote:", quote, then the answer).
        below = [ln for ln in first.full_body.split("\n") if not ln.lstrip().startswith(">")]
        answer = _BLANK_LINES.sub("\n\n", "\n".join(below)).strip()
        if answer:
            return ReplyText(answer, True, None)
        return ReplyText(normalized.strip(), False, None)
    body = first.content
    if _FORWARD.search(body.rstrip()) or (len(parsed.replies) > 1 and _is_forward(parsed)):
        return ReplyText(_BLANK_LINES.sub("\n\n", normalized).strip(), False, None)
    quoted = len(parsed.replies) > 1
    signature: str | None = None
    if first.signatures and _accept_signature(first.signatures):
        cut = body.find(first.signatures)
        if cut > 0:
            body, signature = body[:cut], first.signatures
    body, trailing = _strip_trailing_quote(_ORIGINAL_SEPARATOR.sub("", body))
    body = _BLANK_LINES.sub("\n\n", body).strip()
    if not body:
        return ReplyText(normalized.strip(), False, None)
    return ReplyText(body, quoted or trailing, signature)
