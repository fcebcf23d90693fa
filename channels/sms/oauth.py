"""OAuth2 client-credentials tokens, fetched once and reused until they expire.

Orange tokens last an hour and the token endpoint is rate limited, so asking for one per SMS
would both slow sending and get the account throttled. One lock per credential keeps a burst
of concurrent sends down to a single token request.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from channels.types import PermanentSendError, TransientSendError

# Renew a little early so a token never expires between being read and being used.
EXPIRY_MARGIN_SECONDS = 60.0


@dataclass(slots=True)
class _Token:
    value: str
    expires_at: float


class TokenCache:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._tokens: dict[tuple[str, str], _Token] = {}
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}

    def invalidate(self, token_url: str, client_id: str) -> None:
        self._tokens.pop((token_url, client_id), None)

    async def get(
        self,
        client: httpx.AsyncClient,
        token_url: str,
        client_id: str,
        client_secret: str,
    ) -> str:
        key = (token_url, client_id)
        token = self._tokens.get(key)
        if token is not None and token.expires_at > self._clock():
            return token.value
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            token = self._tokens.get(key)  # another task may have fetched it meanwhile
            if token is not None and token.expires_at > self._clock():
                return token.value
            token = await self._fetch(client, token_url, client_id, client_secret)
            self._tokens[key] = token
            return token.value

    async def _fetch(
        self, client: httpx.AsyncClient, token_url: str, client_id: str, client_secret: str
    ) -> _Token:
        try:
            response = await client.post(
                token_url,
                data={"grant_type": "client_credentials"},
                auth=(client_id, client_secret),
                headers={"Accept": "application/json"},
                timeout=15.0,
            )
        except httpx.HTTPError as exc:
            raise TransientSendError(
                f"token endpoint unreachable: {exc.__class__.__name__}: {exc}"
            ) from None
        if response.status_code in (400, 401, 403):
            raise PermanentSendError(
                f"token endpoint refused the client credentials ({response.status_code}: "
                f"{response.text[:200]})"
            )
        if response.status_code != 200:
            raise TransientSendError(f"token endpoint answered {response.status_code}")
        try:
            data = response.json()
            value = str(data["access_token"])
            # Orange sends expires_in as a string ("3600").
            lifetime = float(data.get("expires_in") or 3600)
        except (ValueError, KeyError, TypeError):
            raise TransientSendError("token endpoint answered without an access_token") from None
        expires_at = self._clock() + max(lifetime - EXPIRY_MARGIN_SECONDS, 0.0)
        return _Token(value, expires_at)
