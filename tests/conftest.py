"""Shared fixtures: every storage test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import SQLModel

import app.models  # noqa: F401
from app.api.main import create_app
from app.config import Settings
from app.context import AppContext
from app.db import make_engine
from app.migrate import upgrade
from tests.support.postgres import fresh_database, postgres_server

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated database per back end for the whole session."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'teranga.db'}"
        upgrade(url)
        yield url
        return
    server = request.getfixturevalue("postgres_url")
    if server is None:
        message = "no PostgreSQL available (set TERANGA_TEST_DATABASE_URL or install server)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    with fresh_database(server) as url:
        upgrade(url)
        yield url


def _wipe(ctx: AppContext) -> None:
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    with ctx.engine.begin() as conn:
        if ctx.dialect == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key="test-secret-key",
        data_dir=tmp_path,
        outbox_base_delay_seconds=0.05,
        outbox_max_delay_seconds=0.5,
        outbox_poll_seconds=0.05,
        dispatch_interval_seconds=0.2,
        workers=False,
    )


@pytest.fixture
def ctx(settings: Settings) -> Iterator[AppContext]:
    context = AppContext(settings=settings, engine=make_engine(settings.database_url))
    _wipe(context)
    yield context
    context.engine.dispose()


@pytest.fixture
def client(ctx: AppContext) -> Iterator[TestClient]:
    with TestClient(create_app(ctx, workers=False)) as c:
        yield c
