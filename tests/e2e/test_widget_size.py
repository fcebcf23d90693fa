"""The widget's weight, as served: at most 25 KB gzipped, its CSS included (it has no
other file). Slow, costly mobile data is the first market."""

from __future__ import annotations

import gzip

from fastapi.testclient import TestClient

from app.api.main import create_app
from app.config import Settings
from app.context import AppContext
from app.db import make_engine

BUDGET_BYTES = 25 * 1024


def test_widget_is_within_its_size_budget(tmp_path: object) -> None:
    settings = Settings(database_url="sqlite://", secret_key="k", workers=False)
    ctx = AppContext(settings=settings, engine=make_engine(settings.database_url))
    with TestClient(create_app(ctx, workers=False)) as client:
        r = client.get("/widget.js", headers={"accept-encoding": "gzip"})
        assert r.status_code == 200
        assert r.headers["content-encoding"] == "gzip"
        served = int(r.headers["content-length"])
        assert served == len(gzip.compress(r.content, compresslevel=9, mtime=0))
        print(f"widget.js: {len(r.content)} bytes, {served} bytes gzipped")
        assert served <= BUDGET_BYTES
        assert "<style" not in r.text  # styles are inside the script, counted above
        again = client.get("/widget.js", headers={"if-none-match": r.headers["etag"]})
        assert again.status_code == 304 and again.content == b""
