"""The SMS spam/abuse flag: trained once per process on the shipped SMS Spam
Collection. It flags (the agent sees a warning); it never drops a message."""

from __future__ import annotations

import threading
from typing import Any

from classifier.spam import SpamFilter, default_spam_filter

_lock = threading.Lock()
_filter: SpamFilter | None = None


def spam_filter() -> SpamFilter:
    global _filter
    with _lock:
        if _filter is None:
            _filter = default_spam_filter()
        return _filter


def warm_in_background() -> None:
    """Training takes a few seconds: do it before the first SMS needs it."""
    threading.Thread(target=spam_filter, name="spam-filter-warm", daemon=True).start()


def verdict(text: str) -> dict[str, Any]:
    result = spam_filter().check(text)
    return {"flagged": bool(result.flagged), "probability": round(float(result.probability), 3)}
