"""The running system's bookkeeping: worker heartbeats and where the scheduler got to."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.orm import Session

from models.core.deliveries import last_tick, set_last_tick
from models.core.runtime import WORKER, beat, last_beat, worker_health
from tests.conftest import START


def race(session_factory, first: Callable[[Session], None], second: Callable[[Session], None]):
    """`first` writes and holds its transaction open while `second`, on another connection,
    writes the same row and commits; then `first` commits. What `second` raised, if anything."""
    held = session_factory()
    first(held)
    errors: list[BaseException] = []

    def other() -> None:
        try:
            with session_factory() as db:
                second(db)
                db.commit()
        except BaseException as e:  # noqa: BLE001 - returned to the test
            errors.append(e)

    thread = threading.Thread(target=other)
    thread.start()
    thread.join(0.3)  # by now it waits on the first's lock
    held.commit()
    held.close()
    thread.join(30)
    return errors


def test_two_workers_beating_for_the_first_time_at_once_both_succeed(session_factory):
    """Two workers that start together both write the first heartbeat: the second waits for
    the first's transaction and then updates the row, rather than failing on the key."""
    later = START + timedelta(seconds=1)
    errors = race(
        session_factory,
        lambda db: beat(db, WORKER, START),
        lambda db: beat(db, WORKER, later),
    )
    assert not errors, errors
    with session_factory() as db:
        assert last_beat(db, WORKER) == later


def test_two_workers_setting_the_first_last_tick_at_once_both_succeed(session_factory):
    """SQLite has no tick lock: two workers' first ticks both record where they got to, and the
    later instant stays whichever commits last."""
    later = START + timedelta(seconds=5)
    errors = race(
        session_factory,
        lambda db: set_last_tick(db, "engine", later),
        lambda db: set_last_tick(db, "engine", START),
    )
    assert not errors, errors
    with session_factory() as db:
        assert last_tick(db, "engine") == later


def test_a_worker_is_ticking_until_three_minutes_without_a_beat(db):
    assert not worker_health(db, START).ticking
    beat(db, WORKER, START)
    db.commit()
    assert worker_health(db, START + timedelta(minutes=3)).ticking
    late = worker_health(db, START + timedelta(minutes=3, seconds=1))
    assert not late.ticking and late.age == timedelta(minutes=3, seconds=1)
