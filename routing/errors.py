"""Errors the routing library raises on bad input.

Both subclass :class:`ValueError` so callers that only know "bad value" still
catch them; the app turns them into a 4xx (API) or a clear message (CLI).
"""

from __future__ import annotations


class ConfigError(ValueError):
    """A routing configuration that cannot work: the message names the problem."""


class TransferError(ValueError):
    """A transfer target that cannot take the interaction: the message says why."""
