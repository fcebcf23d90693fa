"""aioimaplib, with the one thing it lacks for a reliable mailbox worker.

aioimaplib drops unsolicited ``* n EXISTS`` responses that arrive while no NOOP or IDLE is
pending (e.g. during our UID FETCH). Mail arriving at that moment would then wait for the
next IDLE renewal. The protocol subclass below reports those notices.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable
from typing import Any

from aioimaplib import aioimaplib

from channels.email.fetch import is_new_mail_notice


class NoticingProtocol(aioimaplib.IMAP4ClientProtocol):
    """Calls ``on_new_mail`` for every untagged EXISTS/RECENT, whatever command is pending."""

    on_new_mail: Callable[[], None] | None = None

    def _untagged_response(self, line: bytes) -> Any:
        if self.on_new_mail is not None and is_new_mail_notice(line[2:]):
            self.on_new_mail()
        return super()._untagged_response(line)


class ImapClient(aioimaplib.IMAP4):
    """``aioimaplib.IMAP4`` built on :class:`NoticingProtocol` (TLS through ``ssl_context``)."""

    def create_client(
        self,
        host: str,
        port: int,
        loop: asyncio.AbstractEventLoop | None,
        conn_lost_cb: Callable[[Exception | None], None] | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        local_loop = loop or asyncio.get_running_loop()
        self.protocol = NoticingProtocol(local_loop, conn_lost_cb)
        self._client_task = local_loop.create_task(
            local_loop.create_connection(lambda: self.protocol, host, port, ssl=ssl_context)
        )
