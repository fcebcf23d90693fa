"""Every API route of the app, walking included routers (FastAPI keeps them nested)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute


def api_routes(app: FastAPI) -> Iterator[APIRoute]:
    def walk(routes: list[Any], prefix: str) -> Iterator[APIRoute]:
        for route in routes:
            if isinstance(route, APIRoute):
                yield route
            elif hasattr(route, "original_router"):
                context = getattr(route, "include_context", None)
                extra = getattr(context, "prefix", "") or ""
                if extra:
                    raise AssertionError("routers included with a prefix: extend api_routes")
                yield from walk(route.original_router.routes, prefix + extra)

    yield from walk(list(app.routes), "")
