"""Calendar feeds: `/oncall calendar` shows unguessable URLs; the feeds are valid iCalendar that
agrees with `/oncall schedule`, overrides included, from two weeks back to six months ahead."""

from __future__ import annotations

import re
import urllib.error
import urllib.request

import pytest
from icalendar import Calendar

from handlers.oncall.blocks import span
from tests.conftest import PEOPLE
from tests.factories import make_rotation, utc

PUBLIC = "https://upkeep.example.com"
NAMES = {name: uid for uid, (name, _, _) in PEOPLE.items()}


@pytest.fixture
def rotation(db):
    rot = make_rotation(db)
    db.commit()
    return rot


def feeds(driver, user: str = "U0BEN") -> dict[str, str]:
    resp = driver.command("/oncall", "calendar", user=user)
    found = re.findall(r"\*([^*]+)\*: (\S+\.ics)", resp.text)
    return dict(found)


def fetch(server: str, url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url.replace(PUBLIC, server), timeout=5) as r:
            return r.status, r.read(), r.headers["content-type"]
    except urllib.error.HTTPError as e:
        return e.code, e.read(), e.headers["content-type"]


def events(body: bytes) -> list[tuple]:
    cal = Calendar.from_ical(body)
    out = []
    for event in cal.walk("VEVENT"):
        name = re.match(r"On call: (.+) \(payments-primary\)", str(event["summary"])).group(1)
        start, end = event.decoded("dtstart"), event.decoded("dtend")
        out.append((start, end, NAMES[name], "(override)" in str(event["summary"])))
    return sorted(out)


def test_calendar_shows_stable_unguessable_urls(driver, rotation):
    first = feeds(driver)
    assert set(first) == {"Your shifts", "payments-primary"}
    for url in first.values():
        token = re.fullmatch(rf"{PUBLIC}/calendar/([A-Za-z0-9_-]+)\.ics", url).group(1)
        assert len(token) >= 32
    assert feeds(driver) == first
    assert feeds(driver, "U0CHO")["payments-primary"] == first["payments-primary"]
    assert feeds(driver, "U0CHO")["Your shifts"] != first["Your shifts"]


def test_rotation_feed_agrees_with_the_schedule(driver, server, rotation):
    driver.command("/oncall", "override payments-primary <@U0CHO> tomorrow 09:00 to 18:00 dentist")
    status, body, kind = fetch(server, feeds(driver)["payments-primary"])
    assert (status, kind) == (200, "text/calendar; charset=utf-8")
    got = events(body)
    now = utc(2026, 3, 2, 9)
    # the feed looks two weeks back, but nobody was on call before the rotation's start (now)
    assert got[0][:3] == (utc(2026, 3, 2, 9), utc(2026, 3, 3, 8), "U0ANA")
    assert got[-1][1] > utc(2026, 9, 1)  # six months ahead
    assert sum(1 for e in got if e[3]) == 1

    schedule = driver.command("/oncall", "schedule payments-primary 4w", user="U0BEN")
    lines = schedule.text.splitlines()[1:]
    shown = [
        f"`{span(start, end, 'America/New_York')}` <@{uid}>"
        for start, end, uid, _ in got
        if end > now and start < utc(2026, 3, 30, 9)
    ]
    assert [line.split(" :repeat:")[0] for line in lines] == shown


def test_person_feed_has_only_their_shifts_and_covers(driver, server, rotation):
    driver.command("/oncall", "override payments-primary <@U0BEN> tomorrow 09:00 to 18:00")
    status, body, _ = fetch(server, feeds(driver, "U0BEN")["Your shifts"])
    assert status == 200
    got = events(body)
    assert {uid for _, _, uid, _ in got} == {"U0BEN"}
    assert got[0] == (utc(2026, 3, 3, 8), utc(2026, 3, 3, 17), "U0BEN", True)
    assert got[1][:2] == (utc(2026, 3, 9, 9), utc(2026, 3, 16, 9))


def test_unknown_tokens_are_404(server, rotation):
    status, body, _ = fetch(server, f"{PUBLIC}/calendar/{'x' * 32}.ics")
    assert (status, body) == (404, b"no such calendar\n")
    assert fetch(server, f"{PUBLIC}/calendar/../../etc/passwd")[0] == 404
