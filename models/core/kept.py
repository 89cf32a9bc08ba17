"""What this process keeps from the database between requests, while a version read from the
database stays the same: every process notices a change any process made (two `upkeep serve`
replicas answer alike) as soon as it reads the versions with who asks again
(`models/core/askers.py`: at once on PostgreSQL, within a second on SQLite), and a request that
finds its value kept costs at most one small query.

Values are built in a session of their own, so they hold only committed data and nothing a
request's rollback can expire. They are kept per database engine (a process may work on more
than one database: the console's demo, the tests'), a bounded number each."""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

T = TypeVar("T")


class Kept(Generic[T]):
    def __init__(self, limit: int = 1024):
        self.limit = limit
        self._lock = threading.Lock()
        self._by_engine: weakref.WeakKeyDictionary[Engine, OrderedDict[Hashable, tuple]] = (
            weakref.WeakKeyDictionary()
        )

    def get(
        self,
        db: Session,
        key: Hashable,
        version: Hashable,
        build: Callable[[Session], tuple[Hashable, T]],
    ) -> T | None:
        """The value kept for `key` at `version`; else `build(session)` in a session of its own,
        which returns (the version it read, the value), kept. None when what is committed is
        not at `version` (the request's own transaction changed it): the caller reads it
        itself then."""
        engine = db.get_bind().engine
        with self._lock:
            kept = self._by_engine.get(engine, {}).get(key)
        if kept is not None and kept[0] == version:
            return kept[1]
        with Session(engine, expire_on_commit=False) as own:
            built_version, value = build(own)
            own.commit()
        with self._lock:
            entries = self._by_engine.setdefault(engine, OrderedDict())
            entries[key] = (built_version, value)
            entries.move_to_end(key)
            while len(entries) > self.limit:
                entries.popitem(last=False)
        return value if built_version == version else None
