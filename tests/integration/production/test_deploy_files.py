"""docker-compose.yml and the proxy's Caddyfile, checked by reading them (Docker does not
run on the CI machines): the services are there and wired to each other, every
setting the app processes get is one Teranga reads, the database URL matches the
database the compose file creates, and the proxy sends traffic to the app processes
on the port they listen on."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from app.cli import build_parser
from app.config import Settings

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parents[3]
APPS = ("app1", "app2")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert isinstance(data, dict)
    return data


def substitute(value: str) -> str:
    """Compose's ${VAR:-default} / ${VAR:?error}, with no variable set: the default,
    or a placeholder for the required ones."""
    return re.sub(r"\$\{(\w+)(?::-([^}]*)|:\?[^}]*)?\}",
                  lambda m: m.group(2) if m.group(2) is not None else f"<{m.group(1)}>", value)


def test_the_services_of_a_production_setup(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"postgres", "redis", "migrate", *APPS, "proxy"} <= set(services)
    for name in APPS:
        app = services[name]
        command = app["command"]
        args = build_parser().parse_args(command[1:])  # a real `teranga` command line
        assert command[0] == "teranga" and args.command == "serve"
        assert (args.host, args.port) == ("0.0.0.0", 8000)
        assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert "ports" not in app, "app processes are reached through the proxy only"
    migrate = services["migrate"]
    assert migrate["command"] == ["teranga", "migrate"]
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["postgres"]["healthcheck"]


def test_app_processes_share_one_database_redis_and_secret(compose: dict[str, Any]) -> None:
    services = compose["services"]
    envs = [services[name]["environment"] for name in (*APPS, "migrate")]
    assert all(env == envs[0] for env in envs), "every process must be configured alike"
    env = envs[0]
    known = {f"TERANGA_{name.upper()}" for name in Settings.model_fields}
    teranga_vars = {k for k in env if k.startswith("TERANGA_")}
    assert teranga_vars <= known, f"settings Teranga does not read: {teranga_vars - known}"
    assert {"TERANGA_DATABASE_URL", "TERANGA_REDIS_URL", "TERANGA_SECRET_KEY",
            "TERANGA_BASE_URL"} <= teranga_vars
    assert ":?" in env["TERANGA_SECRET_KEY"], "the secret key must be required, not defaulted"
    url = make_url(substitute(env["TERANGA_DATABASE_URL"]))
    pg = {k: substitute(v) for k, v in services["postgres"]["environment"].items()}
    assert url.drivername == "postgresql+psycopg"
    assert (url.host, url.port) == ("postgres", 5432)
    assert (url.username, url.password, url.database) == (
        pg["POSTGRES_USER"], pg["POSTGRES_PASSWORD"], pg["POSTGRES_DB"])
    assert substitute(env["TERANGA_REDIS_URL"]).startswith("redis://redis:")


def test_the_proxy_sends_traffic_to_every_app_process(compose: dict[str, Any]) -> None:
    proxy = compose["services"]["proxy"]
    mounts = {v.split(":")[1]: v.split(":")[0] for v in proxy["volumes"]}
    caddyfile = ROOT / mounts["/etc/caddy/Caddyfile"]
    assert caddyfile.exists()
    text = caddyfile.read_text()
    upstreams = re.search(r"reverse_proxy\s+([^{\n]+)\{", text)
    assert upstreams is not None
    targets = upstreams.group(1).split()
    assert sorted(targets) == sorted(f"{name}:8000" for name in APPS)
    assert "health_uri /readyz" in text
    assert {"80:80", "443:443"} <= set(proxy["ports"])
