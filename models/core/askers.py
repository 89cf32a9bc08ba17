"""Who asks (`Asker`: the workspace's versions, the person's zone and role), kept by a process,
so that a command whose answer this process keeps (`/oncall <rotation>`, `/owner <service>`)
reads nothing at all.

Measured on `/oncall` and `/owner` at concurrency 8, the one read of who asks (a pooled
connection checked out and in, the statement, the thread waiting for the interpreter again
after it) was a sixth of the request's CPU. A kept value is dropped at the next change
`models/core/changes.py` counts: every commit of a session in this process (so a request after
a change made here, a rotation edited, a zone changed, an admin made, reads again), and on
PostgreSQL every change another process commits (a replica, the worker, `upkeep import`), as
soon as its notification reaches this process. On PostgreSQL nothing is kept while the process
is not listening for those (before its listener first connects, while it connects again). On
SQLite, which can't tell, what another process commits is seen at most `FOR` later; on
PostgreSQL `FOR` bounds, too, what a change that sent no notification (one made by hand) costs.
A request inside a transaction (it has written, or read for a write) always reads, and sees
what it wrote."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from models.core.changes import Listener, count, listener_of
from models.core.people import Asker, read_asker

FOR = timedelta(seconds=1)
LIMIT = 4096  # (workspace, person) pairs; past this, all are dropped and read again


class KeptAskers:
    """One app's askers, by (workspace id, person id): (the Asker, changes counted before it
    was read, when it was read)."""

    def __init__(self) -> None:
        self._kept: dict[tuple[int, int | None], tuple[Asker, int, datetime]] = {}
        self._listener: tuple[object, Listener | None] = (None, None)  # (engine, its listener)

    def _listening(self, session: Session) -> bool:
        """Whether the changes other processes commit are counted as they come: on PostgreSQL,
        while the process listens; on SQLite, never (`FOR` bounds what is missed)."""
        engine = session.get_bind().engine
        if self._listener[0] is not engine:
            postgres = engine.dialect.name == "postgresql"
            self._listener = (engine, listener_of(engine) if postgres else None)
        listener = self._listener[1]
        return listener is None or listener.listening()

    def get(
        self, session: Session, workspace_id: int, person_id: int | None, now: datetime
    ) -> Asker:
        if session.in_transaction():
            return read_asker(session, workspace_id, person_id)
        # Listening first, counted changes after: a notification that arrived before this
        # request looked is either still unread (not listening) or already counted.
        listening = self._listening(session)  # (the listener starts on first use)
        key = (workspace_id, person_id)
        kept = self._kept.get(key)
        if listening and kept is not None and kept[1] == count() and kept[2] <= now < kept[2] + FOR:
            return kept[0]
        before = count()  # taken first: a change during the read makes the value stale
        asker = read_asker(session, workspace_id, person_id)
        if len(self._kept) >= LIMIT:
            self._kept.clear()
        self._kept[key] = (asker, before, now)
        return asker
