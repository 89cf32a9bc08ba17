"""A database that hangs must not take the server down: connections give up after the connect
timeout, and /healthz answers 503 quickly. No PostgreSQL is needed: a silent TCP server plays
one that accepts connections and never answers."""

from __future__ import annotations

import socket
import threading
import time
import urllib.error
import urllib.request

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bot.commands import Command
from bot.db import CONNECT_TIMEOUT, make_engine
from bot.feature import Feature
from bot.render import Reply
from tests.conftest import _postgres_url


class Silent:
    """A server that accepts TCP connections and never says a word: a hung database."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.accepted:
            conn.close()


def test_healthz_answers_503_quickly_when_postgresql_never_answers(app, deps):
    from bot.web import BackgroundServer, build_web

    silent = Silent()
    url = f"postgresql://postgres@127.0.0.1:{silent.port}/test"
    engine = make_engine(url)
    srv = BackgroundServer(build_web(app, engine, url, deps))
    started = time.monotonic()
    try:
        try:
            urllib.request.urlopen(srv.url + "/healthz", timeout=30)
            status = 200
        except urllib.error.HTTPError as e:
            status = e.code
        took = time.monotonic() - started
        # A statement on a connection that can't even be made gives up after the connect
        # timeout, instead of holding a thread forever.
        with pytest.raises(OperationalError), engine.connect():
            pass
    finally:
        srv.close()
        engine.dispose()
        silent.close()
    assert status == 503 and took < 4, took
    assert time.monotonic() - started < 4 + CONNECT_TIMEOUT + 2


def terminate_others(engine, keep: set[int] = frozenset()) -> int:
    """End every other server connection to the test database, as a restart of PostgreSQL
    would for the app's pooled ones; how many were ended."""
    with engine.connect() as conn:
        return conn.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND NOT (pid = ANY(:keep))"
            ),
            {"keep": list(keep)},
        )


postgres_only = pytest.mark.skipif(not _postgres_url(), reason="needs TEST_DATABASE_URL")


@postgres_only
def test_the_command_after_a_database_restart_is_answered(http_driver, db):
    assert http_driver.command("/standup", "back").status == 200  # the pool has a connection
    killer = make_engine(_postgres_url())
    try:
        assert terminate_others(killer) >= 1
    finally:
        killer.dispose()
    answer = http_driver.command("/standup", "skip")
    assert answer.status == 200
    assert "Something went wrong" not in answer.text, answer.text


class Doomed:
    """A feature whose command writes, then loses its connection before the commit."""

    doom = Command("/doom", "loses its database connection")

    @staticmethod
    @doom.fallback("/doom", "writes, then the server ends the connection")
    def write_then_lose_the_connection(req, args):
        req.audit("doom", "x")
        req.db.flush()
        pid = req.db.scalar(text("SELECT pg_backend_pid()"))
        killer = make_engine(_postgres_url())
        try:
            with killer.connect() as conn:
                conn.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        finally:
            killer.dispose()
        return Reply("done")


@postgres_only
def test_a_commit_that_fails_is_answered_with_a_ref_not_a_bare_500(driver_for, caplog):
    driver = driver_for(Feature("doomed", commands=[Doomed.doom]))
    answer = driver.command("/doom")
    assert answer.status == 200
    assert "Something went wrong" in answer.text and "ref " in answer.text
    ref = answer.text.split("ref ")[1][:6]
    assert any(ref in r.getMessage() for r in caplog.records)
