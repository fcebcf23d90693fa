"""Reading aioimaplib's raw responses: SELECT data, UID SEARCH results, FETCH literals."""

from __future__ import annotations

import re
from collections.abc import Sequence

_UIDVALIDITY = re.compile(rb"\[UIDVALIDITY (\d+)\]", re.IGNORECASE)
_UIDNEXT = re.compile(rb"\[UIDNEXT (\d+)\]", re.IGNORECASE)
_FETCH_START = re.compile(rb"^\d+ FETCH \(", re.IGNORECASE)
_UID = re.compile(rb"\bUID (\d+)", re.IGNORECASE)
_EXISTS = re.compile(rb"^(?:\* )?\d+ (?:EXISTS|RECENT)\b", re.IGNORECASE)


def select_numbers(lines: Sequence[bytes | bytearray]) -> tuple[int | None, int | None]:
    """``(UIDVALIDITY, UIDNEXT)`` from a SELECT response."""
    validity = nxt = None
    for line in lines:
        if not isinstance(line, bytes):
            continue
        if validity is None and (m := _UIDVALIDITY.search(line)):
            validity = int(m.group(1))
        if nxt is None and (m := _UIDNEXT.search(line)):
            nxt = int(m.group(1))
    return validity, nxt


def search_uids(lines: Sequence[bytes | bytearray], above: int) -> list[int]:
    """UIDs from a UID SEARCH response, strictly above ``above``, ascending.

    ``UID SEARCH UID n:*`` always matches the highest UID even when it is below n (``*``
    means "the last message"), hence the filter.
    """
    uids: set[int] = set()
    # aioimaplib strips "* SEARCH" from the data lines; the last line is the tagged status.
    for line in lines[:-1]:
        if isinstance(line, bytes):
            uids.update(int(tok) for tok in line.split() if tok.isdigit())
    return sorted(u for u in uids if u > above)


def fetched_bodies(lines: Sequence[bytes | bytearray]) -> dict[int, bytes]:
    """``{uid: raw message}`` from a ``UID FETCH … (UID BODY.PEEK[])`` response.

    The UID may come before or after the literal depending on the server, and unsolicited
    FETCH lines (flag changes) carry no literal; both are handled.
    """
    out: dict[int, bytes] = {}
    uid: int | None = None
    body: bytes | None = None

    def finish() -> None:
        if uid is not None and body is not None:
            out[uid] = body

    for line in lines:
        if isinstance(line, bytearray):
            body = bytes(line)
            continue
        if _FETCH_START.match(line):
            finish()
            uid, body = None, None
        if uid is None and (m := _UID.search(line)):
            uid = int(m.group(1))
    finish()
    return out


def is_new_mail_notice(line: bytes | bytearray) -> bool:
    """``* 12 EXISTS`` / ``* 1 RECENT``: the mailbox grew."""
    return isinstance(line, bytes) and _EXISTS.match(line) is not None
