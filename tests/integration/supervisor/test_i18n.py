"""Every English text of the supervisor pages, survey and exports has its French."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract
from babel.messages.pofile import read_po
from jinja2.ext import babel_extract

from app.services.metrics_csv import REPORT_HEADER, STATEMENT_HEADER
from app.services.metrics_format import CHANNEL_NAMES

ROOT = Path(__file__).resolve().parents[3]
PYTHON = ("app/actions/csat.py", "app/services/metrics_format.py",
          "app/services/metrics_csv.py", "app/services/metrics_views.py")


def english_texts() -> set[str]:
    found: set[str] = set(REPORT_HEADER) | set(STATEMENT_HEADER) | set(CHANNEL_NAMES.values())
    for path in sorted((ROOT / "web/templates/supervisor").glob("*.html")):
        with path.open("rb") as fh:
            for _line, _func, message, _comments in babel_extract(fh, ("_",), [], {}):
                found.add(message if isinstance(message, str) else message[0])
    for name in PYTHON:
        with (ROOT / name).open("rb") as fh:
            for _line, message, _comments, _ctx in extract(
                    "python", fh, keywords={"_": None, "gettext": (2,)}):
                text = message if isinstance(message, str) else message[-1]
                if text:
                    found.add(text)
    return found


def test_supervisor_catalogue_is_complete() -> None:
    with (ROOT / "web/locale/fr/LC_MESSAGES/supervisor.po").open("rb") as fh:
        catalogue = {m.id: m.string for m in read_po(fh, locale="fr") if m.id}
    texts = english_texts()
    assert len(texts) > 150
    missing = sorted(t for t in texts if not catalogue.get(t))
    assert not missing, missing
    # Placeholders survive translation, or .format() would fail at run time.
    import re

    for text in texts:
        assert set(re.findall(r"{\w+}", text)) == set(re.findall(r"{\w+}", str(catalogue[text]))
                                                       ), text
