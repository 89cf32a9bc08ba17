"""Migrations build the schema, and the models agree with them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

import models
from bot.db import alembic_config, make_engine, upgrade
from models import Heartbeat
from tests.conftest import _postgres_url


@pytest.fixture
def empty_db_url(tmp_path) -> str:
    pg = _postgres_url()
    if not pg:
        return f"sqlite:///{tmp_path / 'empty.db'}"
    engine = make_engine(pg)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS upkeep_empty CASCADE"))
        conn.execute(text("CREATE SCHEMA upkeep_empty"))
    engine.dispose()
    sep = "&" if "?" in pg else "?"
    return f"{pg}{sep}options=-csearch_path%3Dupkeep_empty"


def test_upgrade_empty_database_to_head_and_models_agree(empty_db_url):
    upgrade(empty_db_url)
    engine = make_engine(empty_db_url)
    try:
        with engine.connect() as conn:
            head = ScriptDirectory.from_config(alembic_config(empty_db_url)).get_current_head()
            assert MigrationContext.configure(conn).get_current_revision() == head
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), models.Base.metadata
            )
        assert diff == []
        assert set(models.Base.metadata.tables) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_one_linear_history():
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


def test_instants_round_trip_as_aware_utc(db):
    berlin_noon = datetime(2026, 7, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    db.add(Heartbeat(name="x", beat_at=berlin_noon))
    db.commit()
    db.expire_all()
    got = db.get(Heartbeat, "x").beat_at
    assert got == berlin_noon
    assert got.tzinfo is not None and got.utcoffset() == timedelta(0)
    assert got == datetime(2026, 7, 1, 10, 0, tzinfo=UTC)


def test_naive_datetimes_are_refused(db):
    db.add(Heartbeat(name="naive", beat_at=datetime(2026, 7, 1, 12, 0)))
    with pytest.raises(Exception, match="naive datetime"):
        db.flush()
