"""What happens to a contact that arrives while the tenant is closed, per
channel kind: keep it queued for the next opening, offer a call-back, or send
an automatic reply (and keep it queued)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, get_args

from routing.errors import ConfigError
from routing.hours import BusinessHours

AfterHoursAction = Literal["queue", "offer_callback", "auto_reply"]
AFTER_HOURS_ACTIONS: tuple[str, ...] = get_args(AfterHoursAction)

# Email waits for the morning; an SMS gets told when we open; a chat visitor is
# offered a call-back rather than a silent window; a call-back is simply queued.
DEFAULT_AFTER_HOURS: Mapping[str, AfterHoursAction] = {
    "email": "queue",
    "sms": "auto_reply",
    "chat": "offer_callback",
    "callback": "queue",
}


def check_after_hours(behaviour: Mapping[str, str]) -> dict[str, AfterHoursAction]:
    checked: dict[str, AfterHoursAction] = {}
    for kind, action in behaviour.items():
        if action not in AFTER_HOURS_ACTIONS:
            raise ConfigError(
                f"after-hours behaviour for {kind!r} is {action!r}; "
                f"choose one of {', '.join(AFTER_HOURS_ACTIONS)}"
            )
        checked[kind] = action  # type: ignore[assignment]
    return checked


@dataclass(frozen=True, slots=True)
class AfterHoursDecision:
    open: bool
    action: AfterHoursAction | None  # None while open
    reopens_at: float | None  # next opening (None: open now, or never opens)


def after_hours_decision(
    hours: BusinessHours | None,
    kind: str,
    at: float,
    behaviour: Mapping[str, AfterHoursAction] = DEFAULT_AFTER_HOURS,
) -> AfterHoursDecision:
    """Open, or closed with the action for this channel kind (``queue`` when the
    kind has no rule).  ``hours=None`` means always open."""
    if hours is None or hours.is_open(at):
        return AfterHoursDecision(True, None, None)
    return AfterHoursDecision(False, behaviour.get(kind, "queue"), hours.next_open(at))
