"""Settings, read from the environment (``TERANGA_*``) once per process."""

from __future__ import annotations

import secrets
from functools import cached_property
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TERANGA_", extra="ignore")

    database_url: str = "sqlite:///./teranga.db"
    redis_url: str | None = None
    secret_key: str | None = None
    base_url: str = "http://127.0.0.1:8000"
    data_dir: Path = Path("./var")

    # Ingest: what one message may weigh, and how long a resolved conversation may be
    # reopened by the customer writing again on the same channel.
    max_text_chars: int = 20_000
    reopen_window_days: int = 7
    # How long a process may route with a copy of a channel's tenant, groups and rules
    # before reading them again (edits made in the same process apply at once).
    config_cache_seconds: float = 2.0
    # Inbound messages (webhooks, chat lines) arriving together are written in one
    # transaction, at most this many (group commit, app/services/group_commit.py).
    ingest_batch_max: int = 32
    # Under steady traffic, wait this long for more before writing the next batch
    # (0: never). At 1,000 chat lines/s: 7 lines a commit instead of 2, -25 % CPU.
    ingest_batch_linger_ms: float = 2.0
    # permessage-deflate on websockets. Off: it doubles an idle socket's memory (10,000
    # visitors: ~1 GB with it, ~0.5 GB without) to save a few dozen bytes on frames of
    # a hundred (chat lines, events). A proxy in front may still compress.
    ws_deflate: bool = False

    # Outbox: retries with exponential backoff, then the message is marked failed.
    outbox_max_attempts: int = 8
    outbox_base_delay_seconds: float = 2.0
    outbox_max_delay_seconds: float = 600.0
    outbox_poll_seconds: float = 0.5
    dispatch_interval_seconds: float = 2.0
    # How often tenants with enough new labelled examples get their model retrained.
    retrain_interval_seconds: float = 3600.0

    # Run background workers (outbox, dispatcher, channel pollers) inside ``serve``.
    workers: bool = True
    log_json: bool = False
    # When set, /metrics asks for it as a bearer token.
    metrics_token: str | None = None

    @cached_property
    def resolved_secret_key(self) -> str:
        """The configured key, else one generated once into the data dir and reused."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")
