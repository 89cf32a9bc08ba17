"""A hot read (`models.core.hot`) finds what SQLAlchemy finds: outside a transaction only what
is committed, inside one what it wrote too; SQLAlchemy's statement events miss it, its
observers don't."""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, select
from sqlalchemy.exc import NoResultFound
from sqlalchemy.orm import Session

from models.core.hot import HotRead
from models.core.people import ensure_workspace
from models.core.workspace import Workspace
from tests.factories import statements_run

BY_TEAM = HotRead(
    select(Workspace.id, Workspace.slack_team_id, Workspace.catalog_version).where(
        Workspace.slack_team_id == bindparam("team"), Workspace.id >= bindparam("least")
    )
)


def test_a_hot_read_finds_the_committed_row_and_begins_nothing(db, engine, clock):
    workspace = ensure_workspace(db, "T0HOT", clock.now())
    workspace.catalog_version = 7
    db.commit()
    with Session(engine) as fresh, statements_run(engine) as seen:
        row = BY_TEAM.one(fresh, {"team": "T0HOT", "least": 0})
        assert not fresh.in_transaction()
    assert row == (workspace.id, "T0HOT", 7)
    assert len(seen) == 1 and "workspaces" in seen[0]
    with Session(engine) as fresh, pytest.raises(NoResultFound):
        BY_TEAM.one(fresh, {"team": "T0HOT", "least": workspace.id + 1})


def test_inside_a_transaction_a_hot_read_sees_what_it_wrote(db, engine, clock):
    workspace = ensure_workspace(db, "T0HOT", clock.now())
    db.commit()
    with Session(engine) as writer:
        writer.get(Workspace, workspace.id).catalog_version = 41
        writer.flush()
        assert BY_TEAM.one(writer, {"team": "T0HOT", "least": 0})[2] == 41
        with Session(engine) as other:  # not committed: nobody else sees it
            assert BY_TEAM.one(other, {"team": "T0HOT", "least": 0})[2] == 0
        writer.commit()
    with Session(engine) as fresh:
        assert BY_TEAM.one(fresh, {"team": "T0HOT", "least": 0})[2] == 41
