"""Records the HTTP calls Kannel makes to Teranga (get-url, dlr-url) during integration tests."""

from __future__ import annotations

import queue
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


@dataclass(frozen=True, slots=True)
class RecordedCall:
    method: str
    path: str  # path and raw (still percent-encoded) query
    headers: dict[str, str]
    body: bytes

    @property
    def query(self) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))


class WebhookRecorder:
    """A tiny HTTP server in a thread; ``fail_next`` answers 503 to the next N calls."""

    def __init__(self) -> None:
        self.calls: queue.Queue[RecordedCall] = queue.Queue()
        self.fail_next = 0
        self._lock = threading.Lock()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                with recorder._lock:
                    failing = recorder.fail_next > 0
                    recorder.fail_next -= 1 if failing else 0
                headers = {k.lower(): v for k, v in self.headers.items()}
                if not failing:
                    recorder.calls.put(RecordedCall(self.command, self.path, headers, body))
                self.send_response(503 if failing else 200)
                self.send_header("content-length", "0")
                self.end_headers()

            do_GET = do_POST = _handle

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def wait(self, path_prefix: str, timeout: float) -> RecordedCall:
        """The next recorded call whose path starts with ``path_prefix`` (others are dropped)."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                call = self.calls.get(timeout=left)
            except queue.Empty:
                break
            if call.path.startswith(path_prefix):
                return call
        raise TimeoutError(f"no HTTP call to {path_prefix}… within {timeout}s")

    def drain(self) -> list[RecordedCall]:
        drained = []
        while not self.calls.empty():
            drained.append(self.calls.get_nowait())
        return drained

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
