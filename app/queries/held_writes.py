"""The writes of a group commit, held back and written a table at a time.

New messages mostly insert rows (contact, identity, interaction, message, history)
and change their conversation: one statement each is five round trips per message
on PostgreSQL, and SQLAlchemy's cost per statement on either back end. Held back, a
batch writes each table's new rows with one ``executemany`` (psycopg pipelines it),
then the interactions' changes (merged per row, grouped by the columns they set),
just before anything else runs on the connection (a read, an update, an ORM query
or flush: a ``before_execute`` hook on that one connection) and at the end. So
whatever the batch reads sees every row it wrote before, exactly as if each had been
written at once. A statement may say it cannot see them (``READS_NO_HELD_ROWS``) or
sees only assigned work (``READS_ASSIGNED_WORK``: the agents' loads): then it does
not make the batch write first, so a busy queue's "is anyone free?" does not split
the batch's writes.

Rows that point at a new row need its id before it is written: ids come from the
tables' own sequences, a block reserved up front in one query per batch, so they
never collide with rows written any other way meanwhile. Ids reserved and not used
are gaps, as any rolled-back insert leaves. PostgreSQL only: on SQLite a statement
is a function call, not a round trip, and there is no sequence to reserve from.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Executable, Update, bindparam, event, insert, text, update

from app.queries.rows import TABLES

# Parents before children: rows are written in this order whatever order they came in.
ORDER = ("contact", "contact_identity", "interaction", "message", "interaction_event")
# Tables whose new rows' ids are handed out before they are written.
RESERVED = ("contact", "interaction", "message")
_INSERTS = {name: insert(TABLES[name]) for name in ORDER}

# Execution options of statements that need not wait for held-back rows.
_OPTION = "teranga_reads_held"
READS_NO_HELD_ROWS = {_OPTION: "none"}  # tables outside ORDER
READS_ASSIGNED_WORK = {_OPTION: "assigned"}  # only interactions with an assignee

_PG_RESERVE = text(
    "WITH s AS (SELECT " + ", ".join(
        f"pg_get_serial_sequence('{name}', 'id') AS {name}" for name in RESERVED) + ") "
    "SELECT " + ", ".join(f"nextval(s.{name})" for name in RESERVED)
    + " FROM s, generate_series(1, :n)"
)


class HeldWrites:
    """Rows waiting to be written on one connection, the ids reserved for them, and
    the changes waiting for interactions (merged per row: the last value wins, as
    if each update had run in turn)."""

    def __init__(self, conn: Connection, ids: dict[str, list[int]]) -> None:
        self.conn = conn
        self._ids = {name: iter(values) for name, values in ids.items()}
        self._rows: dict[str, list[dict[str, Any]]] = {name: [] for name in ORDER}
        # Held interaction inserts by id (a later change is merged into its row) and
        # held changes to stored interactions.
        self._new_interactions: dict[int, dict[str, Any]] = {}
        self._changes: dict[int, dict[str, Any]] = {}
        self._pending = False
        self._assigned = False  # held work has an assignee, or a changed one

    def new_id(self, table: str) -> int:
        """An id for a new row of ``table`` (one of ``RESERVED``)."""
        value = next(self._ids[table], None)
        if value is None:  # more new rows than the batch has messages: one more block
            self._ids[table] = iter(reserve_ids(self.conn, 16)[table])
            value = next(self._ids[table])
        return value

    def add(self, table: str, row: dict[str, Any]) -> None:
        self._rows[table].append(row)
        self._pending = True
        if table == "interaction":
            self._new_interactions[row["id"]] = row
            if row.get("assignee_id") is not None:
                self._assigned = True

    def change_interaction(self, interaction_id: int, changes: dict[str, Any]) -> None:
        """An UPDATE of one interaction's columns, held with the rest."""
        held = self._new_interactions.get(interaction_id)
        if held is not None:
            held.update(changes)
        else:
            self._changes.setdefault(interaction_id, {}).update(changes)
        self._pending = True
        if "assignee_id" in changes or "status" in changes:
            self._assigned = True  # an agent's load may have changed

    def flush(self) -> None:
        """Write what waits, parents first, then the changes. Re-entrant: the hook
        fires for these very statements, and finds nothing left to write."""
        if not self._pending:
            return
        self._pending = self._assigned = False
        self._new_interactions = {}
        for name in ORDER:
            rows = self._rows[name]
            if rows:
                self._rows[name] = []
                self.conn.execute(_INSERTS[name], rows)
        changes, self._changes = self._changes, {}
        by_columns: dict[frozenset[str], list[dict[str, Any]]] = {}
        for interaction_id, values in changes.items():
            by_columns.setdefault(frozenset(values), []).append(
                interaction_update_params(interaction_id, values))
        for columns, rows in by_columns.items():
            self.conn.execute(interaction_update(columns), rows)

    def _before_execute(self, conn: Connection, statement: Any, *_: Any) -> None:
        reads = statement.get_execution_options().get(_OPTION) \
            if isinstance(statement, Executable) else None
        if reads == "none" or (reads == "assigned" and not self._assigned):
            return
        self.flush()


_UPDATES: dict[frozenset[str], Update] = {}


def interaction_update(columns: frozenset[str]) -> Update:
    """``UPDATE interaction SET <columns> WHERE id = :b_id``, built once per set of
    columns (the changes an ingest makes come in a handful of shapes)."""
    statement = _UPDATES.get(columns)
    if statement is None:
        table = TABLES["interaction"]
        statement = _UPDATES[columns] = (
            update(table).where(table.c.id == bindparam("b_id"))
            .values({name: bindparam(f"v_{name}") for name in sorted(columns)}))
    return statement


def interaction_update_params(interaction_id: int | None, changes: dict[str, Any]
                              ) -> dict[str, Any]:
    params = {f"v_{name}": value for name, value in changes.items()}
    params["b_id"] = interaction_id
    return params


def reserve_ids(conn: Connection, n: int) -> dict[str, list[int]]:
    """``n`` new ids for each of ``RESERVED``, in one query (PostgreSQL)."""
    rows = conn.execute(_PG_RESERVE, {"n": n}).all()
    return {name: [int(r[k]) for r in rows] for k, name in enumerate(RESERVED)}


@contextmanager
def held_writes(conn: Connection, n: int) -> Iterator[HeldWrites]:
    """Hold back inserts on ``conn`` for a batch of ``n`` messages. Everything held is
    written when the block ends normally; on an error it is dropped with the
    transaction the caller rolls back."""
    later = HeldWrites(conn, reserve_ids(conn, n))
    event.listen(conn, "before_execute", later._before_execute)
    try:
        yield later
        later.flush()
    finally:
        event.remove(conn, "before_execute", later._before_execute)
