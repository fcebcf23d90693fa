"""A real HTTP server standing in for an SMS aggregator's send API.

It answers each POST with the next scripted status (then 200), and records every
body it accepted, so tests can count what reached the "gateway".
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class RecordingGateway:
    def __init__(self) -> None:
        self.script: list[int] = []  # statuses to answer before 200
        self.received: list[dict[str, Any]] = []  # every request, accepted or not
        self.accepted: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.url = ""

    def fail_next(self, *statuses: int) -> None:
        with self.lock:
            self.script.extend(statuses)

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("content-length", 0))
        raw = handler.rfile.read(length)
        try:
            body = json.loads(raw)
        except ValueError:
            body = {"raw": raw.decode("utf-8", "replace")}
        entry = {"path": handler.path, "headers": dict(handler.headers), "body": body}
        with self.lock:
            self.received.append(entry)
            status = self.script.pop(0) if self.script else 200
            if status == 200:
                self.accepted.append(entry)
        answer = json.dumps({"id": f"gw-{len(self.received)}"}).encode()
        handler.send_response(status)
        handler.send_header("content-type", "application/json")
        handler.send_header("content-length", str(len(answer)))
        handler.end_headers()
        handler.wfile.write(answer)


@contextmanager
def recording_gateway() -> Iterator[RecordingGateway]:
    gateway = RecordingGateway()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            gateway._handle(self)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    gateway.url = f"http://127.0.0.1:{server.server_address[1]}/send"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield gateway
    finally:
        server.shutdown()
        server.server_close()
