"""The contract's commands, run as a user would run them, on both back ends."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from app.api.main import create_app
from app.context import AppContext


def teranga(settings_url: str, tmp: Path, *args: str, stdin: str | None = None
            ) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TERANGA_DATABASE_URL": settings_url, "TERANGA_DATA_DIR": str(tmp),
           "TERANGA_SECRET_KEY": "cli-test"}
    return subprocess.run([sys.executable, "-m", "app.cli", *args], input=stdin, env=env,
                          capture_output=True, text=True, timeout=120, cwd=tmp)


def test_migrate_demo_users_token(ctx: AppContext, tmp_path: Path) -> None:
    url = ctx.settings.database_url
    assert teranga(url, tmp_path, "migrate").returncode == 0
    first = teranga(url, tmp_path, "demo")
    assert first.returncode == 0, first.stderr
    assert "awa@demo.teranga.test" in first.stdout
    again = teranga(url, tmp_path, "demo")  # idempotent
    assert again.returncode == 0, again.stderr
    made = teranga(url, tmp_path, "users", "create", "--email", "Fatou@Demo.test", "--name",
                   "Fatou", "--role", "agent", "--tenant", "demo", "--skill", "ventes=4",
                   "--password-stdin", stdin="a long password\n")
    assert made.returncode == 0, made.stderr
    dup = teranga(url, tmp_path, "users", "create", "--email", "fatou@demo.test", "--name",
                  "F", "--role", "agent", "--password-stdin", stdin="a long password\n")
    assert dup.returncode == 2 and "already exists" in dup.stderr
    bad = teranga(url, tmp_path, "users", "create", "--email", "x@demo.test", "--name", "X",
                  "--role", "agent", "--tenant", "nope", "--password-stdin", stdin="long enough\n")
    assert bad.returncode == 2 and "tenant 'nope' not found" in bad.stderr
    out = teranga(url, tmp_path, "token", "--email", "fatou@demo.test")
    assert out.returncode == 0
    token = out.stdout.strip().splitlines()[-1]
    with TestClient(create_app(ctx, workers=False)) as client:
        r = client.get("/api/v1/interactions", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200
        # The demo's sample traffic reached Fatou's group through the real pipeline.
        assert any(i["skill_group"] == "ventes" for i in r.json()["items"])
        login = client.post("/login", data={"email": "awa@demo.teranga.test",
                                            "password": "teranga-agent"},
                            follow_redirects=False)
        assert login.status_code == 303 and login.headers["location"] == "/agent"
