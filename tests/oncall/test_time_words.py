"""Time words in `/oncall` and `@upkeep ... on call`: a day alone is that day's handoff or its
start (and the answer says which), never "now"; ranges across a DST change show each end's zone."""

from __future__ import annotations

from datetime import date, time

import pytest

from tests.factories import make_rotation, utc

FRIDAY_EVENING = utc(2026, 3, 6, 18, 41)  # Fri 6 Mar, 19:41 in Ana's Berlin


@pytest.fixture
def rotation(db):
    """payments-primary: Mondays 10:00 Berlin from Mon 2 Mar 2026: Ana, Ben, Cho."""
    rot = make_rotation(db)
    db.commit()
    return rot


def test_a_weekday_said_on_that_day_is_next_weeks_and_not_now(driver, rotation, clock):
    """`/oncall at friday` on Friday evening answered "On call now"."""
    clock.set(FRIDAY_EVENING)
    resp = driver.command("/oncall", "at friday")
    assert resp.text == (
        "On call at the start of Fri 13 Mar (00:00 CET):\n"
        "*payments-primary*: <@U0BEN> until Mon 16 Mar 10:00 CET · next <@U0CHO>"
    )
    assert "On call now" not in resp.text


def test_a_day_alone_is_the_rotations_handoff_that_day_not_the_clock_time(driver, rotation, clock):
    """`/oncall at monday` at 02:41 answered for Monday 02:41: Ana, not Ben who takes over
    at Monday's 10:00 handoff."""
    clock.set(utc(2026, 3, 6, 1, 41))  # Fri 02:41 in Berlin
    resp = driver.command("/oncall", "payments-primary at monday")
    assert resp.text == (
        "On call at the handoff on Mon 09 Mar (10:00 CET):\n"
        "*payments-primary*: <@U0BEN> until Mon 16 Mar 10:00 CET · next <@U0CHO>"
    )
    # In Ben's New York zone the same handoff is 05:00 EDT; the day is his Monday.
    ben = driver.command("/oncall", "payments-primary at monday", user="U0BEN")
    assert ben.text.startswith("On call at the handoff on Mon 09 Mar (05:00 EDT):\n")


def test_days_said_other_ways_read_the_same(driver, rotation, clock):
    clock.set(FRIDAY_EVENING)
    for words in ("next monday", "mon 9 mar", "9 March", "2026-03-09", "in 3 days"):
        resp = driver.command("/oncall", f"payments-primary at {words}")
        assert resp.text.startswith("On call at the handoff on Mon 09 Mar (10:00 CET):\n"), words
    tomorrow = driver.command("/oncall", "at tomorrow")
    assert tomorrow.text.startswith("On call at the start of Sat 07 Mar (00:00 CET):\n")
    today = driver.command("/oncall", "at today")  # said outright: today, though it has begun
    assert today.text.startswith("On call at the start of Fri 06 Mar (00:00 CET):\n")
    timed = driver.command("/oncall", "at next monday 09:00")
    assert timed.text.startswith("On call at Mon 09 Mar 09:00 CET:\n*payments-primary*: <@U0ANA>")


def test_each_rotation_of_a_team_says_which_time_of_the_day_it_answers_for(
    driver, db, clock, rotation
):
    make_rotation(db, name="payments-nights", handoff=time(22, 0), weekday=None, length=1, unit="d")
    db.commit()
    clock.set(FRIDAY_EVENING)
    title, *lines = driver.command("/oncall", "payments at monday").text.splitlines()
    assert title == "On call on Mon 09 Mar:"
    primary = next(line for line in lines if line.startswith("*payments-primary*"))
    nights = next(line for line in lines if line.startswith("*payments-nights*"))
    assert primary.startswith("*payments-primary*: <@U0BEN> until Mon 16 Mar 10:00 CET")
    assert primary.endswith(" (at the handoff, 10:00 CET)")
    assert nights.endswith(" (at the handoff, 22:00 CET)")


def test_a_bad_day_says_what_it_takes(driver, rotation):
    resp = driver.command("/oncall", "at next someday")
    assert "`next someday` is not a time I understand" in resp.text
    assert "Usage: /oncall [<rotation|team|service>] [at <time|day>]" in resp.text


MONDAY_HANDOFF = "On call at the handoff on Mon 09 Mar (10:00 CET):"
ANA_ON = "*payments-primary*: <@U0ANA> until Mon 09 Mar 10:00 CET"
BEN_ON = "*payments-primary*: <@U0BEN> until Mon 16 Mar 10:00 CET"
WEDNESDAY = utc(2026, 3, 4, 12)


@pytest.mark.parametrize(
    ("said", "now", "title", "line"),
    [
        # Sunday evening: tomorrow is Monday, when Ben takes over at 10:00.
        ("who is on call tomorrow?", utc(2026, 3, 8, 18), MONDAY_HANDOFF, BEN_ON),
        ("who is on call for payments-primary next week?", WEDNESDAY, MONDAY_HANDOFF, BEN_ON),
        ("who's on call on friday at 3pm", WEDNESDAY, "On call at Fri 06 Mar 15:00 CET:", ANA_ON),
        ("who is on call for payments-primary?", WEDNESDAY, "On call now:", ANA_ON),
    ],
)
def test_mentions_take_the_same_time_words_as_the_command(
    driver, slack, rotation, clock, said, now, title, line
):
    """`@upkeep who is on call tomorrow?` answered "On call now"."""
    clock.set(now)
    driver.mention(said)
    reply = slack.posted("C0PAYMENTS")[-1]["text"].splitlines()
    assert reply[0] == title
    assert reply[1].startswith(line)


def test_a_mention_with_a_bad_time_says_so_in_thread(driver, slack, rotation):
    driver.mention("who is on call on friday 25:00?")
    reply = slack.posted("C0PAYMENTS")[-1]
    assert reply["thread_ts"] and "`friday 25:00` is not a time I understand" in reply["text"]


# -- ranges across a DST change ------------------------------------------------------------------


def test_a_shift_across_new_yorks_spring_change_shows_each_ends_zone(driver, rotation):
    """Ben's schedule showed `Mon 02 Mar 04:00 – Mon 09 Mar 05:00 EDT`: the start is EST."""
    lines = driver.command("/oncall", "schedule payments-primary 2w", user="U0BEN").text
    assert "`Mon 02 Mar 04:00 EST – Mon 09 Mar 05:00 EDT` <@U0ANA>" in lines
    assert "`Mon 09 Mar 05:00 – Mon 16 Mar 05:00 EDT` <@U0BEN>" in lines


@pytest.mark.parametrize(
    ("anchor", "now", "expected"),
    [
        # London springs forward on Sun 29 March 2026 ...
        (
            date(2026, 3, 23),
            utc(2026, 3, 23, 12),
            "`Mon 23 Mar 09:00 GMT – Mon 30 Mar 09:00 BST` <@U0ANA>",
        ),
        # ... and falls back on Sun 25 October.
        (
            date(2026, 10, 19),
            utc(2026, 10, 19, 12),
            "`Mon 19 Oct 09:00 BST – Mon 26 Oct 09:00 GMT` <@U0ANA>",
        ),
    ],
)
def test_a_shift_across_londons_changes_shows_each_ends_zone(
    driver, db, slack, clock, anchor, now, expected
):
    make_rotation(db, name="london", tz="Europe/London", handoff=time(9, 0), anchor=anchor)
    db.commit()
    slack.add_user("U0LOU", "Lou Lund", "Europe/London")
    clock.set(now)
    resp = driver.command("/oncall", "schedule london 1w", user="U0LOU")
    assert expected in resp.text


def test_a_short_range_across_the_change_in_one_day_shows_both_zones(driver, db, slack, clock):
    """New York falls back on Sun 1 Nov 2026 at 02:00 EDT (01:00 EST)."""
    make_rotation(db)
    db.commit()
    clock.set(utc(2026, 10, 30, 12))
    made = driver.command(
        "/oncall",
        "override payments-primary <@U0CHO> 2026-11-01 00:30 to 2026-11-01 03:00",
        user="U0BEN",
    )
    assert "Sun 01 Nov 00:30 EDT – 03:00 EST" in made.text, made.text


def test_override_and_cover_ranges_take_the_same_days(driver, rotation, clock):
    """`next wednesday 09:00` and `12 mar 9am` were "not a time I understand"."""
    clock.set(FRIDAY_EVENING)
    made = driver.command(
        "/oncall",
        "override payments-primary <@U0CHO> next wednesday 09:00 to 17:00 dentist",
        user="U0LEAD",
    )
    assert made.text == "<@U0CHO> is on call in *payments-primary* Wed 11 Mar 09:00 – 17:00 CET."
    asked = driver.command("/oncall", "cover payments-primary 12 mar 9am to 5pm", user="U0BEN")
    assert asked.text == "I'm asking for cover in <#C0PAYONCALL>: Thu 12 Mar 09:00 – 17:00 EDT."
