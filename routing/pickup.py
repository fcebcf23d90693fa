"""No pick-up: an offered chat or call-back that the agent did not accept in
time is taken back and routed to someone else.

The app keeps offers (work, agent, offered-at); this module only says which
have run out and what the work should look like when it is queued again: the
agent who let it ring out is excluded from it, so neither push nor pull offers
it to them again.  Real ACDs also set that agent *away* ("redirect on no
answer"); :attr:`routing.config.TenantConfig.away_after_no_pickup` says
whether the app should.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from routing.errors import ConfigError
from routing.types import Work

# Only live channels have a pick-up: an email or SMS assignment does not ring.
DEFAULT_NO_PICKUP_SECONDS: Mapping[str, float] = {"chat": 30.0, "callback": 60.0}


@dataclass(frozen=True, slots=True)
class Offer:
    work_id: int
    agent_id: int
    kind: str
    offered_at: float


def check_no_pickup(seconds: Mapping[str, float]) -> dict[str, float]:
    for kind, value in seconds.items():
        if not value > 0:
            raise ConfigError(f"no pick-up time for {kind!r} must be positive seconds, got {value}")
    return dict(seconds)


def timed_out_offers(
    offers: Iterable[Offer],
    now: float,
    no_pickup_seconds: Mapping[str, float] | float = DEFAULT_NO_PICKUP_SECONDS,
) -> list[Offer]:
    """Offers with ``offered_at + N < now``, N per channel kind (kinds without
    a limit never time out), oldest first."""
    out = []
    for offer in offers:
        limit = (
            no_pickup_seconds
            if isinstance(no_pickup_seconds, int | float)
            else no_pickup_seconds.get(offer.kind)
        )
        if limit is not None and offer.offered_at + limit < now:
            out.append(offer)
    out.sort(key=lambda o: (o.offered_at, o.work_id))
    return out


def requeue_after_no_pickup(work: Work, agent_id: int) -> Work:
    """The same work, keeping its place in line, with the agent excluded."""
    return replace(
        work,
        excluded_agents=work.excluded_agents | {agent_id},
        reserved_for=None if work.reserved_for == agent_id else work.reserved_for,
    )
