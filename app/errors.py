"""Errors actions raise; the HTTP layer answers them as ``{"detail": …}`` with a 4xx."""

from __future__ import annotations


class ActionError(Exception):
    status = 400

    def __init__(self, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        # The input at fault, as a dotted path ("routing.overflow.target_group"), so a
        # form can show the message next to that field.
        self.field = field


class NotFound(ActionError):
    status = 404


class Forbidden(ActionError):
    status = 403


class Unauthorized(ActionError):
    status = 401


class Conflict(ActionError):
    status = 409


class Invalid(ActionError):
    status = 422


class TooManyRequests(ActionError):
    status = 429
