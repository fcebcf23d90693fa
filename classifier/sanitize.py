"""Make any inbound text safe to classify: cap its size, refuse what is not language."""

from __future__ import annotations

import unicodedata

# A customer message longer than this is a pasted document or an attack; the opening says
# what the customer wants, and keeping the cost per message bounded keeps the ACD fast.
MAX_CHARS = 4000

# Below this share of letters (after dropping spaces and punctuation) the text is
# binary noise, a hash, a card number or emoji: nothing a model should guess on.
_MIN_LETTER_SHARE = 0.35


def _ignored(ch: str) -> bool:
    """Separators and punctuation say nothing either way."""
    return unicodedata.category(ch)[0] in "ZP" or ch.isspace()


# The same two tests, tabulated for ASCII text (most messages): str.translate then
# counts in C what the per-character loop below counts in Python.
_ASCII = [chr(i) for i in range(128)]
_DROP_IGNORED = str.maketrans({ch: None for ch in _ASCII if _ignored(ch)})
_DROP_LETTERS = str.maketrans({ch: None for ch in _ASCII if unicodedata.category(ch)[0] == "L"})


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
    if text.isascii():
        counted = len(text.translate(_DROP_IGNORED))
        letters = len(text) - len(text.translate(_DROP_LETTERS))
    else:
        letters = counted = 0
        for ch in text:
            if _ignored(ch):
                continue
            counted += 1
            if unicodedata.category(ch)[0] == "L":
                letters += 1
    if letters < 2 or letters < _MIN_LETTER_SHARE * counted:
        return None
    return text
