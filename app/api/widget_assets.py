"""Serving ``web/static/widget.js``: gzipped once, cached by browsers, revalidated by ETag.

The size budget (25 KB gzipped, CSS included) is measured on exactly these bytes.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

from fastapi import Request, Response

import web

WIDGET_FILE = Path(web.__file__).parent / "static" / "widget.js"
CACHE_SECONDS = 3600


@dataclass(frozen=True, slots=True)
class Asset:
    mtime: float
    plain: bytes
    gzipped: bytes
    etag: str


_cached: Asset | None = None


def widget_asset() -> Asset:
    """The script, re-read only when the file changes."""
    global _cached
    mtime = WIDGET_FILE.stat().st_mtime
    if _cached is None or _cached.mtime != mtime:
        plain = WIDGET_FILE.read_bytes()
        _cached = Asset(mtime, plain, gzip.compress(plain, compresslevel=9, mtime=0),
                        '"' + hashlib.sha256(plain).hexdigest()[:20] + '"')
    return _cached


def widget_response(request: Request) -> Response:
    asset = widget_asset()
    headers = {"Cache-Control": f"public, max-age={CACHE_SECONDS}", "ETag": asset.etag,
               "Vary": "Accept-Encoding", "Access-Control-Allow-Origin": "*"}
    if request.headers.get("if-none-match") == asset.etag:
        return Response(status_code=304, headers=headers)
    body = asset.plain
    if "gzip" in request.headers.get("accept-encoding", ""):
        body = asset.gzipped
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type="application/javascript; charset=utf-8", headers=headers)
