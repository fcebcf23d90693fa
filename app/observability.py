"""Operations: request ids, structured logs, Prometheus metrics, security headers.

One small ASGI middleware does the per-request work (cheaper than Starlette's
BaseHTTPMiddleware on the webhook hot path).
"""

from __future__ import annotations

import contextvars
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Our pages load scripts and styles from our own origin only.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
       "form-action 'self'; object-src 'none'")
_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
]
_PAGE_HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-frame-options", b"DENY")]


class Metrics:
    """Counters the app updates; gauges are computed at scrape time (app.api.routes.ops)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.http_requests = Counter("teranga_http_requests_total", "HTTP requests answered",
                                     ["method", "route", "status"], registry=self.registry)
        self.http_seconds = Histogram(
            "teranga_http_request_seconds", "Time to answer HTTP requests", ["route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=self.registry)
        self.ingested = Counter("teranga_ingested_messages_total",
                                "Inbound messages stored (not counting duplicates)",
                                ["channel"], registry=self.registry)
        self.duplicates = Counter("teranga_duplicate_messages_total",
                                  "Inbound messages recognised as provider retries",
                                  ["channel"], registry=self.registry)
        self.ingest_batch_size = Histogram(
            "teranga_ingest_batch_messages", "Inbound messages per group commit",
            buckets=(1, 2, 4, 8, 16, 32, 64), registry=self.registry)
        self.ingest_batch_seconds = Histogram(
            "teranga_ingest_batch_seconds", "Time to write one group commit",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1),
            registry=self.registry)
        self.sends = Counter("teranga_outbox_sends_total", "Outbox send attempts by result",
                             ["channel", "result"], registry=self.registry)


METRICS = Metrics()


class RequestContext:
    """Request id (kept or made), access log line, metrics, security headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.log = logging.getLogger("teranga.access")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")[:64]
        rid = incoming if incoming.replace("-", "").isalnum() else uuid.uuid4().hex
        token = request_id_var.set(rid)
        start = time.perf_counter()
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers") or [])
                present = {name.lower() for name, _ in headers}
                extra = [(b"x-request-id", rid.encode()), *_SECURITY_HEADERS]
                if dict(headers).get(b"content-type", b"").startswith(b"text/html"):
                    extra.extend(_PAGE_HEADERS)
                # A route that chose its own policy (a public page, the widget) keeps it.
                message["headers"] = [*headers, *(h for h in extra if h[0] not in present)]
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            elapsed = time.perf_counter() - start
            route = scope.get("route")
            path = getattr(route, "path", None) or "unmatched"
            METRICS.http_requests.labels(scope["method"], path, str(status)).inc()
            METRICS.http_seconds.labels(path).observe(elapsed)
            self.log.info("%s %s %s %.1fms", scope["method"], path, status, elapsed * 1000,
                          extra={"status": status, "route": path,
                                 "duration_ms": round(elapsed * 1000, 2)})
            request_id_var.reset(token)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the request id when there is one."""

    _SKIP = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message"}

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = request_id_var.get()
        if rid:
            data["request_id"] = rid
        for key, value in record.__dict__.items():
            if key not in self._SKIP and not key.startswith("_"):
                data[key] = value
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str)


def configure_logging(json_logs: bool, level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    if json_logs:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
