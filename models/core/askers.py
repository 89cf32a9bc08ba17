"""Who asks (`Asker`: the workspace's versions, the person's zone and role), kept by a process
for a second, so that a command whose answer this process keeps (`/oncall <rotation>`, `/owner
<service>`) reads nothing at all.

Measured on `/oncall` and `/owner` at concurrency 8, the one read of who asks (a pooled
connection checked out and in, the statement, the thread waiting for the interpreter again
after it) was a sixth of the request's CPU. What this process commits, it sees at once: every
commit of a session in this process drops what is kept, so a request after a change (a rotation
edited, a zone changed, an admin made) reads again. What another process commits (a replica,
the worker, `upkeep import`) is seen at most `FOR` later: each kept value is read again once it
is that old. A request inside a transaction (it has written, or read for a write) always reads,
and sees what it wrote."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from sqlalchemy import event
from sqlalchemy.orm import Session

from models.core.people import Asker, read_asker

FOR = timedelta(seconds=1)
LIMIT = 4096  # (workspace, person) pairs; past this, all are dropped and read again

_lock = threading.Lock()
_commits = 0  # commits of any session in this process: a kept value read before one is stale


@event.listens_for(Session, "after_commit")
def _committed(_session: Session) -> None:
    global _commits
    with _lock:
        _commits += 1


class KeptAskers:
    """One app's askers, by (workspace id, person id): (the Asker, commits seen before it was
    read, when it was read)."""

    def __init__(self) -> None:
        self._kept: dict[tuple[int, int | None], tuple[Asker, int, datetime]] = {}

    def get(
        self, session: Session, workspace_id: int, person_id: int | None, now: datetime
    ) -> Asker:
        if session.in_transaction():
            return read_asker(session, workspace_id, person_id)
        key = (workspace_id, person_id)
        kept = self._kept.get(key)
        if kept is not None and kept[1] == _commits and kept[2] <= now < kept[2] + FOR:
            return kept[0]
        before = _commits  # taken first: a commit during the read makes the value stale
        asker = read_asker(session, workspace_id, person_id)
        if len(self._kept) >= LIMIT:
            self._kept.clear()
        self._kept[key] = (asker, before, now)
        return asker
