"""The email channel wired into the app, against a real Dovecot and aiosmtpd, on SQLite and
PostgreSQL (the ``ctx`` fixture is parametrised)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from app.context import AppContext
from tests.integration.email.conftest import _require_dovecot
from tests.integration.email_app.helpers import Desk, make_desk
from tests.support.dovecot import Dovecot
from tests.support.smtp_server import SmtpServer


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    _require_dovecot()
    server = Dovecot()
    server.start()
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def desk(ctx: AppContext, dovecot: Dovecot, smtp_server: SmtpServer
               ) -> AsyncIterator[Desk]:
    """Tenant ``acme`` with an email channel on the Dovecot mailbox and the SMTP server,
    an available agent, the mailbox supervisor and the outbox worker running."""
    d = make_desk(ctx, dovecot, smtp_server, max_attachment_bytes=4000)
    await d.start()
    try:
        yield d
    finally:
        await d.close()
