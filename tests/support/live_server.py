"""The real ASGI server (uvicorn) on a loopback port, in a thread, workers included."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

from app.api.main import create_app
from app.context import AppContext


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_server(
    ctx: AppContext, *, workers: bool = True, port: int | None = None,
    on_app: Callable[[FastAPI], None] | None = None,
) -> Iterator[str]:
    """``port``: serve again where an earlier server stood (a restart)."""
    port = port or free_port()
    ctx.settings.base_url = f"http://127.0.0.1:{port}"
    app = create_app(ctx, workers=workers)
    if on_app is not None:
        on_app(app)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                            lifespan="on", ws_ping_interval=None)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield ctx.settings.base_url
    finally:
        server.should_exit = True
        thread.join(timeout=20)
