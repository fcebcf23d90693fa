"""The statements one inbound message runs (see ``app.actions.ingest``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update

from app.queries.held_writes import (
    READS_NO_HELD_ROWS,
    HeldWrites,
    interaction_update,
    interaction_update_params,
)
from app.queries.rows import INTERACTION_COLUMNS, TABLES, ContactRow, InteractionRow

message = TABLES["message"]
interaction = TABLES["interaction"]
contact = TABLES["contact"]
identity = TABLES["contact_identity"]
history = TABLES["interaction_event"]
channel = TABLES["channel"]
users = TABLES["users"]

# Inbound messages already stored under these provider ids (a gateway's retries).
DUPLICATES_AMONG = (
    select(message.c.provider_id, message.c.id, message.c.interaction_id)
    .where(message.c.tenant_id == bindparam("tenant_id"),
           message.c.channel_id == bindparam("channel_id"),
           message.c.direction == "in",
           message.c.provider_id.in_(bindparam("provider_ids", expanding=True)))
)

_by = identity.alias("by")
_all = identity.alias("known")
# The contacts these identities (of one kind) belong to, with every identity of each
# contact (one row each, in the order they were learnt) and the value it was found
# by: resolution and the event's contact card in one round trip, for one sender or a
# group commit's.
CONTACTS_BY_IDENTITIES = (
    select(_by.c.value.label("found_by"), contact.c.id, contact.c.name, contact.c.vip,
           contact.c.sms_opted_out, _all.c.kind, _all.c.value)
    .select_from(_by.join(contact, contact.c.id == _by.c.contact_id)
                 .join(_all, _all.c.contact_id == contact.c.id))
    .where(_by.c.tenant_id == bindparam("tenant_id"), _by.c.kind == bindparam("kind"),
           _by.c.value.in_(bindparam("values", expanding=True)))
    .order_by(_all.c.id)
)
IDENTITY_EXISTS = (
    select(identity.c.id)
    .where(identity.c.tenant_id == bindparam("tenant_id"), identity.c.kind == bindparam("kind"),
           identity.c.value == bindparam("value"))
    .limit(1)
)
INSERT_CONTACT = insert(contact).returning(contact.c.id)
INSERT_IDENTITY = insert(identity)
RENAME_CONTACT = (update(contact).where(contact.c.id == bindparam("contact_id"))
                  .values(name=bindparam("v_name"), updated_at=bindparam("v_updated_at")))
SET_OPT_OUT = (update(contact).where(contact.c.id == bindparam("contact_id"))
               .values(sms_opted_out=bindparam("v_opted_out"),
                       updated_at=bindparam("v_updated_at")))

# The interaction with its assignee's name; locked, so that two messages of one
# customer arriving together (two processes) thread and route one after the other.
_with_assignee = (
    select(*(interaction.c[name] for name in INTERACTION_COLUMNS), users.c.name)
    .select_from(interaction.outerjoin(users, users.c.id == interaction.c.assignee_id))
)
LATEST_INTERACTION = (
    _with_assignee
    .where(interaction.c.contact_id == bindparam("contact_id"),
           interaction.c.channel_id == bindparam("channel_id"))
    .order_by(interaction.c.id.desc())
    .limit(1)
    .with_for_update(of=interaction)
)
# The latest interaction of each of these contacts on one channel, locked in id
# order (two group commits lock what they share in the same order).
_latest_ids = (
    select(func.max(interaction.c.id))
    .where(interaction.c.channel_id == bindparam("channel_id"),
           interaction.c.contact_id.in_(bindparam("contact_ids", expanding=True)))
    .group_by(interaction.c.contact_id)
)
LATEST_INTERACTIONS = (
    _with_assignee
    .where(interaction.c.id.in_(_latest_ids.scalar_subquery()))
    .order_by(interaction.c.id)
    .with_for_update(of=interaction)
)
INTERACTION_BY_ID = (
    _with_assignee.where(interaction.c.id == bindparam("interaction_id"))
    .with_for_update(of=interaction)
)
THREAD_BY_REFERENCE = (
    select(message.c.interaction_id)
    .where(message.c.tenant_id == bindparam("tenant_id"),
           message.c.provider_id.in_(bindparam("refs", expanding=True)))
    .order_by(message.c.id.desc())
    .limit(1)
)
INSERT_INTERACTION = insert(interaction).returning(interaction.c.id)
INSERT_MESSAGE = insert(message).returning(message.c.id)
INSERT_HISTORY = insert(history)
TOUCH_CHANNEL = (update(channel).where(channel.c.id == bindparam("channel_id"))
                 .values(last_message_at=bindparam("v_at"))
                 .execution_options(**READS_NO_HELD_ROWS))

def find_contact(conn: Connection, tenant_id: int, kind: str, value: str) -> ContactRow | None:
    return find_contacts(conn, tenant_id, kind, [value]).get(value)


def stored_messages(conn: Connection, tenant_id: int, channel_id: int, provider_ids: list[str]
                    ) -> dict[str, tuple[int, int]]:
    """provider id -> (message, interaction) for the inbound ones stored already."""
    return {pid: (mid, iid) for pid, mid, iid in conn.execute(DUPLICATES_AMONG, {
        "tenant_id": tenant_id, "channel_id": channel_id,
        "provider_ids": sorted(set(provider_ids))})}


def find_contacts(conn: Connection, tenant_id: int, kind: str, values: list[str]
                  ) -> dict[str, ContactRow]:
    """Contacts by identity values of one kind: value -> contact (when known)."""
    found: dict[str, ContactRow] = {}
    for by, cid, name, vip, opted_out, other_kind, other_value in conn.execute(
            CONTACTS_BY_IDENTITIES, {"tenant_id": tenant_id, "kind": kind,
                                     "values": sorted(set(values))}):
        row = found.get(by)
        if row is None:
            row = found[by] = ContactRow(cid, name, bool(vip), bool(opted_out))
        row.add_identity(other_kind, other_value)
    return found


# The inserts below write at once, or hold the row back for the group commit's
# ``later`` (``app.queries.held_writes``) with an id reserved for it.


def create_contact(conn: Connection, tenant_id: int, name: str | None, now: datetime,
                   later: HeldWrites | None = None) -> ContactRow:
    values: dict[str, Any] = {
        "tenant_id": tenant_id, "name": name, "vip": False, "sms_opted_out": False,
        "notes": None, "attributes": {}, "created_at": now, "updated_at": now,
    }
    if later is not None:
        values["id"] = cid = later.new_id("contact")
        later.add("contact", values)
    else:
        cid = conn.execute(INSERT_CONTACT, values).scalar_one()
    return ContactRow(int(cid), name, False, False)


def add_identity(conn: Connection, tenant_id: int, contact: ContactRow, kind: str, value: str,
                 now: datetime, later: HeldWrites | None = None) -> None:
    values = {"tenant_id": tenant_id, "contact_id": contact.id, "kind": kind,
              "value": value, "created_at": now}
    if later is not None:
        later.add("contact_identity", values)
    else:
        conn.execute(INSERT_IDENTITY, values)
    contact.add_identity(kind, value)


def identity_known(conn: Connection, tenant_id: int, kind: str, value: str) -> bool:
    params = {"tenant_id": tenant_id, "kind": kind, "value": value}
    return conn.execute(IDENTITY_EXISTS, params).first() is not None


def load_interaction(conn: Connection, statement: Any, params: dict[str, Any]
                     ) -> tuple[InteractionRow, str | None] | None:
    """An interaction row and its assignee's name, or None."""
    row = conn.execute(statement, params).first()
    if row is None:
        return None
    *values, assignee_name = row
    return InteractionRow(*values), assignee_name


def latest_interactions(conn: Connection, channel_id: int, contact_ids: list[int]
                        ) -> dict[int, tuple[InteractionRow, str | None]]:
    """contact -> (latest interaction on the channel, its assignee's name), locked."""
    found: dict[int, tuple[InteractionRow, str | None]] = {}
    for row in conn.execute(LATEST_INTERACTIONS, {"channel_id": channel_id,
                                                  "contact_ids": sorted(set(contact_ids))}):
        *values, assignee_name = row
        interaction_row = InteractionRow(*values)
        found[interaction_row.contact_id] = (interaction_row, assignee_name)
    return found


def insert_interaction(conn: Connection, row: InteractionRow,
                       later: HeldWrites | None = None) -> int:
    values = row.values()
    if later is not None:
        values["id"] = row.id = later.new_id("interaction")
        later.add("interaction", values)
        return row.id
    del values["id"]
    row.id = int(conn.execute(INSERT_INTERACTION, values).scalar_one())
    return row.id


def update_interaction(conn: Connection, row: InteractionRow, before: dict[str, Any],
                       later: HeldWrites | None = None) -> None:
    """Write the columns that changed since ``before``, as the ORM would."""
    changes = row.changes(before)
    if not changes:
        return
    if later is not None:
        assert row.id is not None
        later.change_interaction(row.id, changes)
        return
    conn.execute(interaction_update(frozenset(changes)),
                 interaction_update_params(row.id, changes))


def insert_message(conn: Connection, values: dict[str, Any],
                   later: HeldWrites | None = None) -> int:
    if later is not None:
        mid = later.new_id("message")
        later.add("message", {**values, "id": mid})
        return mid
    return int(conn.execute(INSERT_MESSAGE, values).scalar_one())


def insert_history(conn: Connection, rows: Iterable[dict[str, Any]],
                   later: HeldWrites | None = None) -> None:
    """History lines (``interaction_event``), in the order given."""
    batch = [{"actor_id": None, **r} for r in rows]
    if later is not None:
        for line in batch:
            later.add("interaction_event", line)
    elif batch:
        conn.execute(INSERT_HISTORY, batch)
