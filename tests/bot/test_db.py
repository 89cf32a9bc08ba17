"""Pooled PostgreSQL connections are pinged only after being idle: a dead idle connection is
replaced before use; one that dies in steady use fails one request, then the pool recovers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bot.db import autocommit_session, make_engine, make_session_factory
from tests.conftest import _postgres_url

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not _postgres_url(), reason="needs TEST_DATABASE_URL (PostgreSQL)"),
]


def kill_pooled_connection(engine) -> None:
    """End the server side of the pool's one connection, as a database restart would."""
    with engine.connect() as conn:
        pid = conn.scalar(text("SELECT pg_backend_pid()"))
    with make_engine(_postgres_url()).connect() as other:
        assert other.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


def test_an_idle_connection_that_died_is_replaced_before_use():
    engine = make_engine(_postgres_url(), idle_ping=0.0, pool_size=1, max_overflow=0)
    try:
        kill_pooled_connection(engine)
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT 1")) == 1
    finally:
        engine.dispose()


def test_a_connection_in_steady_use_is_not_pinged_and_recovers_after_one_failure():
    engine = make_engine(_postgres_url(), pool_size=1, max_overflow=0)
    try:
        kill_pooled_connection(engine)
        with pytest.raises(OperationalError), engine.connect() as conn:
            conn.scalar(text("SELECT 1"))
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT 1")) == 1
    finally:
        engine.dispose()


def test_an_autocommit_session_commits_each_statement_and_leaves_the_pool_transactional(db_url):
    engine = make_engine(db_url, pool_size=1, max_overflow=0)
    factory = make_session_factory(engine)
    note = text("INSERT INTO workspaces (slack_team_id, name, created_at) VALUES (:t, :t, now())")
    count = text("SELECT count(*) FROM workspaces")
    try:
        with pytest.raises(RuntimeError), autocommit_session(factory) as db:
            db.execute(note, {"t": "T-AUTO"})
            raise RuntimeError("after the statement: it stays")
        with factory() as db:  # the pool's one connection, back in transactions
            db.execute(note, {"t": "T-ROLLED-BACK"})
            db.rollback()
            assert db.scalar(count) == 1
    finally:
        engine.dispose()


def test_statements_time_out_on_the_server_and_the_urls_own_options_stay():
    sep = "&" if "?" in _postgres_url() else "?"
    engine = make_engine(f"{_postgres_url()}{sep}options=-csearch_path%3Dpg_catalog")
    try:
        with engine.connect() as conn:
            assert conn.scalar(text("SHOW statement_timeout")) == "30s"
            assert conn.scalar(text("SHOW search_path")) == "pg_catalog"
    finally:
        engine.dispose()


def test_a_hot_read_on_a_connection_that_died_reads_again_on_a_new_one():
    """The read every request makes first (who asks) goes around SQLAlchemy's Connection: a
    dead pooled connection is left out and the read made once more, so no request fails."""
    from sqlalchemy.orm import Session

    from models.core.people import read_asker
    from models.core.workspace import Workspace

    engine = make_engine(_postgres_url(), pool_size=1, max_overflow=0)
    try:
        with Session(engine) as db:
            workspace_id = db.scalar(text("SELECT min(id) FROM workspaces"))
            if workspace_id is None:
                db.add(Workspace(slack_team_id="T0DEAD", created_at=datetime.now(UTC)))
                db.commit()
                workspace_id = db.scalar(text("SELECT min(id) FROM workspaces"))
        kill_pooled_connection(engine)
        with Session(engine) as db:
            assert read_asker(db, workspace_id, None).workspace.id == workspace_id
        with Session(engine) as db:  # and the pool works on
            assert read_asker(db, workspace_id, None).workspace.id == workspace_id
    finally:
        engine.dispose()
