"""French and English for the UI, from Babel catalogues (``web/locale/<lang>/LC_MESSAGES/*.po``).

Each part of the UI keeps its own ``.po`` file (``agent.po``, ``supervisor.po``…); all
files of a language are merged at start-up. English is the source language: a
missing translation shows the English text, never an empty string.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"


@cache
def catalog(lang: str) -> dict[str, str]:
    messages: dict[str, str] = {}
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    for path in sorted(folder.glob("*.po")) if folder.is_dir() else []:
        with path.open("rb") as fh:
            for message in read_po(fh, locale=lang):
                if message.id and message.string and not message.fuzzy:
                    key = message.id if isinstance(message.id, str) else message.id[0]
                    value = message.string if isinstance(message.string, str) else \
                        message.string[0]
                    messages[key] = value
    return messages


def gettext(lang: str, text: str) -> str:
    return catalog(lang).get(text, text) if lang != "en" else text


def negotiate(*candidates: str | None, accept_language: str | None = None) -> str:
    """The first supported of the given preferences (user, tenant…), then the browser's."""
    for candidate in candidates:
        if candidate and candidate[:2].lower() in LANGUAGES:
            return candidate[:2].lower()
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip()[:2].lower()
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE
