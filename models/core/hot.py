"""The read of who asks (with the versions that say whether what this process keeps is still
good), at the driver's cost, when the process doesn't keep it already (`models/core/askers.py`).

Measured by sampling an `/owner <service>` answer, SQLAlchemy's Connection, execution context
and Result took a quarter of the request for this one-row read, and the database itself a
thirtieth. So SQLAlchemy compiles the statement, once per dialect, and it runs on the pooled
driver connection directly. While the request's session has begun nothing (the usual case: the
asker is read first), the read runs outside any transaction, one round trip where the session's
own would make three on PostgreSQL (BEGIN, the read, COMMIT); inside a transaction, it runs
there, through SQLAlchemy, and sees what the transaction wrote.

SQLAlchemy's statement events don't see a hot read; `observers` do (tests that count a request's
statements listen to both)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import Select
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import NoResultFound
from sqlalchemy.orm import Session

log = logging.getLogger("upkeep.sql")


class HotRead:
    """`statement` (parameters plain numbers and strings, no type processing) returning one
    row, read as described above."""

    observers: list[Callable[[Engine, str], None]] = []

    def __init__(self, statement: Select):
        self.statement = statement
        self._compiled: dict[str, tuple[str, tuple[str, ...] | None]] = {}

    def one(self, session: Session, values: dict[str, Any]) -> tuple:
        if session.in_transaction():
            return tuple(session.connection().execute(self.statement, values).one())
        engine = session.get_bind().engine
        sql, order = self._compile(engine.dialect)
        params: Any = tuple(values[name] for name in order) if order is not None else values
        for observe in self.observers:
            observe(engine, sql)
        connection = engine.raw_connection()
        try:
            if engine.dialect.name != "sqlite":  # SQLite's driver begins only before a write
                connection.driver_connection.autocommit = True
            try:
                cursor = connection.cursor()
                cursor.execute(sql, params)
                row = cursor.fetchone()
                cursor.close()
            finally:
                if engine.dialect.name != "sqlite":
                    connection.driver_connection.autocommit = False
        except Exception:
            # A dead connection, say: leave it out of the pool, and let SQLAlchemy read it once
            # more and report any failure as it reports every other.
            log.info("a hot read failed; reading it through SQLAlchemy", exc_info=True)
            connection.invalidate()
            with engine.connect() as again:
                return tuple(again.execute(self.statement, values).one())
        finally:
            connection.close()
        if row is None:
            raise NoResultFound("No row was found when one was required")
        return tuple(row)

    def _compile(self, dialect: Dialect) -> tuple[str, tuple[str, ...] | None]:
        """The SQL, and the order of the parameters' names for a positional driver."""
        found = self._compiled.get(dialect.name)
        if found is None:
            compiled = self.statement.compile(dialect=dialect)
            order = tuple(compiled.positiontup or ()) if compiled.positional else None
            found = self._compiled[dialect.name] = (str(compiled), order)
        return found
