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


def test_a_group_fired_again_by_a_batch_that_runs_again_is_still_told(
    db, engine, session_factory, alerting
):
    """The batch's repeat of an open group is committed before the write that loses the race
    (autocommit); run again, the alert is no longer new to the group, which must still be told."""
    if engine.dialect.name != "postgresql":
        pytest.skip("one statement for pages and groups is PostgreSQL's")
    hook = hook_of(db, alerting)
    at = START + timedelta(seconds=5)
    with autocommit_session(session_factory) as first:
        ingest_batch(first, [(hook, alerts("a0", "h"), at)], None, AlertIntake())
    other: list = []

    def meanwhile(conn, cursor, statement, *args):
        if statement.startswith("WITH new_pages") and not other:
            other.append(None)
            with autocommit_session(session_factory) as elsewhere:
                ingest_batch(elsewhere, [(hook, alerts("a1", "g"), at)], None, AlertIntake())

    event.listen(engine, "before_cursor_execute", meanwhile)
    intake = AlertIntake()
    try:
        with autocommit_session(session_factory) as mine:
            both = alerts("a3", "h") + alerts("a2", "g")
            ingest_batch(mine, [(hook, both, at)], None, intake)
    finally:
        event.remove(engine, "before_cursor_execute", meanwhile)

    fired_again = {g.group_key: g for g in groups(db)}["h"]
    assert (fired_again.fired, fired_again.firing_keys) == (2, ["a0", "a3"])
    assert fired_again.id in intake.touched
