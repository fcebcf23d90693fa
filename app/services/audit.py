"""The audit log: admin and supervisor actions, written in the action's transaction."""

from __future__ import annotations

from typing import Any

from app.access import Actor
from app.context import Transaction
from app.db import utcnow
from app.models import AuditEntry


def audit(
    tx: Transaction, actor: Actor | None, action: str, *, tenant_id: int | None = None,
    target: str | None = None, data: dict[str, Any] | None = None,
) -> None:
    """``actor=None`` is the command line (the machine's owner)."""
    tx.session.add(AuditEntry(tenant_id=tenant_id, actor_id=actor.user_id if actor else None,
                              action=action, target=target, data=redact(data or {}),
                              created_at=utcnow()))


_SECRET_WORDS = ("password", "secret", "token", "api_key", "apikey")


def redact(data: dict[str, Any]) -> dict[str, Any]:
    """Secrets never reach the log, even when the change was to a secret."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if any(word in key.lower() for word in _SECRET_WORDS):
            out[key] = "********"
        elif isinstance(value, dict):
            out[key] = redact(value)
        else:
            out[key] = value
    return out
