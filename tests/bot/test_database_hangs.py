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
from sqlalchemy.exc import OperationalError

from bot.db import CONNECT_TIMEOUT, make_engine


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
