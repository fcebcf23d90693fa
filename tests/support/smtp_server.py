"""A real SMTP server (aiosmtpd) for tests: captures mail, fails on demand, goes down and
comes back on the same port, and can relay what it accepts into Dovecot over LMTP for a
full SMTP → IMAP loop."""

from __future__ import annotations

import shutil
import smtplib
import ssl
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.support.dovecot import free_port, self_signed_cert


@dataclass(frozen=True)
class Captured:
    sender: str
    recipients: tuple[str, ...]
    data: bytes


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(
        self, smtp: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        reply = self.server.rcpt_reply
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp: SMTP, session: Session, envelope: Envelope) -> str:
        reply = self.server.data_reply
        if reply is not None:
            return reply
        data = bytes(envelope.original_content or b"")
        mail = Captured(str(envelope.mail_from), tuple(envelope.rcpt_tos), data)
        with self.server.lock:
            self.server.messages.append(mail)
        if self.server.relay_lmtp_port:
            with smtplib.LMTP("127.0.0.1", self.server.relay_lmtp_port) as lmtp:
                lmtp.sendmail(mail.sender, self.server.relay_to or list(mail.recipients), data)
        return "250 2.0.0 Ok: queued"


class SmtpServer:
    """``start()``/``stop()`` (same port each time); set ``rcpt_reply`` or ``data_reply`` to a
    full SMTP answer such as ``"451 4.3.0 try later"`` to make the next sends fail."""

    def __init__(
        self,
        *,
        port: int | None = None,
        users: dict[str, str] | None = None,
        relay_lmtp_port: int | None = None,
        relay_to: list[str] | None = None,
        tls: Literal["starttls", "implicit"] | None = None,
    ) -> None:
        self.port = port or free_port()
        self.users = users
        self.relay_lmtp_port = relay_lmtp_port
        self.relay_to = relay_to
        self.messages: list[Captured] = []
        self.lock = threading.Lock()
        self.rcpt_reply: str | None = None
        self.data_reply: str | None = None
        self._controller: Controller | None = None
        self.tls = tls
        self._context: ssl.SSLContext | None = None
        if tls:
            tls_dir = Path(tempfile.mkdtemp(prefix="smtp"))
            try:
                cert, key = self_signed_cert(tls_dir)
                self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
                self._context.load_cert_chain(cert, key)
            finally:
                shutil.rmtree(tls_dir, ignore_errors=True)  # loaded: the files can go

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if not isinstance(data, LoginPassword) or self.users is None:
            return AuthResult(success=False, handled=False)
        user, password = data.login.decode(), data.password.decode()
        return AuthResult(success=self.users.get(user) == password, handled=False)

    def start(self) -> None:
        kwargs: dict[str, Any] = {}
        if self.users is not None:
            kwargs.update(
                authenticator=self._authenticate, auth_require_tls=False, auth_required=True
            )
        if self._context is not None:
            if self.tls == "implicit":
                kwargs["ssl_context"] = self._context
            else:
                kwargs.update(tls_context=self._context, require_starttls=True)
        self._controller = Controller(
            _Handler(self), hostname="127.0.0.1", port=self.port, **kwargs
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None
