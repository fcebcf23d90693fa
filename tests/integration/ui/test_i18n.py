"""Every word of the agent and admin pages has its French translation."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

import web

TEMPLATES = Path(web.__file__).parent / "templates"
LOCALE = Path(web.__file__).parent / "locale" / "fr" / "LC_MESSAGES"
CALL = re.compile(r"""_\((["'])(.+?)\1\)""")


def ui_texts() -> set[str]:
    """The texts our templates translate (the supervisor's pages have their own file)."""
    texts: set[str] = set()
    for path in TEMPLATES.glob("*.html"):
        texts.update(m.group(2) for m in CALL.finditer(path.read_text()))
    admin = TEMPLATES / "admin"
    for path in admin.glob("*.html") if admin.is_dir() else []:
        texts.update(m.group(2) for m in CALL.finditer(path.read_text()))
    return texts


def test_the_french_catalogues_cover_every_text() -> None:
    translated: set[str] = set()
    for name in ("agent.po", "admin.po"):
        path = LOCALE / name
        if path.exists():
            with path.open("rb") as fh:
                translated.update(m.id for m in read_po(fh, locale="fr") if m.id and m.string)
    texts = ui_texts()
    assert len(texts) > 150
    assert sorted(texts - translated) == []


def test_language_switch_sets_a_cookie(client: TestClient) -> None:
    r = client.get("/login?lang=en")
    assert "Password" in r.text and r.cookies.get("lang") == "en"
    assert "Password" in client.get("/login").text  # the choice sticks
    assert "Mot de passe" in client.get("/login?lang=fr").text
    assert "Mot de passe" in client.get("/login?lang=xx").text  # unknown: the cookie's
