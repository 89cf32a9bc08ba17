"""Who asks is kept by the app for a second: a command whose answer is kept reads nothing; a
change committed in this process is seen by the next request, one committed elsewhere (another
process) within the second."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

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
