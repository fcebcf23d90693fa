"""Exponential backoff with jitter, so that many mailboxes failing together (a provider
outage) do not reconnect in lockstep."""

from __future__ import annotations

import random


class Backoff:
    def __init__(
        self,
        initial: float = 1.0,
        maximum: float = 300.0,
        factor: float = 2.0,
        rng: random.Random | None = None,
    ) -> None:
        if initial <= 0 or maximum < initial or factor < 1:
            raise ValueError("need 0 < initial <= maximum and factor >= 1")
        self.initial, self.maximum, self.factor = initial, maximum, factor
        self.attempts = 0
        self._rng = rng or random.Random()

    def next(self) -> float:
        """Delay before the next attempt: half fixed, half random ("equal jitter"), capped."""
        ceiling = min(self.maximum, self.initial * self.factor**self.attempts)
        self.attempts += 1
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    def reset(self) -> None:
        self.attempts = 0
