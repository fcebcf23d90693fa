"""Sending one reply over SMTP, with errors sorted into "retry later" and "give up".

The outbox worker calls :func:`send` and retries ``TransientSendError`` with backoff;
``PermanentSendError`` is shown to the agent with the server's own words.

Classification:
- connection refused/reset, timeouts, TLS negotiation failures, any 4xx → transient;
- 5xx on MAIL FROM, RCPT TO or DATA (unknown user, rejected as spam, too large) → permanent;
- authentication failures (535 and friends) → transient, although 5xx: the message is fine,
  the channel is misconfigured. Marking every queued reply failed would force agents to
  resend each one after the admin fixes the password; instead they wait in the outbox and
  the error is visible on the attempt (and should be surfaced as channel health).
"""

from __future__ import annotations

import logging
import ssl

import aiosmtplib

from channels.email.compose import build_message
from channels.email.config import EmailSettings
from channels.types import (
    ChannelConfig,
    OutboundMessage,
    PermanentSendError,
    SendResult,
    TransientSendError,
)

log = logging.getLogger(__name__)


def _words(code: int, message: str) -> str:
    return f"{code} {message}".strip()


def _tls_context(settings: EmailSettings) -> ssl.SSLContext | None:
    if settings.smtp_validate_certs:
        return None  # aiosmtplib builds a verifying default context
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def _start_tls(settings: EmailSettings) -> bool | None:
    if settings.smtp_tls:
        return False  # implicit TLS already; no STARTTLS on top
    return {"always": True, "never": False}.get(settings.smtp_starttls)  # auto -> None


async def send(channel: ChannelConfig, msg: OutboundMessage) -> SendResult:
    """Send ``msg`` through the channel's SMTP server.

    Returns ``SendResult(provider_id=<bare Message-ID>, status="sent", detail=<server reply>)``.
    Raises ``TransientSendError`` or ``PermanentSendError`` (from ``channels.types``).
    """
    try:
        settings = EmailSettings.from_config(channel.config)
    except ValueError as exc:
        raise TransientSendError(f"email channel misconfigured: {exc}") from exc
    if not settings.smtp_host:
        raise TransientSendError("email channel has no smtp_host configured")
    if not msg.to or "@" not in msg.to:
        raise PermanentSendError(f"not an e-mail address: {msg.to!r}")
    mail, message_id = build_message(channel, msg, settings=settings)
    recipients = [msg.to, *[str(a) for a in (msg.meta.get("cc") or [])]]
    try:
        _errors, response = await aiosmtplib.send(
            mail,
            sender=settings.address,
            recipients=recipients,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_user or None,
            password=settings.smtp_password or None,
            use_tls=settings.smtp_tls,
            start_tls=_start_tls(settings),
            validate_certs=settings.smtp_validate_certs,
            tls_context=_tls_context(settings),
            timeout=settings.smtp_timeout,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        words = "; ".join(f"{r.recipient}: {_words(r.code, r.message)}" for r in exc.recipients)
        if all(r.code >= 500 for r in exc.recipients):
            raise PermanentSendError(f"recipient refused: {words}") from exc
        raise TransientSendError(f"recipient deferred: {words}") from exc
    except aiosmtplib.SMTPAuthenticationError as exc:
        raise TransientSendError(
            f"SMTP authentication failed: {_words(exc.code, exc.message)}"
        ) from exc
    except (
        aiosmtplib.SMTPSenderRefused,
        aiosmtplib.SMTPDataError,
        aiosmtplib.SMTPRecipientRefused,
    ) as exc:
        words = _words(exc.code, exc.message)
        if exc.code >= 500:
            raise PermanentSendError(f"rejected by the mail server: {words}") from exc
        raise TransientSendError(f"deferred by the mail server: {words}") from exc
    except aiosmtplib.SMTPResponseException as exc:
        # HELO or connect-time answers, unexpected codes: the server, not this message.
        raise TransientSendError(f"SMTP error: {_words(exc.code, exc.message)}") from exc
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        raise TransientSendError(f"SMTP unavailable: {type(exc).__name__}: {exc}") from exc
    log.info("email sent channel=%s message=%s id=%s", channel.id, msg.message_id, message_id)
    return SendResult(provider_id=message_id, status="sent", detail=response)
