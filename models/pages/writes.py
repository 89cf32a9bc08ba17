"""How a webhook batch's new pages are written: one `INSERT ... ON CONFLICT DO NOTHING
RETURNING` that tells which were new, and with them what another feature stores for the same
alerts (a `Rider`: alerting's new alert groups), in the same statement on PostgreSQL.

On PostgreSQL a batch of firing alerts goes without BEGIN and COMMIT (each statement commits on
its own, `bot.db.autocommit_session`), so two inserts would cost two commits, each a disk flush.
One statement with two data-modifying CTEs is one round trip and one commit, and it is atomic:
when the rider's insert fails (another process started the same group first), no page is stored
either, and the batch is run again as a whole. Rows go in as one array per column (`unnest`),
so the statement's text is the same for any number of rows and is built once."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    String,
    Table,
    Text,
    bindparam,
    cast,
    func,
    insert,
    null,
    select,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models.pages.pages import Page

_pages = Page.__table__

# INSERT pages ... ON CONFLICT (integration, key) DO NOTHING RETURNING the keys stored, built
# once per dialect (building the statement costs more than running it).
_INSERT_NEW = {
    name: upsert(_pages)
    .on_conflict_do_nothing(index_elements=["integration_id", "external_key"])
    .returning(_pages.c.external_key)
    for name, upsert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}


@dataclass
class Rider:
    """Rows another feature stores with a batch's new pages. `key` names a column whose values
    are unique among the rows; `stored` is told each row's new id by that value."""

    table: Table
    rows: list[dict[str, Any]]
    key: str
    stored: Callable[[dict[Any, int]], None]

    def store(self, db: Session) -> None:
        """The rows on their own: one `INSERT ... RETURNING` (`stored` is told, rows or not)."""
        if not self.rows:
            self.stored({})
            return
        c = self.table.c
        statement = insert(self.table).returning(c.id, c[self.key])
        self.stored({key: row_id for row_id, key in db.execute(statement, self.rows)})


def insert_pages(db: Session, rows: list[dict[str, Any]], rider: Rider | None) -> set[str]:
    """The new pages' rows stored unless already there (a concurrent request stored them
    first), and the rider's rows: the external keys stored. Rows must share their columns."""
    dialect = db.get_bind().dialect.name
    if dialect == "postgresql" and rows and rider is not None and rider.rows:
        return _insert_together(db, rows, rider)
    stored = {key for (key,) in db.execute(_INSERT_NEW[dialect], rows)} if rows else set()
    if rider is not None:
        rider.store(db)
    return stored


def _insert_together(db: Session, rows: list[dict[str, Any]], rider: Rider) -> set[str]:
    page_columns = tuple(rows[0])
    rider_columns = tuple(rider.rows[0])
    shape = (page_columns, rider.table.name, rider_columns, rider.key)
    statement = _together.get(shape)
    if statement is None:
        statement = _together[shape] = _build_together(*shape)
    params = {
        **_arrays(_pages, "p", page_columns, rows),
        **_arrays(rider.table, "r", rider_columns, rider.rows),
    }
    stored: set[str] = set()
    ids: dict[Any, int] = {}
    for key, row_id in db.execute(statement, params):
        if row_id is None:
            stored.add(key)
        else:
            ids[key] = row_id
    rider.stored(ids)
    return stored


_together: dict[tuple, Any] = {}  # (page columns, table, its columns, key) -> statement


def _arrays(
    table: Table, prefix: str, columns: Sequence[str], rows: list[dict[str, Any]]
) -> dict[str, list]:
    """One array per column; JSON values as their text (a list would be an array's dimension)."""
    arrays = {}
    for column in columns:
        values = [row.get(column) for row in rows]
        if isinstance(table.c[column].type, JSON):
            values = [None if v is None else json.dumps(v) for v in values]
        arrays[f"{prefix}_{column}"] = values
    return arrays


def _unnest(table: Table, prefix: str, columns: Sequence[str]):
    """INSERT INTO table (columns) SELECT unnest(array), ... : one array per column."""
    arrays = []
    for c in columns:
        kind = table.c[c].type
        if isinstance(kind, JSON):
            values = bindparam(f"{prefix}_{c}", type_=postgresql.ARRAY(Text))
            arrays.append(cast(func.unnest(values), kind))
        else:
            arrays.append(func.unnest(bindparam(f"{prefix}_{c}", type_=postgresql.ARRAY(kind))))
    return postgresql.insert(table).from_select(list(columns), select(*arrays))


def _build_together(page_columns: Sequence[str], table_name: str, columns: Sequence[str], key: str):
    """WITH p AS (INSERT pages ... RETURNING external_key), r AS (INSERT rider ... RETURNING
    id, key) SELECT external_key, NULL FROM p UNION ALL SELECT key, id FROM r."""
    table = _pages.metadata.tables[table_name]
    pages = (
        _unnest(_pages, "p", page_columns)
        .on_conflict_do_nothing(index_elements=["integration_id", "external_key"])
        .returning(_pages.c.external_key)
        .cte("new_pages")
    )
    others = _unnest(table, "r", columns).returning(table.c.id, table.c[key]).cte("new_rows")
    return union_all(
        select(pages.c.external_key, null()),
        select(cast(others.c[key], String), others.c.id),
    )
