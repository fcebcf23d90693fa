"""A real Kannel for the tests: bearerbox + smsbox + a fake SMSC "phone" on loopback ports.

    with KannelGateway(tmp_path, get_url="http://127.0.0.1:8000/webhooks/kannel/KEY?...") as kannel:
        kannel.phone_sends("+221771234567", "21000", "Bonjour é")  # MO through the fake SMSC
        ...                                   # Kannel calls get-url; Teranga sends via sendsms_url
        sms = kannel.wait_outbound(timeout=10)  # the MT as the phone sees it, text decoded

Kannel's logs stay in the work directory; ``logs()`` returns their tails for failure reports.
Skipping when Kannel is missing is the fixtures' job (see tests/integration/sms/conftest.py).

The fake SMSC (``smsc = fake``) speaks one line per SMS over TCP and serves one client at a
time; this module is that client. Phone-to-Kannel lines are ``"<from> <to> text <utf-8>"``.
Kannel-to-phone lines are ``"<from> <to> text|data|ucs-2 <payload>"`` or
``"<from> <to> udh <udh> data <payload>"`` for parts of a long SMS (payloads URL-encoded).
The fake SMSC produces the DLRs itself (8 "accepted by SMSC", then 1 "delivered") as soon as
it has written the line to us; nothing has to be answered.

The fake SMSC cannot inject a UCS-2 MO (1.4.5 reads "text" as 7-bit and "data" as 8-bit), so
``phone_sends(..., ucs2=True)`` goes through a ``loopback`` SMSC instead: Kannel turns an MT
routed there into an MO with coding 2, exactly what an operator's UCS-2 SMS looks like.
"""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Self

BINARIES = ("bearerbox", "smsbox")
SBIN = ("/usr/sbin", "/usr/local/sbin", "/usr/bin", "/usr/local/bin")


class KannelError(RuntimeError):
    """Kannel did not come up or misbehaved; the message carries the tail of its logs."""


def find_kannel() -> dict[str, str] | None:
    """Paths of bearerbox and smsbox, or None when Kannel is not installed."""
    found: dict[str, str] = {}
    for name in BINARIES:
        path = shutil.which(name) or next(
            (f"{d}/{name}" for d in SBIN if os.access(f"{d}/{name}", os.X_OK)), None
        )
        if path is None:
            return None
        found[name] = path
    return found


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def wait_for_port(port: int, deadline: float, alive: subprocess.Popen[bytes] | None = None) -> bool:
    while time.monotonic() < deadline:
        if alive is not None and alive.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.05)
    return False


# -- the phone side: one fake SMSC client --------------------------------------------------


@dataclass(frozen=True, slots=True)
class PhoneSms:
    """An SMS Kannel delivered to the fake SMSC (parts of a long SMS already joined)."""

    sender: str
    receiver: str
    kind: str  # "text", "data", "ucs-2" or "udh" (concatenated)
    data: bytes
    text: str
    parts: int = 1


def _decode_guess(data: bytes) -> str:
    # "udh" lines do not say the coding: UTF-16BE text has a zero high byte for every Latin
    # character, which UTF-8 never has.
    if len(data) % 2 == 0 and data[0::2].count(0) * 2 >= len(data) // 2:
        return data.decode("utf-16-be", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def parse_smsc_line(line: bytes) -> tuple[str, str, str, bytes, bytes | None]:
    """``(sender, receiver, kind, payload, udh)`` of one fake SMSC output line."""
    sender, receiver, kind, rest = line.split(b" ", 3)
    udh = None
    if kind == b"udh":
        udh_raw, _, payload = rest.partition(b" data ")
        udh = urllib.parse.unquote_to_bytes(udh_raw)
        data = urllib.parse.unquote_to_bytes(payload.replace(b"+", b" "))
    elif kind in (b"data", b"ucs-2"):
        data = urllib.parse.unquote_to_bytes(rest.replace(b"+", b" "))
    else:
        data = rest
    return sender.decode(), receiver.decode(), kind.decode(), data, udh


@dataclass
class _Parts:
    total: int
    chunks: dict[int, bytes] = field(default_factory=dict)


def _concat_info(udh: bytes) -> tuple[int, int, int] | None:
    """(reference, total, sequence) from a concatenation UDH (IEI 0x00 or 0x08)."""
    i = 1
    while i + 1 < len(udh):
        iei, length = udh[i], udh[i + 1]
        value = udh[i + 2 : i + 2 + length]
        if iei == 0x00 and length == 3:
            return value[0], value[1], value[2]
        if iei == 0x08 and length == 4:
            return (value[0] << 8) | value[1], value[2], value[3]
        i += 2 + length
    return None


class FakePhone:
    """The fake SMSC's one client: writes MO lines, reads MT lines in a thread."""

    def __init__(self, port: int) -> None:
        self._sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self._sock.settimeout(None)
        self.lines: queue.Queue[bytes] = queue.Queue()
        self._parts: dict[tuple[str, str, int], _Parts] = {}
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = self._sock.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                self.lines.put(line.rstrip(b"\r"))

    def send_line(self, sender: str, receiver: str, text: str) -> None:
        payload = text.encode()
        if b"\n" in payload or b"\r" in payload:
            line = (
                f"{sender} {receiver} data ".encode()
                + urllib.parse.quote_from_bytes(payload).encode()
            )
        else:
            line = f"{sender} {receiver} text ".encode() + payload
        self._sock.sendall(line + b"\n")

    def wait(self, timeout: float) -> PhoneSms:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                break
            sender, receiver, kind, data, udh = parse_smsc_line(line)
            if kind == "ucs-2":
                return PhoneSms(sender, receiver, kind, data, data.decode("utf-16-be", "replace"))
            if kind == "data":
                return PhoneSms(sender, receiver, kind, data, _decode_guess(data))
            if kind == "text":
                return PhoneSms(sender, receiver, kind, data, data.decode("utf-8", "replace"))
            info = _concat_info(udh or b"")
            if info is None:
                return PhoneSms(sender, receiver, kind, data, _decode_guess(data))
            ref, total, seq = info
            parts = self._parts.setdefault((sender, receiver, ref), _Parts(total))
            parts.chunks[seq] = data
            if len(parts.chunks) == parts.total:
                del self._parts[(sender, receiver, ref)]
                joined = b"".join(parts.chunks[i] for i in sorted(parts.chunks))
                return PhoneSms(sender, receiver, kind, joined, _decode_guess(joined), total)
        raise TimeoutError(f"the fake SMSC received no SMS within {timeout}s")

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()


# -- the gateway ---------------------------------------------------------------------------

CONFIG = """\
group = core
admin-port = {admin}
admin-interface = 127.0.0.1
admin-password = {admin_password}
admin-allow-ip = "127.0.0.1"
smsbox-port = {smsbox}
smsbox-interface = 127.0.0.1
box-allow-ip = "127.0.0.1"
dlr-storage = internal
log-file = "{dir}/bearerbox.log"
log-level = 0
access-log = "{dir}/bearerbox-access.log"

group = smsc
smsc = fake
smsc-id = fake
port = {smsc}
our-host = 127.0.0.1
connect-allow-ip = "127.0.0.1"
denied-smsc-id = loop

group = smsc
smsc = loopback
smsc-id = loop
allowed-smsc-id = loop

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {smsbox}
sendsms-port = {sendsms}
sendsms-interface = 127.0.0.1
global-sender = {short_code}
log-file = "{dir}/smsbox.log"
log-level = 0
access-log = "{dir}/smsbox-access.log"
http-request-retry = {http_retries}
http-queue-delay = 1

group = sendsms-user
username = {username}
password = {password}
user-allow-ip = "127.0.0.1"
max-messages = 10
concatenation = true

group = sms-service
keyword = default
catch-all = true
max-messages = 0
get-url = "{get_url}"
"""


class KannelGateway:
    """bearerbox + smsbox + the fake SMSC client, in ``workdir``, on free loopback ports."""

    username = "teranga"
    password = "sendsms-secret"
    short_code = "21000"

    def __init__(self, workdir: Path, get_url: str, *, http_retries: int = 5) -> None:
        binaries = find_kannel()
        if binaries is None:
            raise KannelError("Kannel is not installed (apt-get install kannel kannel-extras)")
        self.binaries = binaries
        self.dir = Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.admin_port, self.smsbox_port, self.sendsms_port, self.smsc_port = free_ports(4)
        self.admin_password = "admin-secret"
        self.config_path = self.dir / "kannel.conf"
        self.config_path.write_text(
            CONFIG.format(
                admin=self.admin_port,
                admin_password=self.admin_password,
                smsbox=self.smsbox_port,
                sendsms=self.sendsms_port,
                smsc=self.smsc_port,
                dir=self.dir,
                short_code=self.short_code,
                http_retries=http_retries,
                username=self.username,
                password=self.password,
                get_url=get_url,
            )
        )
        self._procs: dict[str, subprocess.Popen[bytes]] = {}
        self.phone: FakePhone | None = None

    @property
    def sendsms_url(self) -> str:
        return f"http://127.0.0.1:{self.sendsms_port}/cgi-bin/sendsms"

    def _spawn(self, name: str) -> subprocess.Popen[bytes]:
        out = open(self.dir / f"{name}.out", "wb")  # noqa: SIM115 - lives as long as the process
        proc = subprocess.Popen(
            [self.binaries[name], "-v", "1", str(self.config_path)],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=self.dir,
            start_new_session=True,
        )
        out.close()
        self._procs[name] = proc
        return proc

    def start(self, timeout: float = 20.0) -> Self:
        deadline = time.monotonic() + timeout
        try:
            bearerbox = self._spawn("bearerbox")
            # smsbox gives up at once if bearerbox is not listening yet.
            if not wait_for_port(self.smsbox_port, deadline, bearerbox):
                raise KannelError("bearerbox did not open its smsbox port")
            smsbox = self._spawn("smsbox")
            if not wait_for_port(self.sendsms_port, deadline, smsbox):
                raise KannelError("smsbox did not open its sendsms port")
            if not wait_for_port(self.smsc_port, deadline, bearerbox):
                raise KannelError("the fake SMSC port did not open")
            self.phone = FakePhone(self.smsc_port)
            self._wait_status(deadline)
        except BaseException:
            self.stop()
            raise
        return self

    def status(self) -> str:
        url = f"http://127.0.0.1:{self.admin_port}/status.txt?password={self.admin_password}"
        with urllib.request.urlopen(url, timeout=2) as answer:
            return str(answer.read().decode("utf-8", "replace"))

    def _wait_status(self, deadline: float) -> None:
        """Ready when bearerbox sees smsbox connected and the fake SMSC online."""
        text = ""
        while time.monotonic() < deadline:
            try:
                text = self.status()
            except OSError:
                text = ""
            fake_online = any("FAKE" in line and "online" in line for line in text.splitlines())
            if fake_online and "smsbox:" in text and "on-line" in text:
                return
            time.sleep(0.1)
        raise KannelError(f"Kannel not ready; last admin status:\n{text}")

    def phone_sends(self, sender: str, receiver: str, text: str, *, ucs2: bool = False) -> None:
        """A customer's phone sends an SMS (UCS-2 through the loopback SMSC)."""
        if not ucs2:
            assert self.phone is not None, "gateway not started"
            self.phone.send_line(sender, receiver, text)
            return
        params = {
            "username": self.username,
            "password": self.password,
            "from": sender,
            "to": receiver,
            "text": text,
            "charset": "UTF-8",
            "coding": "2",
            "smsc": "loop",
        }
        url = self.sendsms_url + "?" + urllib.parse.urlencode(params)
        with urllib.request.urlopen(url, timeout=5) as answer:
            if answer.status not in (200, 202):
                raise KannelError(f"loopback sendsms answered {answer.status}")

    def wait_outbound(self, timeout: float = 10.0) -> PhoneSms:
        """The next SMS Kannel delivered to the phone."""
        assert self.phone is not None, "gateway not started"
        return self.phone.wait(timeout)

    def logs(self, lines: int = 60) -> str:
        parts = []
        for name in ("bearerbox.log", "smsbox.log", "bearerbox.out", "smsbox.out"):
            path = self.dir / name
            if path.exists():
                tail = path.read_text(errors="replace").splitlines()[-lines:]
                parts.append(f"==> {path} <==\n" + "\n".join(tail))
        return "\n".join(parts)

    def stop(self, timeout: float = 10.0) -> None:
        if self.phone is not None:
            self.phone.close()
            self.phone = None
        # smsbox first: it drains into bearerbox, which then shuts its SMSCs down.
        for name in ("smsbox", "bearerbox"):
            proc = self._procs.pop(name, None)
            if proc is None or proc.poll() is not None:
                continue
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)

    def __enter__(self) -> Self:
        try:
            return self.start()
        except KannelError as exc:
            raise KannelError(f"{exc}\n{self.logs()}") from None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
