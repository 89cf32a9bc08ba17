"""Page-load figures: counts per hour class, person, alert and service, on-call hours split in
each person's zone, the week before, classification shares; and the handoff summary."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from models.core.workspace import Workspace
from models.pages.formats import PARSERS
from models.pages.ingest import ingest
from models.pages.integrations import add_integration
from models.pages.load import (
    OnCallHours,
    ShiftPages,
    add_hours,
    load,
    outgoing_shift_pages,
    service_counts,
)
from models.pages.pages import BUSINESS, DEFAULT_WORK, OFF, SLEEP, Page, classify
from tests.factories import alert, make_rotation, person, utc

NOW = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
# Berlin Mon 2 Mar 00:00 to Mon 9 Mar 00:00. Cho (Tokyo) is on call until Mon 10:00 Berlin,
# then Ana (Berlin).
START, END = utc(2026, 3, 1, 23), utc(2026, 3, 8, 23)


@pytest.fixture
def week(db):
    rotation = make_rotation(db, anchor=date(2026, 2, 23), members=("U0CHO", "U0ANA", "U0BEN"))
    workspace = db.get(Workspace, rotation.workspace_id)
    integration, _ = add_integration(
        db, workspace, rotation.team, source="generic", now=NOW, rotation="payments-primary"
    )
    body = {
        "alerts": [
            alert("night", "2026-03-03T02:00:00Z", "billing-api", "HighErrorRate"),
            alert("day", "2026-03-03T10:00:00Z", "billing-api", "HighErrorRate"),
            alert("saturday", "2026-03-07T12:00:00Z", "ledger", "DiskFull"),
            alert("before", "2026-02-25T10:00:00Z", "ledger", "DiskFull"),
            alert("cho", "2026-03-02T01:00:00Z", "checkout", "Latency"),  # 10:00 in Tokyo
        ]
    }
    ingest(db, integration, PARSERS["generic"](body, NOW), now=NOW)
    pages = {p.external_key: p for p in db.query(Page)}
    ana = person(db, workspace, "U0ANA")
    classify(pages["night"], "threshold_wrong", ana, now=NOW)
    classify(pages["day"], "action_taken", ana, now=NOW)
    db.flush()
    return rotation


def test_the_weeks_figures(db, week):
    figures = load(db, week.team, start=START, end=END)
    assert (figures.total, figures.previous, figures.change) == (4, 1, 3)
    assert figures.by_class == {SLEEP: 1, OFF: 1, BUSINESS: 2}
    assert figures.alerts == [("HighErrorRate", 2), ("DiskFull", 1), ("Latency", 1)]
    assert figures.services == [("billing-api", 2), ("checkout", 1), ("ledger", 1)]
    assert (figures.classified, figures.no_action) == (2, 1)
    rows = [
        (p.person.slack_user_id, p.pages, p.off_hours, p.sleep, p.on_call) for p in figures.people
    ]
    assert rows == [
        ("U0ANA", 3, 1, 1, OnCallHours(business=48, off=62, weekend=48)),
        ("U0CHO", 1, 0, 0, OnCallHours(business=10, off=0, weekend=0)),
    ]
    assert list(figures.per_day) == [date(2026, 3, d) for d in range(2, 9)]
    assert figures.per_day[date(2026, 3, 3)] == {SLEEP: 1, OFF: 0, BUSINESS: 1}
    assert figures.per_day[date(2026, 3, 7)] == {SLEEP: 0, OFF: 1, BUSINESS: 0}
    assert sum(sum(d.values()) for d in figures.per_day.values()) == 4


def test_a_quiet_window(db, week):
    figures = load(db, week.team, start=utc(2026, 4, 1), end=utc(2026, 4, 8))
    assert (figures.total, figures.previous, figures.alerts) == (0, 0, [])
    assert all(p.pages == 0 for p in figures.people)


def test_on_call_hours_across_spring_forward_in_berlin():
    split = OnCallHours()
    # Sat 28 Mar 00:00 to Mon 30 Mar 00:00 in Berlin: Sunday has 23 hours.
    add_hours(
        split,
        start=utc(2026, 3, 27, 23),
        end=utc(2026, 3, 29, 22),
        zone="Europe/Berlin",
        work=DEFAULT_WORK,
    )
    assert split == OnCallHours(business=0, off=0, weekend=47)
    weekday = OnCallHours()
    add_hours(
        weekday,
        start=utc(2026, 3, 30, 22),
        end=utc(2026, 3, 31, 22),
        zone="Europe/Berlin",
        work=DEFAULT_WORK,
    )
    assert weekday == OnCallHours(business=10, off=14, weekend=0)


def test_service_counts_for_suggestions_cover_four_weeks(db, week):
    assert service_counts(db, week.team, NOW) == {"billing-api": 2, "ledger": 2, "checkout": 1}


def test_outgoing_shift_pages(db, week):
    found = outgoing_shift_pages(db, "payments-primary", utc(2026, 3, 2, 9), utc(2026, 3, 9, 9))
    assert found == ShiftPages(3, sleep=1, off_hours=1, noisiest="HighErrorRate", noisiest_count=2)
    assert (
        outgoing_shift_pages(db, "payments-primary", utc(2026, 5, 1), utc(2026, 5, 2))
        == ShiftPages()
    )
