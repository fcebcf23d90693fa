"""Sticky agent: a returning contact goes back to the agent who last served them.

The app knows the contact's last agent; :func:`reserve_for_last_agent` marks
the work as reserved for that agent for the group's wait budget.  Push then
gives it to them at once if they are free; otherwise it waits for them to free
up, and when the budget runs out it joins the normal queue (in the same place
in line: ``enqueued_at`` does not change).  A reservation is only worth making
when the agent is available (logged in, maybe busy or in wrap-up) and still
has the skill; otherwise waiting for them would be waiting for nobody.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from routing.types import Agent, Work


def reserve_for_last_agent(
    work: Work,
    last_agent_id: int | None,
    agents: Mapping[int, Agent],
    now: float,
    wait_seconds: float,
) -> Work:
    """The work reserved for ``last_agent_id`` until ``now + wait_seconds``, or
    unchanged when stickiness cannot help."""
    if last_agent_id is None or wait_seconds <= 0:
        return work
    agent = agents.get(last_agent_id)
    if agent is None or agent.presence != "available":
        return work
    if agent.skills.get(work.group_id, 0) <= 0 or agent.capacity.get(work.kind, 0) <= 0:
        return work
    if agent.id in work.excluded_agents:
        return work
    return replace(work, reserved_for=agent.id, reserved_until=now + wait_seconds)
