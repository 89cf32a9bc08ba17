"""One request, one "now": a clock that moves while a request is answered (the system clock
does) doesn't make `/oncall` say "On call at <now>" instead of "On call now"."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import FrozenClock
from tests.conftest import START
from tests.factories import make_rotation


class TickingClock(FrozenClock):
    """Moves a millisecond every time it is read, as a real clock would between two reads."""

    def now(self):
        moment = super().now()
        self.set(moment + timedelta(milliseconds=1))
        return moment


@pytest.fixture
def clock() -> FrozenClock:
    return TickingClock(START)


def test_a_request_reads_the_time_once(driver, db):
    make_rotation(db)
    db.commit()
    resp = driver.command("/oncall", "")
    assert resp.text.startswith("On call now")
    assert "On call at" not in resp.text
