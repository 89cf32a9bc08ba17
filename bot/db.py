"""Engine, sessions, migrations: SQLite by default (WAL, foreign keys on), or PostgreSQL."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger("upkeep.db")
T = TypeVar("T")
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
POOL_SIZE = 10  # connections kept open: at concurrency 8 no request opens one
POOL_OVERFLOW = 20  # more opened when every kept one is in use, closed when given back
IDLE_PING = 10.0  # seconds: a pooled connection idle this long is pinged before use
# A database that accepts connections and never answers must not hang every request for good:
CONNECT_TIMEOUT = 5  # seconds to establish a connection (TCP and PostgreSQL's start-up)
STATEMENT_TIMEOUT = 30_000  # ms a statement may run (or wait on a lock) on the server
POOL_TIMEOUT = 10  # seconds a request waits for a free pooled connection
HEALTH_TIMEOUT = 2.0  # seconds /healthz waits for the database before it answers 503


def normalize_url(url: str) -> str:
    """Accept the URLs operators paste: `postgres://` and `postgresql://` both mean psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def database_kind(url: str) -> str:
    return make_url(normalize_url(url)).get_backend_name()


def make_engine(url: str, idle_ping: float = IDLE_PING, **kwargs) -> Engine:
    url = normalize_url(url)
    if database_kind(url) == "sqlite":
        if make_url(url).database not in (None, "", ":memory:"):
            # A file: SQLAlchemy's default pool keeps 5, so that at concurrency 8 every request
            # past the fifth opened a connection (its pragmas, the schema read again).
            kwargs.setdefault("pool_size", POOL_SIZE)
            kwargs.setdefault("max_overflow", POOL_OVERFLOW)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_size", POOL_SIZE)
    kwargs.setdefault("max_overflow", POOL_OVERFLOW)
    kwargs.setdefault("pool_timeout", POOL_TIMEOUT)
    connect_args = kwargs.pop("connect_args", {})
    connect_args.setdefault("connect_timeout", CONNECT_TIMEOUT)
    # Added to the URL's own `options` (a search_path, say), which connect_args would replace.
    given = make_url(url).query.get("options", "")
    given = given if isinstance(given, str) else " ".join(given)
    connect_args.setdefault("options", f"{given} -c statement_timeout={STATEMENT_TIMEOUT}".strip())
    engine = create_engine(url, connect_args=connect_args, **kwargs)
    event.listen(engine, "connect", _note_use)
    event.listen(engine, "checkin", _note_use)
    event.listen(engine, "checkout", partial(_ping_if_idle, engine.dialect, idle_ping))
    return engine


def _note_use(_dbapi_connection, record) -> None:
    record.info["used"] = time.monotonic()


def _ping_if_idle(dialect, idle_ping: float, dbapi_connection, record, _proxy) -> None:
    """Pessimistic disconnect handling without a round trip per request: a connection that was
    idle for `idle_ping` seconds (a restart or a firewall may have closed it) is pinged before
    use, and a dead one is replaced (the pool retries the checkout with a new connection). A
    connection that dies while in steady use fails the work using it, and SQLAlchemy then
    replaces every connection in the pool; work that is safe to repeat (storing webhooks) runs
    again at once (`again_if_disconnected`)."""
    if time.monotonic() - record.info.get("used", 0.0) < idle_ping:
        return
    try:
        dialect.do_ping(dbapi_connection)
    except Exception as e:
        raise DisconnectionError(f"a pooled connection was closed: {e}") from e


def again_if_disconnected(work: Callable[[], T]) -> T:
    """`work()`, run once more if its connection turned out dead (the database restarted since
    the connection's last use, within `IDLE_PING`): SQLAlchemy has then replaced the pool's
    connections, so the second run gets a live one. Only for work that is safe to repeat and
    has no effect outside the database."""
    try:
        return work()
    except DBAPIError as e:
        if not e.connection_invalidated:
            raise
        log.warning("the database connection was lost (%s); trying once more", e.orig)
        return work()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def autocommit_session(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose statements each commit on their own, on PostgreSQL: no BEGIN and COMMIT
    round trips (half the round trips of a small write). Only for work that writes with a
    single statement, so that there is nothing a transaction would hold together. Elsewhere (a
    local SQLite file, where a transaction costs no round trip) a plain session."""
    engine = factory.kw["bind"]
    if engine.dialect.name != "postgresql":
        with factory() as session:
            yield session
        return
    with engine.connect() as conn:  # the connection is put back in its usual mode on return
        conn.execution_options(isolation_level="AUTOCOMMIT")
        with factory(bind=conn) as session:
            yield session


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def ping(engine: Engine, timeout: float = HEALTH_TIMEOUT) -> bool:
    """Whether the database answers `SELECT 1` within `timeout` seconds. The check runs on a
    thread of its own, so a database that hangs costs the caller `timeout`, not a request
    thread for good (the check itself gives up after the connect timeout)."""
    done = threading.Event()
    answered: list[bool] = []

    def check() -> None:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            answered.append(True)
        except Exception:
            pass
        finally:
            done.set()

    threading.Thread(target=check, name="upkeep-ping", daemon=True).start()
    return done.wait(timeout) and bool(answered)
