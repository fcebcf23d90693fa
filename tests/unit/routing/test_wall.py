"""routing/ stays pure: importing all of it pulls in no app, web or database code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
FORBIDDEN = ("app", "channels", "web", "classifier", "fastapi", "starlette", "sqlalchemy",
             "sqlmodel", "psycopg", "redis", "alembic")


def test_routing_imports_nothing_from_the_app_or_a_database() -> None:
    modules = sorted(p.stem for p in (ROOT / "routing").glob("*.py") if p.stem != "__init__")
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module('routing.' + m)\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ""
