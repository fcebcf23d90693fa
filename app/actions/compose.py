"""An e-mail reply with what the e-mail composer adds: a subject, copies (CC) and
attachments. Validated here, then written by ``conversation.reply`` in the reply's own
transaction, so the outbox never sees the message without them; the e-mail sender reads
``Message.subject``, ``meta["cc"]`` and the attachment rows.
"""

from __future__ import annotations

from app.access import Actor
from app.actions.conversation import EmailExtras, ReplyResult, Upload, reply
from app.context import AppContext
from app.errors import Invalid
from app.services.identities import normalize_email

MAX_CC = 10
MAX_FILES = 5
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_TOTAL_BYTES = 10 * 1024 * 1024

__all__ = ["Upload", "reply_email"]


def reply_email(
    ctx: AppContext, actor: Actor, interaction_id: int, text: str, *,
    subject: str | None = None, cc: list[str] | None = None,
    attachments: list[Upload] | None = None,
) -> ReplyResult:
    subject = " ".join((subject or "").split()) or None
    if subject is not None and len(subject) > 500:
        raise Invalid("the subject may be at most 500 characters")
    copies = list(dict.fromkeys(normalize_email(a) for a in (cc or []) if a.strip()))
    if len(copies) > MAX_CC:
        raise Invalid(f"at most {MAX_CC} addresses in CC")
    files = attachments or []
    if len(files) > MAX_FILES:
        raise Invalid(f"at most {MAX_FILES} attachments")
    if any(len(f.content) > MAX_FILE_BYTES for f in files) or \
            sum(len(f.content) for f in files) > MAX_TOTAL_BYTES:
        raise Invalid("attachments: at most 5 MB each and 10 MB in all")
    extras = EmailExtras(subject=subject, cc=tuple(copies), attachments=tuple(files))
    return reply(ctx, actor, interaction_id, text, email=extras)
