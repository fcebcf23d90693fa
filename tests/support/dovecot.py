"""A real, throw-away Dovecot (IMAP + LMTP) for integration tests and benchmarks.

Each instance lives in its own short temp dir (unix socket paths are limited to ~107
bytes) with mode 0755 so Dovecot's auth process, running as the ``dovecot`` user, can read
the passwd-file; the Maildir belongs to ``dovecot`` because mail is accessed as that user.
See /work/shared/PEERS.md for where these facts were checked.
"""

from __future__ import annotations

import contextlib
import imaplib
import os
import pwd
import shutil
import signal
import smtplib
import socket
import subprocess
import tempfile
import time
from pathlib import Path

USER = "support@example.test"
PASSWORD = "secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def missing_reason() -> str | None:
    """Why Dovecot cannot run here, or None when it can."""
    for binary in ("dovecot", "doveadm"):
        if shutil.which(binary) is None and not Path(f"/usr/sbin/{binary}").exists():
            return f"{binary} not installed (apt-get install dovecot-imapd dovecot-lmtpd)"
    try:
        pwd.getpwnam("dovecot")
    except KeyError:
        return "no 'dovecot' system user"
    if os.geteuid() != 0:
        return "Dovecot test server needs root (it switches to the dovecot user)"
    return None


def _wait_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.02)
    raise RuntimeError(f"Dovecot did not listen on {port} within {timeout}s")


def _wait_closed(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), 0.2):
                pass
        except OSError:
            return
        time.sleep(0.02)
    raise RuntimeError(f"Dovecot still listening on {port} after {timeout}s")


def _group_alive(pgid: int) -> bool:
    """Whether any live (non-zombie) process is left in process group ``pgid``."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if len(fields) > 2 and int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """A throw-away certificate for 127.0.0.1/localhost: ``(cert.pem, key.pem)``."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        stdin=subprocess.DEVNULL,
    )
    key.chmod(0o644)  # Dovecot reads it as root at start; loopback test use only
    return cert, key


class Dovecot:
    """``start()``, deliver mail with ``append``/``lmtp``, ``restart()``, ``stop()``."""

    def __init__(
        self, *, user: str = USER, password: str = PASSWORD, idle: bool = True, tls: bool = False
    ) -> None:
        self.user, self.password = user, password
        self.root = Path(tempfile.mkdtemp(prefix="dv", dir="/tmp"))
        self.root.chmod(0o755)
        self.imap_port = free_port()
        self.lmtp_port = free_port()
        self.idle = idle
        self.tls = tls
        self.imaps_port = free_port() if tls else 0
        pw = pwd.getpwnam("dovecot")
        self.uid, self.gid = pw.pw_uid, pw.pw_gid
        self.home = self.root / "mail" / user
        self.conf = self.root / "dovecot.conf"
        self.log = self.root / "dovecot.log"
        self._write_config()
        self.running = False
        self._proc: subprocess.Popen[bytes] | None = None

    # -- setup ----------------------------------------------------------------------------

    def _write_config(self) -> None:
        r = self.root
        for sub in ("run", "state", "mail"):
            (r / sub).mkdir(exist_ok=True)
            (r / sub).chmod(0o755)
        self.home.mkdir(parents=True, exist_ok=True)
        for path in (r / "mail", self.home):
            os.chown(path, self.uid, self.gid)
        passwd = r / "passwd"
        passwd.write_text(
            f"{self.user}:{{PLAIN}}{self.password}:{self.uid}:{self.gid}::{self.home}::\n"
        )
        passwd.chmod(0o644)
        ssl_conf = "ssl = no"
        if self.tls:
            cert, key = self_signed_cert(r)
            ssl_conf = f"ssl = yes\nssl_cert = <{cert}\nssl_key = <{key}"
        # Without IDLE in the capability list the worker must fall back to polling.
        imap_caps = (
            ""
            if self.idle
            else (
                "imap_capability = IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE "
                "SORT THREAD=REFERENCES MULTIAPPEND UNSELECT CHILDREN NAMESPACE UIDPLUS "
                "LIST-EXTENDED I18NLEVEL=1 ESEARCH SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS "
                "BINARY MOVE"
            )
        )
        self.conf.write_text(
            f"""
protocols = imap lmtp
listen = 127.0.0.1
base_dir = {r}/run
state_dir = {r}/state
log_path = {self.log}
info_log_path = {self.log}
{ssl_conf}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_location = maildir:~/Maildir
mail_fsync = never
first_valid_uid = 1
postmaster_address = postmaster@example.test
{imap_caps}
passdb {{
  driver = passwd-file
  args = username_format=%u {passwd}
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {passwd}
}}
protocol imap {{
  mail_max_userip_connections = 200
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.imaps_port}
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {self.lmtp_port}
  }}
  unix_listener lmtp {{
    mode = 0666
  }}
}}
"""
        )

    # -- process --------------------------------------------------------------------------

    def start(self) -> None:
        # Foreground (-F) in a session of its own: we are the master's parent, so it is
        # reaped, and its process group holds every Dovecot process of this instance.
        err = open(self.root / "start.err", "ab")  # noqa: SIM115 - lives as long as Dovecot
        self._proc = subprocess.Popen(
            ["dovecot", "-F", "-c", str(self.conf)],
            stdin=subprocess.DEVNULL,
            stdout=err,
            stderr=err,
            start_new_session=True,
        )
        err.close()
        try:
            _wait_port(self.imap_port)
            _wait_port(self.lmtp_port)
        except RuntimeError:
            self.kill()
            raise RuntimeError(
                f"Dovecot did not start: {(self.root / 'start.err').read_text()}"
                f"{self.log.read_text() if self.log.exists() else ''}"
            ) from None
        self.running = True

    def _signal_all(self, signum: int) -> None:
        if self._proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._proc.pid, signum)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._proc.wait(15)
        deadline = time.monotonic() + 15
        while _group_alive(self._proc.pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        _wait_closed(self.imap_port)
        self._proc = None
        self.running = False

    def stop(self) -> None:
        """Graceful stop: every Dovecot process gets SIGTERM, so IMAP clients receive
        ``* BYE Server shutting down`` at once. (After ``doveadm stop`` alone, a session in
        IDLE lingers about 10 s before noticing its master is gone.)"""
        self._signal_all(signal.SIGTERM)

    def kill(self) -> None:
        """Stop at once (SIGKILL), for teardown."""
        self._signal_all(signal.SIGKILL)

    def restart(self) -> None:
        self.stop()
        self.start()

    def cleanup(self) -> None:
        self.kill()
        shutil.rmtree(self.root, ignore_errors=True)

    def doveadm(self, *args: str) -> str:
        done = subprocess.run(
            ["doveadm", "-c", str(self.conf), *args], check=True, capture_output=True, text=True
        )
        return done.stdout

    # -- mail -----------------------------------------------------------------------------

    def imap(self) -> imaplib.IMAP4:
        conn = imaplib.IMAP4("127.0.0.1", self.imap_port)
        conn.login(self.user, self.password)
        return conn

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        """Put a message into the mailbox over IMAP APPEND."""
        self.append_many([raw], folder)

    def append_many(self, raws: list[bytes], folder: str = "INBOX") -> None:
        with self.imap() as conn:  # logs out on exit
            for raw in raws:
                typ, data = conn.append(folder, "", None, raw)
                if typ != "OK":
                    raise RuntimeError(f"APPEND failed: {data!r}")

    def lmtp(self, raw: bytes, sender: str = "customer@example.org") -> None:
        """Deliver a message as an MTA would (LMTP), which triggers IDLE pushes."""
        with smtplib.LMTP("127.0.0.1", self.lmtp_port) as conn:
            conn.sendmail(sender, [self.user], raw)

    def message_count(self, folder: str = "INBOX") -> int:
        with self.imap() as conn:
            _typ, data = conn.select(folder, readonly=True)
            return int(data[0] or 0)

    def uidvalidity(self, folder: str = "INBOX") -> int:
        out = self.doveadm("mailbox", "status", "-u", self.user, "uidvalidity", folder)
        return int(out.strip().split("=")[-1])

    def reset_mailbox(self, raws: list[bytes], folder: str = "INBOX") -> int:
        """Recreate ``folder`` from scratch with ``raws`` (as a restored backup or a migrated
        account would be): UIDs start again at 1 under a new UIDVALIDITY, which is returned."""
        old = self.uidvalidity(folder)
        self.stop()
        maildir = self.home / "Maildir"
        shutil.rmtree(maildir, ignore_errors=True)
        self.start()
        self.append_many(raws, folder)
        if self.uidvalidity(folder) == old:  # same second as the old one: force a change
            self.doveadm(
                "mailbox", "update", "-u", self.user, "--uid-validity", str(old + 1), folder
            )
        return self.uidvalidity(folder)
