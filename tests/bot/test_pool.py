"""The pool keeps a connection for every request at the concurrency the server is measured at:
a request never opens one (on SQLite, a new connection runs its pragmas and reads the schema
again, which cost a fifth of an `/oncall` answer when the default pool kept five)."""

from __future__ import annotations

from contextlib import ExitStack

from sqlalchemy import event, text

from bot.db import make_engine


def test_eight_requests_at_once_reuse_kept_connections(engine):
    opened: list[object] = []
    event.listen(engine, "connect", lambda conn, _record: opened.append(conn))
    for _ in range(3):
        with ExitStack() as held:  # eight request threads, each with its connection
            for _ in range(8):
                conn = held.enter_context(engine.connect())
                assert conn.scalar(text("SELECT 1")) == 1
    assert len(opened) == 8


def test_an_in_memory_sqlite_database_keeps_its_single_connection_pool():
    """Memory databases live in one connection: the file pool's sizes don't apply to them."""
    for url in ("sqlite://", "sqlite:///:memory:"):
        memory = make_engine(url)
        try:
            with memory.connect() as conn:
                assert conn.scalar(text("SELECT 1")) == 1
        finally:
            memory.dispose()
