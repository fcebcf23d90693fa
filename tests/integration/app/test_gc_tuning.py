"""A serving process freezes what start-up built out of the collector's full passes;
a test process (many apps made and dropped) never does."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.api.main import create_app
from app.context import AppContext
from app.gc_tuning import FULL_PASS_EVERY


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()  # give this test process its garbage collection back
    gc.set_threshold(*thresholds)


def test_serving_app_freezes_startup_objects(ctx: AppContext, unfrozen: None) -> None:
    with TestClient(create_app(ctx, workers=False, freeze_startup=True)) as client:
        assert gc.get_freeze_count() > 10_000  # modules, routes, metadata: all of it
        assert gc.get_threshold()[2] == FULL_PASS_EVERY
        assert client.get("/healthz").status_code == 200


def test_plain_app_leaves_the_collector_alone(ctx: AppContext, unfrozen: None) -> None:
    with TestClient(create_app(ctx, workers=False)) as client:
        assert client.get("/healthz").status_code == 200
        assert gc.get_freeze_count() == 0
        assert gc.get_threshold()[2] != FULL_PASS_EVERY
