"""Make any inbound text safe to classify: cap its size, refuse what is not language."""

from __future__ import annotations

import unicodedata

# A customer message longer than this is a pasted document or an attack; the opening says
# what the customer wants, and keeping the cost per message bounded keeps the ACD fast.
MAX_CHARS = 4000

# Below this share of letters (after dropping spaces and punctuation) the text is
# binary noise, a hash, a card number or emoji: nothing a model should guess on.
_MIN_LETTER_SHARE = 0.35


def truncate(text: str, max_chars: int = MAX_CHARS) -> str:
    """Cut at ``max_chars``, backing up to the last space so no word is split."""
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    space = cut.rfind(" ")
    return cut[:space] if space > max_chars // 2 else cut


def usable_text(text: str | None, max_chars: int = MAX_CHARS) -> str | None:
    """The text to classify, or None when there is nothing worth classifying.

    None for empty, whitespace-only, emoji-only, control-character or binary-looking
    input; otherwise the text truncated to ``max_chars``.
    """
    if not text:
        return None
    text = truncate(text, max_chars)
    if "\x00" in text:
        return None
    letters = 0
    counted = 0
    for ch in text:
        category = unicodedata.category(ch)
        if category[0] in "ZP" or ch.isspace():
            continue  # separators and punctuation say nothing either way
        counted += 1
        if category[0] == "L":
            letters += 1
    if letters < 2 or letters < _MIN_LETTER_SHARE * counted:
        return None
    return text
