"""What a mailbox worker tells the app about itself, for the API's channel health."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

WorkerState = Literal[
    "starting",  # created, not yet connected
    "connecting",  # opening the connection and logging in
    "syncing",  # fetching and delivering new mail
    "idle",  # connected, waiting for IMAP IDLE push
    "polling",  # connected, server has no IDLE: waiting before the next check
    "backoff",  # disconnected after an error, waiting before reconnecting
    "stopped",
]


@dataclass(frozen=True, slots=True)
class ChannelHealth:
    channel_id: int
    state: WorkerState = "starting"
    connected: bool = False
    last_error: str | None = None
    last_error_at: datetime | None = None
    last_success_at: datetime | None = None  # last time the mailbox was fully checked
    consecutive_failures: int = 0
    next_retry_at: datetime | None = None
    uidvalidity: int | None = None
    last_uid: int | None = None
    idle_supported: bool | None = None
    delivered: int = 0  # messages delivered by this worker since it started

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly (datetimes as ISO 8601) for the API."""
        out = asdict(self)
        for key, value in out.items():
            if isinstance(value, datetime):
                out[key] = value.isoformat()
        return out
