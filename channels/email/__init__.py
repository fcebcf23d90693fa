"""The email channel: IMAP IDLE in, SMTP out, threading that survives real mail clients.

What the app calls (details in docs/email.md):

- ``parse_email(raw, channel_id=…, max_attachment_bytes=…, own_addresses=…) -> ParsedEmail``
- ``sanitize_html(html) -> str`` before storing customer HTML
- ``MailboxWorker(config, cursor, deliver, on_status).run()`` / ``.stop()``
- ``await send(channel, outbound) -> SendResult`` from the outbox worker
- ``outbound_message_id(channel, message_id, interaction_id)`` when creating a reply
- ``thread_hints(inbound, secret)``, ``read_message_id``, ``find_tag`` for threading
"""

from channels.email.bounce import Bounce, BounceRecipient
from channels.email.compose import build_message, outbound_message_id
from channels.email.config import EmailSettings
from channels.email.cursor import Cursor, CursorStore, MemoryCursorStore
from channels.email.health import ChannelHealth
from channels.email.html_text import html_to_text, sanitize_html
from channels.email.imap import MailboxWorker, SkipMessage, WorkerTuning
from channels.email.message_id import find_ours, make_message_id, read_message_id
from channels.email.parse import ParsedEmail, parse_email
from channels.email.smtp import send
from channels.email.subject import add_tag, find_tag, reply_subject
from channels.email.threads import ThreadHints, thread_hints

__all__ = [
    "Bounce",
    "BounceRecipient",
    "ChannelHealth",
    "Cursor",
    "CursorStore",
    "EmailSettings",
    "MailboxWorker",
    "MemoryCursorStore",
    "ParsedEmail",
    "SkipMessage",
    "ThreadHints",
    "WorkerTuning",
    "add_tag",
    "build_message",
    "find_ours",
    "find_tag",
    "html_to_text",
    "make_message_id",
    "outbound_message_id",
    "parse_email",
    "read_message_id",
    "reply_subject",
    "sanitize_html",
    "send",
    "thread_hints",
]
