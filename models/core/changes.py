"""Telling every process at once that who asks changed, on PostgreSQL: what a process keeps of who
asks (`models/core/askers.py`: the workspace's versions, a person's zone and role) and, by those
versions, of everything else (`models/core/kept.py`) is dropped as soon as another process (a
second `upkeep serve` replica, the worker, `upkeep import`) commits a change to it.

Writers: a session whose transaction changed it (`changed`: a workspace version bumped, or a
Workspace or Person row's field that who asks reads flushed; see `models/core/workspace.py`)
sends `NOTIFY upkeep_changes` as its commit's last statement, once, so the notification is
delivered when the change is visible. Nothing else notifies (a webhook's alerts don't).

Readers: per database (engine URL), one daemon thread of the process holds a connection of its
own that LISTENs, and counts each notification as a change (`count`, which every commit of a
session of this process counts too). While that connection is not listening (not yet made,
lost, being made again with a growing pause), `Listener.listening` is false and nothing is kept.
A connection made counts as a change: what was read before may have missed a notification.

SQLite has no LISTEN: processes on one SQLite file see each other's changes by the bound on how
long who asks is kept (`askers.FOR`)."""

from __future__ import annotations

import logging
import os
import select
import threading
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, SessionTransaction

log = logging.getLogger("upkeep.db")

CHANNEL = "upkeep_changes"
_CHANGED = "upkeep.who_asks_changed"  # in `Session.info`: this transaction changed who asks
FIRST_RETRY = 0.1  # seconds before making a lost connection again; doubled each failure ...
LAST_RETRY = 10.0  # ... up to this
PING_EVERY = 5.0  # seconds without a notification after which the connection is checked

_lock = threading.Lock()
_count = 0  # changes seen by this process: a value kept from before one is stale


def count() -> int:
    return _count


def _counted() -> None:
    global _count
    with _lock:
        _count += 1


def changed(session: Session) -> None:
    """This session's transaction changed who asks: its commit tells the other processes."""
    session.info[_CHANGED] = True


@event.listens_for(Session, "before_commit")
def _notify(session: Session) -> None:
    """Last of the `before_commit` listeners (those that bump versions at commit are inserted
    first)."""
    if session.in_nested_transaction():  # a savepoint: the transaction goes on
        return
    session.flush()  # (what the commit would flush may change who asks)
    if session.info.pop(_CHANGED, False) and session.get_bind().dialect.name == "postgresql":
        session.connection().exec_driver_sql(f"NOTIFY {CHANNEL}")


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # committed or rolled back: the flag went with it
        session.info.pop(_CHANGED, None)


@event.listens_for(Session, "after_commit")
def _committed(_session: Session) -> None:
    _counted()  # this process's own changes: seen by the next request at once


class Listener:
    """LISTENs on `CHANNEL` in a daemon thread, on a connection `connect()` makes (psycopg,
    autocommit), made again with a growing pause while it fails or is lost."""

    def __init__(self, connect: Callable[[], object], name: str = "upkeep-listen"):
        self._connect = connect
        self._name = name
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._fd = -1  # the listening connection's socket while it listens; else -1
        self._wake = os.pipe()  # written to by `stop`: the thread stops waiting at once
        os.set_blocking(self._wake[0], False)
        self.connections = 0  # connections made (each one listening)
        self.heard = 0  # notifications heard

    def listening(self) -> bool:
        """Whether every change committed since `count()` last changed has been counted: the
        connection listens and holds nothing unread (a notification arrived that its thread
        has not counted yet)."""
        fd = self._fd
        if fd < 0:
            return False
        poll = select.poll()
        poll.register(fd, select.POLLIN)
        try:
            return not poll.poll(0)
        except OSError:
            return False

    def start(self) -> None:
        with self._cond:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop.clear()
            try:
                while os.read(self._wake[0], 64):
                    pass
            except BlockingIOError:
                pass
            self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop listening (tests: as if the connection were lost); `start` listens again."""
        self._stop.set()
        os.write(self._wake[1], b"x")
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def wait(self, done: Callable[[Listener], bool], timeout: float = 10.0) -> bool:
        """Wait until `done(self)` holds (checked whenever the listener changes: a connection
        made or lost, a notification heard, listening again), at most `timeout` seconds;
        whether it holds."""
        with self._cond:
            return self._cond.wait_for(lambda: done(self), timeout)

    def _changed(self, **what: int) -> None:
        _counted()
        with self._cond:
            for name, by in what.items():
                setattr(self, name, getattr(self, name) + by)
            self._cond.notify_all()

    def _run(self) -> None:
        pause = FIRST_RETRY
        while not self._stop.is_set():
            made = self.connections
            try:
                self._listen(self._connect())
                pause = FIRST_RETRY  # it listened, then stopped or was lost
            except Exception as e:
                if self._stop.is_set():
                    break
                if self.connections > made:  # it listened before it was lost: try again soon
                    pause = FIRST_RETRY
                log.warning("not listening for changes (%s); again in %.1fs", e, pause)
                self._stop.wait(pause)
                pause = min(pause * 2, LAST_RETRY)

    def _count_heard(self, connection) -> None:
        for _ in connection.notifies(timeout=0):  # those arrived, and those read meanwhile
            self._changed(heard=1)

    def _listen(self, connection) -> None:
        try:
            connection.execute(f"LISTEN {CHANNEL}")
            self._changed(connections=1)  # before it listened, changes went unheard
            log.info("listening for changes made by other processes")
            self._count_heard(connection)
            poller = select.poll()
            poller.register(connection.fileno(), select.POLLIN)
            poller.register(self._wake[0], select.POLLIN)
            while not self._stop.is_set():
                with self._cond:
                    self._fd = connection.fileno()
                    self._cond.notify_all()
                quiet = not poller.poll(PING_EVERY * 1000)
                self._fd = -1  # until every notification the connection holds is counted
                if quiet:
                    connection.execute("SELECT 1")  # a quiet connection may be a dead one
                self._count_heard(connection)
        finally:
            self._fd = -1
            self._changed()  # (it may have been lost while a notification was on its way)
            connection.close()


_listeners: dict[str, Listener] = {}


def listener_of(engine: Engine) -> Listener:
    """The process's listener for `engine`'s database (PostgreSQL), started on first use."""
    key = engine.url.render_as_string(hide_password=False)
    found = _listeners.get(key)
    if found is not None:
        return found
    with _lock:
        found = _listeners.get(key)
        if found is None:
            found = _listeners[key] = Listener(_connector(engine))
            found.start()
    return found


def _connector(engine: Engine) -> Callable[[], object]:
    import psycopg

    args, params = engine.dialect.create_connect_args(engine.url)
    params = {"connect_timeout": 5, "application_name": "upkeep-listen", **params}
    params["autocommit"] = True
    return lambda: psycopg.connect(*args, **params)
