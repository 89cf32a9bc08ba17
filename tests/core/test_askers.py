"""Who asks is kept by the app: a command whose answer is kept reads nothing; a change committed
in this process is seen by the next request, one committed by another process at once on
PostgreSQL (it notifies, this process listens), within the second on SQLite. On PostgreSQL,
nothing is kept while the process doesn't listen."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

from models.core.changes import CHANNEL, Listener
from models.core.workspace import Person
from tests.factories import statements_run

BERLIN, NEW_YORK = "Mon 09 Mar 10:00 CET", "Mon 09 Mar 05:00 EDT"


def until(driver) -> str:
    """Until when Ana is on call, as `/oncall` tells her: in her zone."""
    text = driver.command("/oncall", "payments-primary", user="U0ANA").text
    return text.split(" until ")[1].split(" · ")[0]


def test_kept_answers_read_nothing(driver, catalog, engine):
    for command, name in (("/oncall", "payments-primary"), ("/owner", "billing-api")):
        driver.command(command, name, user="U0ANA")  # first sight; the timeline, the card kept
        driver.command(command, name, user="U0ANA")
        with statements_run(engine) as seen:
            answer = driver.command(command, name, user="U0ANA")
        assert "<@U0ANA>" in answer.text
        assert seen == [], "\n".join(seen)


def test_a_change_committed_in_this_process_is_seen_at_once(driver, db, catalog):
    assert until(driver) == BERLIN
    ana = db.scalars(select(Person).where(Person.slack_user_id == "U0ANA")).one()
    ana.tz = "America/New_York"
    db.commit()
    assert until(driver) == NEW_YORK


def test_a_change_committed_elsewhere_is_seen_within_a_second(driver, catalog, engine, clock):
    """On SQLite; on PostgreSQL, what a change costs that sent no notification (made by hand)."""
    for _ in range(3):  # first sight, the timeline kept (commits here: who asks is read again)
        assert until(driver) == BERLIN
    with engine.connect() as other:  # as another process would: not through a Session here
        other.execute(
            update(Person).where(Person.slack_user_id == "U0ANA").values(tz="America/New_York")
        )
        other.commit()
    clock.advance(timedelta(milliseconds=900))
    assert until(driver) == BERLIN
    clock.advance(timedelta(milliseconds=100))
    assert until(driver) == NEW_YORK


READS_WHO_ASKS = "FROM workspaces LEFT OUTER JOIN people"


def asked(driver, engine) -> tuple[str, bool]:
    """Until when Ana is on call, and whether the answer read who asks."""
    with statements_run(engine) as seen:
        answer = until(driver)
    return answer, any(READS_WHO_ASKS in statement for statement in seen)


def moved_to_new_york(engine, *, notify: bool) -> None:
    """Ana's zone changed by another process: a connection that is no session of this one."""
    with engine.connect() as other:
        other.execute(
            update(Person).where(Person.slack_user_id == "U0ANA").values(tz="America/New_York")
        )
        if notify:
            other.execute(text(f"NOTIFY {CHANNEL}"))
        other.commit()


@pytest.fixture
def listening(listener: Listener | None) -> Listener:
    if listener is None:
        pytest.skip("SQLite has no LISTEN: processes on one file see each other within a second")
    return listener


def test_a_change_another_process_notifies_is_seen_at_once(driver, catalog, engine, listening):
    for _ in range(2):  # first sight, then who asks read
        assert until(driver) == BERLIN
    assert asked(driver, engine) == (BERLIN, False)  # kept
    heard = listening.heard
    moved_to_new_york(engine, notify=True)
    assert listening.wait(lambda listener: listener.heard > heard)
    assert asked(driver, engine) == (NEW_YORK, True)


def test_nothing_is_kept_while_the_process_does_not_listen(driver, catalog, engine, listening):
    for _ in range(2):
        assert until(driver) == BERLIN
    assert asked(driver, engine) == (BERLIN, False)
    listening.stop()  # as if its connection were lost
    try:
        assert asked(driver, engine) == (BERLIN, True)
        assert asked(driver, engine) == (BERLIN, True)
        moved_to_new_york(engine, notify=True)  # unheard
        assert asked(driver, engine) == (NEW_YORK, True)
    finally:
        listening.start()
    assert listening.wait(Listener.listening)
    assert asked(driver, engine) == (NEW_YORK, True)  # what was read before it listened: again
    assert asked(driver, engine) == (NEW_YORK, False)


def test_a_lost_listening_connection_is_made_again(driver, catalog, engine, listening):
    made = listening.connections
    with engine.connect() as other:
        ended = other.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND query = :listen"
            ),
            {"listen": f"LISTEN {CHANNEL}"},
        ).scalars()
        assert list(ended) == [True]
    assert listening.wait(lambda listener: listener.connections > made and listener.listening())
    for _ in range(2):
        assert until(driver) == BERLIN
    assert asked(driver, engine) == (BERLIN, False)
    heard = listening.heard
    moved_to_new_york(engine, notify=True)
    assert listening.wait(lambda listener: listener.heard > heard)
    assert asked(driver, engine) == (NEW_YORK, True)


def test_a_commit_that_changes_who_asks_notifies_once_and_one_that_does_not_never(
    db, engine, catalog, is_postgres
):
    ana = db.scalars(select(Person).where(Person.slack_user_id == "U0ANA")).one()
    with statements_run(engine) as seen:
        ana.real_name = "Ana A."  # not read with who asks
        db.commit()
        ana.is_admin = True
        db.flush()
        ana.real_name = "Ana"
        db.commit()
        ana.tz = "America/New_York"  # (bumps the schedule's versions too)
        db.commit()
    notified = [statement for statement in seen if statement.startswith("NOTIFY")]
    assert notified == ([f"NOTIFY {CHANNEL}"] * 2 if is_postgres else [])
