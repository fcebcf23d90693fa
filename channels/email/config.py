"""The email channel's settings, read from ``ChannelConfig.config`` with defaults.

Contract keys: imap_host, imap_port, imap_user, imap_password, imap_tls, smtp_host,
smtp_port, smtp_user, smtp_password, smtp_tls, address. Everything else is optional; see
docs/email.md for the table. Values may arrive as JSON strings ("true", "993"), so every
field is coerced here and a bad value raises ``ValueError`` naming the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from channels.email.mime import DEFAULT_MAX_ATTACHMENT_BYTES

StartTLS = Literal["auto", "always", "never"]


def _bool(cfg: Mapping[str, Any], key: str, default: bool) -> bool:
    value = cfg.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"email channel config {key!r}: expected true/false, got {value!r}")


def _int(cfg: Mapping[str, Any], key: str, default: int) -> int:
    value = cfg.get(key)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueError(
            f"email channel config {key!r}: expected a number, got {value!r}"
        ) from None
    if number < 0:
        raise ValueError(f"email channel config {key!r}: must not be negative")
    return number


def _str(cfg: Mapping[str, Any], key: str, default: str | None = None) -> str | None:
    value = cfg.get(key)
    return default if value is None or str(value).strip() == "" else str(value).strip()


@dataclass(frozen=True, slots=True)
class EmailSettings:
    address: str
    display_name: str | None
    reply_to: str
    imap_host: str | None
    imap_port: int
    imap_user: str
    imap_password: str
    imap_tls: bool
    imap_folder: str
    imap_validate_certs: bool
    imap_mark_seen: bool
    imap_skip_existing: bool
    smtp_host: str | None
    smtp_port: int
    smtp_user: str | None
    smtp_password: str | None
    smtp_tls: bool
    smtp_starttls: StartTLS
    smtp_validate_certs: bool
    smtp_timeout: int
    max_attachment_bytes: int

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> EmailSettings:
        address = (_str(cfg, "address") or "").lower()
        if "@" not in address:
            raise ValueError("email channel config 'address': an e-mail address is required")
        imap_tls = _bool(cfg, "imap_tls", True)
        smtp_tls = _bool(cfg, "smtp_tls", False)
        starttls = (_str(cfg, "smtp_starttls", "auto") or "auto").lower()
        starttls = {"true": "always", "1": "always", "false": "never", "0": "never"}.get(
            starttls, starttls
        )
        if starttls not in ("auto", "always", "never"):
            raise ValueError("email channel config 'smtp_starttls': auto, always or never")
        imap_user = _str(cfg, "imap_user", address) or address
        imap_password = _str(cfg, "imap_password", "") or ""
        # Most providers use one login for IMAP and SMTP; an explicit empty smtp_user: no AUTH.
        return cls(
            address=address,
            display_name=_str(cfg, "display_name"),
            reply_to=(_str(cfg, "reply_to", address) or address).lower(),
            imap_host=_str(cfg, "imap_host"),
            imap_port=_int(cfg, "imap_port", 993 if imap_tls else 143),
            imap_user=imap_user,
            imap_password=imap_password,
            imap_tls=imap_tls,
            imap_folder=_str(cfg, "imap_folder", "INBOX") or "INBOX",
            imap_validate_certs=_bool(cfg, "imap_validate_certs", True),
            imap_mark_seen=_bool(cfg, "imap_mark_seen", True),
            imap_skip_existing=_bool(cfg, "imap_skip_existing", False),
            smtp_host=_str(cfg, "smtp_host"),
            smtp_port=_int(cfg, "smtp_port", 465 if smtp_tls else 587),
            # Most providers use the same login for both; an explicit empty user means no AUTH.
            smtp_user=_str(cfg, "smtp_user") if "smtp_user" in cfg else imap_user,
            smtp_password=_str(cfg, "smtp_password") if "smtp_password" in cfg else imap_password,
            smtp_tls=smtp_tls,
            smtp_starttls=starttls,  # type: ignore[arg-type]
            smtp_validate_certs=_bool(cfg, "smtp_validate_certs", True),
            smtp_timeout=_int(cfg, "smtp_timeout", 60),
            max_attachment_bytes=_int(cfg, "max_attachment_bytes", DEFAULT_MAX_ATTACHMENT_BYTES),
        )
