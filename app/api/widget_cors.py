"""Which web pages may use a public widget endpoint, and the CORS answer they get.

A browser always says which page is calling (``Origin``, else ``Referer``). Where a
channel lists ``allowed_origins``, other sites are refused (403). Calls without
either header come from servers or scripts, which an origin check cannot stop
anyway: rate limits handle those.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request

from app.errors import Forbidden
from channels.chat.config import origin_allowed

PREFLIGHT_MAX_AGE = "86400"


def page_origin(request: Request) -> str | None:
    origin = request.headers.get("origin")
    if origin and origin != "null":
        return origin
    referer = request.headers.get("referer")
    if referer:
        parts = urlsplit(referer)
        if parts.scheme and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}"
    return None


def check_origin(request: Request, allowed: tuple[str, ...]) -> None:
    if not origin_allowed(page_origin(request), allowed):
        raise Forbidden("this site is not allowed to use this channel (allowed_origins)")


def cors_headers(request: Request, allowed: tuple[str, ...]) -> dict[str, str]:
    origin = request.headers.get("origin")
    if not origin or not origin_allowed(origin, allowed):
        return {"Vary": "Origin"}
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}


def preflight_headers(request: Request, allowed: tuple[str, ...], methods: str
                      ) -> dict[str, str]:
    return {**cors_headers(request, allowed), "Access-Control-Allow-Methods": methods,
            "Access-Control-Allow-Headers": "Content-Type",
            "Access-Control-Max-Age": PREFLIGHT_MAX_AGE}
