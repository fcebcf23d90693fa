"""Real ``teranga serve`` processes and a gateway that retries, for the fault tests.

The gateway behaves as SMS gateways do: a post that fails (refused, reset, timed out,
5xx) is sent again, here to the next process in the list, until it is accepted.
Everything waits on conditions with generous deadlines: the machine is small and
shared, so nothing here measures time.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.live_server import free_port

ROOT = Path(__file__).resolve().parents[3]


class ServeProcess:
    """``python -m app.cli serve`` with workers on, its output in a log file."""

    def __init__(self, name: str, env: dict[str, str], tmp: Path) -> None:
        self.name = name
        self.port = free_port()
        self.log_path = tmp / f"{name}.log"
        self.env = {**os.environ, **env, "TERANGA_DATA_DIR": str(tmp),
                    "TERANGA_BASE_URL": f"http://127.0.0.1:{self.port}"}
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 90.0) -> None:
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(self.port),
             "--log-level", "warning"], env=self.env, stdout=log, stderr=subprocess.STDOUT,
            cwd=ROOT)
        log.close()
        wait_for(self.healthy, timeout, f"{self.name} to answer /healthz (see {self.log_path})",
                 alive=lambda: self.proc is not None and self.proc.poll() is None)

    def healthy(self) -> bool:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            conn.request("GET", "/healthz")
            return conn.getresponse().status == 200
        except OSError:
            return False

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]


def wait_for(condition: Callable[[], bool], timeout: float, what: str,
             alive: Callable[[], bool] = lambda: True) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if not alive():
            raise AssertionError(f"gave up waiting for {what}: the process ended")
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what} after {timeout:.0f} s")
        time.sleep(0.05)


def signed(secret: str, payload: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    sig = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return body, {"content-type": "application/json", "x-teranga-signature": sig}


@dataclass
class Gateway:
    """Posts SMS to the generic webhook from several threads, retrying failures on the
    next process, and keeps a record of every answer."""

    ports: list[int]
    channel_key: str
    secret: str
    threads: int = 8
    give_up_after: float = 600.0
    delivered: int = 0
    answers: Counter[str] = field(default_factory=Counter)
    retry_after: list[str | None] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def send_all(self, messages: Iterable[dict[str, str]]) -> list[threading.Thread]:
        """Start sending; returns the threads (join them)."""
        todo = list(messages)
        shares = [todo[i::self.threads] for i in range(self.threads)]
        workers = [threading.Thread(target=self._run, args=(share, i), daemon=True)
                   for i, share in enumerate(shares)]
        for w in workers:
            w.start()
        return workers

    def _note(self, answer: str, retry_after: str | None = None) -> None:
        with self._lock:
            self.answers[answer] += 1
            if answer == "503":
                self.retry_after.append(retry_after)

    def _run(self, share: list[dict[str, str]], first: int) -> None:
        conns: dict[int, http.client.HTTPConnection] = {}
        target = first % len(self.ports)
        for payload in share:
            body, headers = signed(self.secret, payload)
            deadline = time.monotonic() + self.give_up_after
            pause = 0.05
            while True:
                port = self.ports[target]
                try:
                    conn = conns.get(port) or http.client.HTTPConnection(
                        "127.0.0.1", port, timeout=60)
                    conns[port] = conn
                    conn.request("POST", f"/webhooks/sms/{self.channel_key}", body=body,
                                 headers=headers)
                    response = conn.getresponse()
                    response.read()
                    status = response.status
                except (OSError, http.client.HTTPException) as exc:
                    conns.pop(port, None)
                    self._note(type(exc).__name__)
                    status = None
                if status == 200:
                    self._note("200")
                    with self._lock:
                        self.delivered += 1
                    break
                if status is not None:
                    self._note(str(status), response.getheader("retry-after"))
                    if status < 500:
                        with self._lock:
                            self.errors.append(f"{payload['id']}: answered {status}")
                        break
                if time.monotonic() > deadline:
                    with self._lock:
                        self.errors.append(f"{payload['id']}: never accepted")
                    break
                # As a gateway does: wait a little, then try (the next process).
                target = (target + 1) % len(self.ports)
                time.sleep(pause)
                pause = min(pause * 2, 1.0)
