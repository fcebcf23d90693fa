"""Which interaction an inbound email continues: the clues, in the order the app tries them.

The rules themselves live in the app (they need the database); see docs/email.md:

1. any of ``refs`` equal to a Message-ID stored on a message (ours or the customer's);
2. else ``ours``: one of our signed Message-IDs, readable without the database;
3. else ``tag``: the ``[#T-1042]`` reference in the subject (Outlook and some webmails
   drop or rewrite In-Reply-To, but people rarely touch the subject);
4. else the contact's open email interaction; a resolved one older than the tenant's
   reopen window opens a new interaction instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from channels.email.message_id import read_message_id
from channels.email.subject import find_tag
from channels.types import InboundMessage


@dataclass(frozen=True, slots=True)
class ThreadHints:
    refs: tuple[str, ...]  # In-Reply-To then References, newest first (bare ids)
    ours: tuple[tuple[int, int], ...]  # (message_id, interaction_id) of our ids among refs
    tag: str | None  # subject reference, e.g. "T-1042"

    @property
    def interaction_id(self) -> int | None:
        """The interaction our newest referenced message belongs to, if any."""
        return self.ours[0][1] if self.ours else None


def thread_hints(inbound: InboundMessage, secret: str) -> ThreadHints:
    ours: list[tuple[int, int]] = []
    for ref in inbound.thread_refs:
        found = read_message_id(ref, secret)
        if found is not None and found not in ours:
            ours.append(found)
    return ThreadHints(tuple(inbound.thread_refs), tuple(ours), find_tag(inbound.subject))
