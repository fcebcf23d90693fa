"""Where a mailbox worker remembers how far it got: ``(UIDVALIDITY, last UID)``.

The app implements :class:`CursorStore` on its database (one row per channel). Methods may
be plain or ``async``; the worker awaits whatever comes back. ``save`` is called after each
message that ``deliver`` accepted, so the cursor never runs ahead of what ingest committed.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Protocol

Cursor = tuple[int, int]


class CursorStore(Protocol):
    def load(self) -> Cursor | Awaitable[Cursor | None] | None: ...
    def save(self, uidvalidity: int, last_uid: int) -> Awaitable[None] | None: ...


class MemoryCursorStore:
    """A CursorStore in memory, for tests and benchmarks."""

    def __init__(self, cursor: Cursor | None = None) -> None:
        self.cursor = cursor

    def load(self) -> Cursor | None:
        return self.cursor

    def save(self, uidvalidity: int, last_uid: int) -> None:
        self.cursor = (uidvalidity, last_uid)
