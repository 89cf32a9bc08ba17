"""Migrations build the schema, and the models agree with them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, Table, inspect, text
from sqlalchemy.orm import Session

import models
from bot.db import alembic_config, make_engine, upgrade
from models import Heartbeat
from models.oncall.rotations import Rotation
from models.oncall.shifts import on_call_at
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


def test_existing_rotations_get_their_rule_from_their_start(empty_db_url):
    """The rule versions migration: a rotation made before it keeps its order and who is out,
    and has nobody on call before its start (a spring-forward handoff moved as before)."""
    upgrade(empty_db_url, "20261124_09_catalog")
    engine = make_engine(empty_db_url)
    try:
        meta = MetaData()
        names = ("workspaces", "people", "teams", "rotations", "rotation_members")
        tables = {n: Table(n, meta, autoload_with=engine) for n in names}
        made = datetime(2026, 1, 1, tzinfo=UTC)
        with engine.begin() as conn:
            conn.execute(
                tables["workspaces"].insert(),
                [{"id": 1, "slack_team_id": "T1", "name": "w", "created_at": made}],
            )
            conn.execute(tables["people"].insert(), [person_row(i, made) for i in (1, 2, 3)])
            conn.execute(
                tables["teams"].insert(),
                [{"id": 1, "workspace_id": 1, "name": "t", "tz": "UTC", "created_at": made}],
            )
            conn.execute(
                tables["rotations"].insert(),
                [
                    {
                        "id": 1,
                        "workspace_id": 1,
                        "team_id": 1,
                        "name": "nights",
                        "tz": "America/New_York",
                        "handoff_time": time(2, 30),
                        "handoff_weekday": None,
                        "shift_length": 1,
                        "shift_unit": "d",
                        "anchor": date(2026, 3, 8),  # 02:30 doesn't exist that day: 03:00 EDT
                        "reminder_hours": 24,
                        "created_at": made,
                    }
                ],
            )
            conn.execute(
                tables["rotation_members"].insert(),
                [
                    {"rotation_id": 1, "person_id": p, "position": pos, "active": p != 3}
                    for pos, p in enumerate((3, 1, 2))
                ],
            )
        upgrade(empty_db_url)
        with Session(engine) as db:
            rotation = db.get(Rotation, 1)
            (rule,) = rotation.rules
            assert rule.effective_from == rotation.begins_at == datetime(2026, 3, 8, 7, tzinfo=UTC)
            assert (rule.member_ids, rule.away_ids, rule.slot_offset) == ([3, 1, 2], [3], 0)
            assert on_call_at(db, rotation, datetime(2026, 3, 8, 6, 59, tzinfo=UTC)) is None
            assert on_call_at(db, rotation, datetime(2026, 3, 8, 7, tzinfo=UTC)).id == 1
    finally:
        engine.dispose()


def person_row(i: int, made: datetime) -> dict:
    return {
        "id": i,
        "workspace_id": 1,
        "slack_user_id": f"U{i}",
        "name": f"p{i}",
        "real_name": f"P {i}",
        "is_admin": False,
        "is_bot": False,
        "deleted": False,
        "work_start": time(9),
        "work_end": time(17),
        "work_days": "12345",
        "created_at": made,
    }
