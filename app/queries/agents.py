"""The statements of a contact-driven push (``assignment.offer_row``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, bindparam, func, or_, select, update

import routing
from app.queries.held_writes import READS_ASSIGNED_WORK, READS_NO_HELD_ROWS
from app.queries.rows import TABLES

agent_state = TABLES["agent_state"]
agent_skill = TABLES["agent_skill"]
interaction = TABLES["interaction"]
users = TABLES["users"]

# The chosen agent, still available, locked; skipped (no row) when another push is
# handing them work right now: the next best is tried.
LOCK_AGENT = (
    select(agent_state.c.user_id)
    .where(agent_state.c.user_id == bindparam("user_id"),
           agent_state.c.presence == "available",
           or_(agent_state.c.wrap_up_until.is_(None),
               agent_state.c.wrap_up_until <= bindparam("now")))
    .with_for_update(skip_locked=True)
    .execution_options(**READS_NO_HELD_ROWS)
)
AGENT_LOAD = (
    select(interaction.c.channel_kind, func.count())
    .where(interaction.c.assignee_id == bindparam("user_id"),
           interaction.c.status == "assigned")
    .group_by(interaction.c.channel_kind)
    .execution_options(**READS_ASSIGNED_WORK)
)
# What the group's members hold, per channel kind. The members are named by a
# subquery rather than a list of ids: no statement to expand and compile anew.
_loads = (
    select(interaction.c.assignee_id, interaction.c.channel_kind,
           func.count().label("held"))
    .where(interaction.c.assignee_id.in_(
        select(agent_skill.c.user_id)
        .where(agent_skill.c.skill_group_id == bindparam("group_id")).scalar_subquery()),
        interaction.c.status == "assigned")
    .group_by(interaction.c.assignee_id, interaction.c.channel_kind)
    .subquery("loads")
)
# Available agents skilled in the group, with their level, name and loads (one row
# per agent and channel kind held), in one round trip. Not locked: a push locks only
# the agent it chooses (``LOCK_AGENT``) and re-reads that agent's load under the lock,
# so that concurrent pushes hand work to different agents instead of finding them
# all locked and queueing it.
SKILLED_AVAILABLE = (
    select(agent_state.c.user_id, agent_state.c.presence, agent_state.c.idle_since,
           agent_state.c.wrap_up_until, agent_state.c.capacity, agent_state.c.total_capacity,
           agent_state.c.languages, agent_skill.c.level, users.c.name,
           _loads.c.channel_kind, _loads.c.held)
    .select_from(agent_state.join(agent_skill, agent_skill.c.user_id == agent_state.c.user_id)
                 .join(users, users.c.id == agent_state.c.user_id)
                 .outerjoin(_loads, _loads.c.assignee_id == agent_state.c.user_id))
    .where(agent_skill.c.skill_group_id == bindparam("group_id"),
           agent_state.c.presence == "available",
           or_(agent_state.c.wrap_up_until.is_(None),
               agent_state.c.wrap_up_until <= bindparam("now")))
    .order_by(agent_state.c.user_id)
    .execution_options(**READS_ASSIGNED_WORK)
)
TOUCH_AGENT = (update(agent_state).where(agent_state.c.user_id == bindparam("b_user_id"))
               .values(idle_since=bindparam("v_idle_since"))
               .execution_options(**READS_NO_HELD_ROWS))


# Languages the classifier recognises, and so the ones work can wait for.
ROUTED_LANGUAGES = frozenset({"fr", "en", "wo"})


def agent_languages(languages: Iterable[str] | None) -> frozenset[str]:
    """An agent whose languages nobody entered is not held back by language rules."""
    spoken = frozenset(languages or ())
    return spoken if spoken else ROUTED_LANGUAGES


def skilled_available(conn: Connection, group_id: int, now: datetime
                      ) -> tuple[list[routing.Agent], dict[int, str]]:
    """The candidates of a push as ``routing.Agent`` (loads included), and their names."""
    agents: dict[int, routing.Agent] = {}
    names: dict[int, str] = {}
    for (user_id, presence, idle_since, wrap_up_until, capacity, total_capacity, languages,
         level, name, kind, held) in conn.execute(
            SKILLED_AVAILABLE, {"group_id": group_id, "now": now}):
        agent = agents.get(user_id)
        if agent is None:
            agent = agents[user_id] = routing.Agent(
                id=user_id,
                presence=presence,
                skills={group_id: level},
                capacity={k: int(v) for k, v in (capacity or {}).items()},
                load={},
                total_capacity=total_capacity,
                idle_since=idle_since.timestamp(),
                languages=agent_languages(languages),
                wrap_up_until=wrap_up_until.timestamp() if wrap_up_until else 0.0,
            )
            names[user_id] = name
        if kind is not None:
            agent.load[kind] = held  # type: ignore[index]
    return list(agents.values()), names


def lock_agent(conn: Connection, user_id: int, now: datetime) -> dict[str, int] | None:
    """Lock the agent if still available and not being handed work by another push;
    then their load, read in a statement of its own after the lock: under READ
    COMMITTED it sees every assignment committed by whoever held the lock before
    (a subquery of the locking statement would read an older snapshot and could
    overfill them). None when skipped."""
    if conn.execute(LOCK_AGENT, {"user_id": user_id, "now": now}).first() is None:
        return None
    return {kind: count for kind, count in conn.execute(AGENT_LOAD, {"user_id": user_id})}


def touch_agent(conn: Connection, user_id: int, now: datetime) -> None:
    conn.execute(TOUCH_AGENT, {"b_user_id": user_id, "v_idle_since": now})
