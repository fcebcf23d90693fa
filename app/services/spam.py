"""The SMS spam/abuse flag, trained on the shipped SMS Spam Collection. It flags (the agent
sees a warning); it never drops a message.

Training takes seconds (tens on a loaded machine), so the model is kept as a file under the
data directory, named after the training data's digest: the first process trains it once,
every later start (and every other process) loads it in milliseconds.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from pathlib import Path
from typing import Any

from classifier import model_file
from classifier.errors import ModelFormatError
from classifier.spam import SPAM_CSV, SpamFilter, default_spam_filter

log = logging.getLogger(__name__)

_lock = threading.Lock()
_filter: SpamFilter | None = None
_cache_dir: Path | None = None


def cache_path(cache_dir: Path) -> Path:
    digest = hashlib.sha256(SPAM_CSV.read_bytes()).hexdigest()[:16]
    return cache_dir / f"spam-{digest}.npz"


def _load_or_train(cache_dir: Path | None) -> SpamFilter:
    if cache_dir is None:
        return default_spam_filter()
    path = cache_path(cache_dir)
    if path.exists():
        try:
            model, _ = model_file.load(path)
            return SpamFilter(model)
        except (ModelFormatError, ValueError) as e:  # older format or damaged: train again
            log.warning("spam model %s refused (%s); training it again", path, e)
    spam = default_spam_filter()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_bytes(model_file.to_bytes(spam.model, {"kind": "sms_spam"}))
        os.replace(tmp, path)  # atomic: a reader sees the old file or the whole new one
    except OSError as e:  # a read-only data dir costs start-up time, nothing else
        log.warning("could not keep the spam model in %s: %s", path, e)
    return spam


def spam_filter() -> SpamFilter:
    global _filter
    with _lock:
        if _filter is None:
            _filter = _load_or_train(_cache_dir)
        return _filter


def warm_in_background(cache_dir: Path | None = None) -> None:
    """Load (or train once and keep) the model before the first SMS needs it."""
    global _cache_dir
    if cache_dir is not None:
        _cache_dir = cache_dir
    threading.Thread(target=spam_filter, name="spam-filter-warm", daemon=True).start()


def verdict(text: str) -> dict[str, Any]:
    result = spam_filter().check(text)
    return {"flagged": bool(result.flagged), "probability": round(float(result.probability), 3)}
