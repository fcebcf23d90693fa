"""Message-IDs we can recognise as ours, without a database lookup.

``teranga.<interaction>.<message>.<sig>@<domain>`` where ``sig`` is a truncated
HMAC-SHA256 of the two numbers under a secret. The app stores every Message-ID it sends, so
the database is the first way to thread a reply; the signature is the second, and it
survives what the database cannot know (an id seen only in a bounce, a restored backup, a
reply routed to another mailbox of the same installation).

The id is deterministic: a retried send of the same outbox row carries the same Message-ID,
so a duplicate caused by an ambiguous SMTP failure is recognisable by the recipient's client.

Message-IDs are handled bare (no angle brackets) everywhere in this package;
:func:`bracket` adds them for a header.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable

PREFIX = "teranga"
SIG_HEX_CHARS = 20  # 80 bits: forging one needs the secret, guessing one is hopeless
_OURS = re.compile(
    rf"^<?{PREFIX}\.(\d{{1,18}})\.(\d{{1,18}})\.([0-9a-f]{{{SIG_HEX_CHARS}}})@([^<>\s@]+)>?$"
)
_DOMAIN = re.compile(r"^[A-Za-z0-9.-]{1,253}$")


def _sig(message_id: int, interaction_id: int, secret: str) -> str:
    payload = f"{PREFIX}:{interaction_id}:{message_id}".encode()
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()[:SIG_HEX_CHARS]


def make_message_id(message_id: int, interaction_id: int, secret: str, domain: str) -> str:
    """Our signed Message-ID for outbound message ``message_id`` (bare, no angle brackets)."""
    if message_id < 0 or interaction_id < 0:
        raise ValueError("ids must be non-negative")
    if not secret:
        raise ValueError("a secret is required to sign Message-IDs")
    domain = domain.strip().lower()
    if not _DOMAIN.match(domain):
        raise ValueError(f"not a usable Message-ID domain: {domain!r}")
    sig = _sig(message_id, interaction_id, secret)
    return f"{PREFIX}.{interaction_id}.{message_id}.{sig}@{domain}"


def read_message_id(mid: str, secret: str) -> tuple[int, int] | None:
    """``(message_id, interaction_id)`` when ``mid`` is one of ours signed with ``secret``."""
    match = _OURS.match(mid.strip())
    if not match or not secret:
        return None
    interaction_id, message_id = int(match.group(1)), int(match.group(2))
    if not hmac.compare_digest(match.group(3), _sig(message_id, interaction_id, secret)):
        return None
    return message_id, interaction_id


def find_ours(mids: Iterable[str], secret: str) -> tuple[int, int] | None:
    """The first of ``mids`` (e.g. ``InboundMessage.thread_refs``) that is ours."""
    for mid in mids:
        found = read_message_id(mid, secret)
        if found is not None:
            return found
    return None


def bracket(mid: str) -> str:
    """``x@y`` -> ``<x@y>`` for a header (idempotent)."""
    mid = mid.strip()
    return mid if mid.startswith("<") else f"<{mid}>"


def domain_of(address: str) -> str:
    """The domain part of the channel address, used on the right of our Message-IDs."""
    _, _, domain = address.rpartition("@")
    return domain.strip().strip(">").lower() or "localhost"
