"""The reference tag in subjects (``[#T-1042]``) and ``Re:`` without stacking.

The tag is the second threading key after Message-IDs: clients like Outlook rewrite or drop
In-Reply-To, but people rarely edit the subject. It goes at the end so the customer's own
words stay first in their inbox list.
"""

from __future__ import annotations

import re

_TAG = re.compile(r"\[\s*#\s*([A-Za-z][A-Za-z0-9]{0,9}-\d{1,12})\s*\]")
# Reply/forward prefixes in the languages our customers' clients speak, with counters
# ("Re[2]:", "RE (3):") and French spacing ("Re :"). Also full-width colon.
_PREFIX = re.compile(
    r"^\s*(?:(?:re|tr|fw|fwd|wg|aw|sv|vs|antw|rif|res|enc|rv|odp|ynt)"
    r"\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*)+",
    re.IGNORECASE,
)
_SPACES = re.compile(r"\s+")
MAX_SUBJECT_CHARS = 250


def format_tag(ref: str) -> str:
    return f"[#{ref}]"


def find_tag(subject: str | None) -> str | None:
    """The reference in a subject (``"T-1042"``), upper-cased, or None."""
    if not subject:
        return None
    match = _TAG.search(subject)
    return match.group(1).upper() if match else None


def strip_tags(subject: str) -> str:
    return _SPACES.sub(" ", _TAG.sub(" ", subject)).strip()


def strip_prefixes(subject: str) -> str:
    """``"RE: TR: Re[2]: Hello"`` -> ``"Hello"``."""
    return _PREFIX.sub("", subject).strip()


def add_tag(subject: str | None, ref: str) -> str:
    """``subject`` with exactly one tag for ``ref`` at the end (other tags removed)."""
    base = strip_tags(subject or "")
    tag = format_tag(ref)
    return f"{base} {tag}" if base else tag


def reply_subject(subject: str | None, ref: str) -> str:
    """``"Re: <subject> [#ref]"``: one ``Re:`` whatever prefixes were there, one tag."""
    base = strip_tags(subject or "")
    # Prefixes may sit on either side of a stripped tag ("[#T-1] RE: x"), so strip twice.
    base = strip_prefixes(strip_prefixes(base))[:MAX_SUBJECT_CHARS]
    return add_tag(f"Re: {base}" if base else "", ref)
