"""Two webhook processes start the same alert group at once, on PostgreSQL (where a batch's
pages and the groups they start are one statement): the one that loses the race stores nothing
half-way, runs again, and its alert is a new page that fires the group the other started."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from bot.db import autocommit_session
from models.alerts.intake import AlertIntake
from models.pages.ingest import ingest_batch
from models.pages.pages import Page
from tests.alerts.conftest import groups
from tests.alerts.test_ingest_cost import alerts, hook_of
from tests.conftest import START


def test_the_batch_that_loses_the_race_for_a_group_fires_it(db, engine, session_factory, alerting):
    if engine.dialect.name != "postgresql":
        pytest.skip("one statement for pages and groups is PostgreSQL's")
    hook = hook_of(db, alerting)
    at = START + timedelta(seconds=5)
    other: list = []

    def meanwhile(conn, cursor, statement, *args):
        """Just before this batch's write, another process stores the same group's first alert."""
        if statement.startswith("WITH new_pages") and not other:
            other.append(None)
            with autocommit_session(session_factory) as elsewhere:
                other[0] = ingest_batch(
                    elsewhere, [(hook, alerts("a1", "g"), at)], None, AlertIntake()
                )

    event.listen(engine, "before_cursor_execute", meanwhile)
    try:
        with autocommit_session(session_factory) as mine:
            [result] = ingest_batch(mine, [(hook, alerts("a2", "g"), at)], None, AlertIntake())
    finally:
        event.remove(engine, "before_cursor_execute", meanwhile)

    assert other[0][0].created == 1 and result.created == 1
    [group] = groups(db)
    assert (group.fired, group.firing_keys) == (2, ["a1", "a2"])
    assert sorted(db.scalars(Page.__table__.select().with_only_columns(Page.external_key))) == [
        "a1",
        "a2",
    ]
