"""Times people type, read in their zone; fuzzed: anything either parses or is a UserError."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.core.errors import UserError
from models.core.when import (
    FIRST_YEAR,
    LAST_YEAR,
    WEEKDAYS,
    calendar_date,
    parse_date,
    parse_range,
    parse_when,
)
from tests.factories import utc

NOW = utc(2026, 3, 2, 9)  # Mon 2 Mar 2026, 10:00 in Berlin
ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]


@pytest.mark.parametrize(
    ("text", "tz", "expected", "used"),
    [
        ("now", "Europe/Berlin", NOW, 1),
        ("2026-03-10 12:00", "America/New_York", utc(2026, 3, 10, 16), 2),
        ("14:30", "Europe/Berlin", utc(2026, 3, 2, 13, 30), 1),
        ("today 18:00", "Europe/Berlin", utc(2026, 3, 2, 17), 2),
        ("tomorrow 09:00", "Europe/Berlin", utc(2026, 3, 3, 8), 2),
        ("monday 08:00", "Europe/Berlin", utc(2026, 3, 2, 7), 2),  # today counts
        ("fri 18:00", "Europe/Berlin", utc(2026, 3, 6, 17), 2),
        ("Sunday 02:30", "Europe/Berlin", utc(2026, 3, 8, 1, 30), 2),
        ("2026-03-29 02:30", "Europe/Berlin", utc(2026, 3, 29, 1), 2),  # gap: 03:00 CEST
        ("2026-10-25 02:30", "Europe/Berlin", utc(2026, 10, 25, 0, 30), 2),  # first of two
    ],
)
def test_forms(text, tz, expected, used):
    assert parse_when(text.split(), NOW, tz) == (expected, used)


def test_ranges_roll_a_bare_end_time_past_the_start():
    start, end, rest = parse_range(["tomorrow", "22:00", "to", "06:00", "night", "out"], NOW, "UTC")
    assert (start, end, rest) == (utc(2026, 3, 3, 22), utc(2026, 3, 4, 6), ["night", "out"])
    with pytest.raises(UserError, match="The end must be after the start"):
        parse_range(["tomorrow", "10:00", "today", "10:00"], NOW, "UTC")
    with pytest.raises(UserError, match="Give an end time too"):
        parse_range(["now"], NOW, "UTC")


@pytest.mark.parametrize(
    "text", ["", "noon", "25:00", "2026-02-30 10:00", "tomorrow", "9999-12-31 23:59"]
)
def test_nonsense_is_a_user_error(text):
    with pytest.raises(UserError, match="time"):
        parse_when(text.split(), NOW, "Europe/Berlin")


WORDS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["now", "today", "tomorrow", "mon", "sunday", "to", "-", "at", "24:00"]),
    st.from_regex(r"\A\d{1,4}[-:.h]\d{1,2}(-\d{1,2})?\Z"),
)


@given(st.lists(WORDS, max_size=5), st.sampled_from(ZONES))
def test_fuzz_anything_parses_or_is_a_user_error(words, tz):
    try:
        start, end, _ = parse_range(words, NOW, tz)
    except UserError:
        return
    assert start.tzinfo is not None and end > start


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
    st.sampled_from(ZONES),
)
def test_fuzz_a_written_local_time_reads_back(moment, tz):
    zone = ZoneInfo(tz)
    local = moment.replace(second=0, microsecond=0)
    got, used = parse_when(local.strftime("%Y-%m-%d %H:%M").split(), NOW, tz)
    assert used == 2
    back = got.astimezone(zone).replace(tzinfo=None)
    exists = local.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if exists == local:  # a real local time: read back exactly, at its first occurrence
        assert back == local
        assert got == local.replace(tzinfo=zone, fold=0).astimezone(UTC)
    else:  # in a gap: the first valid instant after it, within the gap's length
        assert local < back <= local + timedelta(hours=1)


def test_twelve_hour_clocks_lengths_and_weekday_ends():
    tz = "Europe/Berlin"
    tuesday = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # 10:00 in Berlin
    start, _ = parse_when(["tomorrow", "3am"], tuesday, tz)
    assert start == datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    assert parse_when(["10:30pm"], tuesday, tz)[0] == datetime(2026, 11, 24, 21, 30, tzinfo=UTC)
    assert parse_when(["12am"], tuesday, tz)[0] == datetime(2026, 11, 23, 23, 0, tzinfo=UTC)
    start, end, rest = parse_range(["now", "to", "90m", "lunch"], tuesday, tz)
    assert (end - start, rest) == (timedelta(minutes=90), ["lunch"])
    # Monday is the coming one (30 Nov); Wednesday is the one after it, not tomorrow.
    start, end, _ = parse_range(["mon", "10:00", "to", "wed", "10:00"], tuesday, tz)
    assert (start.day, end.day) == (30, 2)
    with pytest.raises(UserError, match="not a time I understand"):
        parse_when(["13pm"], tuesday, tz)
    with pytest.raises(UserError, match="not a time I understand"):
        parse_when(["2h"], tuesday, tz)  # a length only ends a range


@pytest.mark.parametrize(
    ("text", "expected", "used"),
    [
        ("friday", utc(2026, 3, 6, 9), 1),  # 10:00 in Berlin, as now
        ("Fri", utc(2026, 3, 6, 9), 1),
        ("tomorrow", utc(2026, 3, 3, 9), 1),
        ("today", NOW, 1),
        ("monday", NOW, 1),  # today counts, as for dates
        ("2026-03-30", utc(2026, 3, 30, 8), 1),  # 10:00 CEST
        ("friday 3pm", utc(2026, 3, 6, 14), 2),
        ("tomorrow 09:00", utc(2026, 3, 3, 8), 2),
        ("friday at", utc(2026, 3, 6, 9), 1),  # what follows is the caller's to judge
    ],
)
def test_a_day_alone_is_that_day_at_the_time_it_is_now(text, expected, used):
    assert parse_when(text.split(), NOW, "Europe/Berlin", day_alone=True) == (expected, used)


def test_a_day_and_a_broken_time_is_not_taken_for_a_day_alone():
    with pytest.raises(UserError, match="`friday 25:00` is not a time I understand"):
        parse_when(["friday", "25:00"], NOW, "Europe/Berlin", day_alone=True)


def test_a_day_alone_stays_an_error_where_not_asked_for():
    with pytest.raises(UserError, match="`friday` needs a time of day too, like `friday 18:00`"):
        parse_when(["friday"], NOW, "Europe/Berlin")
    with pytest.raises(UserError, match="`tomorrow` needs a time of day too"):
        parse_range(["tomorrow", "to", "friday"], NOW, "Europe/Berlin")


DAY_WORDS = st.one_of(
    st.sampled_from(["today", "tomorrow", "TODAY", "Tomorrow"]),
    st.sampled_from(WEEKDAYS).flatmap(
        lambda d: st.integers(3, len(d)).map(lambda n: d[:n].capitalize())
    ),
    st.dates(min_value=date(1970, 1, 1), max_value=date(2200, 12, 31)).map(str),
)
INSTANTS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


@given(DAY_WORDS, INSTANTS, st.sampled_from(ZONES))
def test_fuzz_a_day_alone_is_that_date_at_nows_time_of_day(word, now, tz):
    zone = ZoneInfo(tz)
    got, used = parse_when([word], now, tz, day_alone=True)
    assert used == 1
    local, clock = got.astimezone(zone), now.astimezone(zone)
    assert local.date() == parse_date(word, clock.date())
    wall = datetime.combine(local.date(), clock.time())
    if word.lower() == "today":
        assert got == now
    elif wall.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall:
        assert local.replace(tzinfo=None) == wall  # a real local time: that one
    else:  # in a gap: the first valid instant after it, within the gap's length
        assert wall < local.replace(tzinfo=None) <= wall + timedelta(hours=1)


@given(st.lists(WORDS, max_size=4), INSTANTS, st.sampled_from(ZONES))
def test_fuzz_a_day_alone_only_adds_to_what_parses(words, now, tz):
    try:
        alone = parse_when(words, now, tz, day_alone=True)
    except UserError:
        alone = None
    try:
        plain = parse_when(words, now, tz)
    except UserError:
        plain = None
    if plain is not None:
        assert alone == plain
    elif alone is not None:
        assert alone[1] == 1 and alone[0].tzinfo is not None


@given(
    st.one_of(
        st.text(max_size=12),
        st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z"),
        st.dates(),
        st.datetimes(),
    )
)
def test_fuzz_a_written_date_is_within_the_years_or_a_user_error(value):
    try:
        day = calendar_date(value)
    except UserError as e:
        assert "is not a date like 2026-11-24" in e.message or "is too far off" in e.message
        return
    assert type(day) is date and FIRST_YEAR <= day.year <= LAST_YEAR
    assert day.isoformat() == (value if isinstance(value, str) else value.isoformat()).strip()
