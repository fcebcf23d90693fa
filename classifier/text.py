"""Text normalisation shared by keyword rules and the model."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[0-9a-z]+(?:['’][0-9a-z]+)*")


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize(text: str) -> str:
    """Lower-case, accent-free, one space between words: 'Crédit  BLOQUÉ!' -> 'credit bloque'."""
    return " ".join(tokens(text))


def tokens(text: str) -> list[str]:
    return _WORD.findall(strip_accents(text.casefold()))
