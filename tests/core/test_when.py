"""Times people type, read in their zone; fuzzed: anything either parses or is a UserError."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.core.errors import UserError
from models.core.time import monday_of
from models.core.when import (
    FIRST_YEAR,
    LAST_YEAR,
    MONTHS,
    WEEKDAYS,
    calendar_date,
    find_at,
    parse_at,
    parse_date,
    parse_range,
    parse_when,
    read_date,
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
    with pytest.raises(UserError, match="time|too far off"):
        parse_when(text.split(), NOW, "Europe/Berlin")


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("0000-00-00", "is not a date like"),
        ("9999-12-31", "too far off"),
        ("0001-02-30", "is not a date like"),
    ],
)
def test_a_date_that_is_none_is_not_called_far_off(text, said):
    with pytest.raises(UserError, match=said):
        parse_date([text], NOW.date())


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


FRIDAY = date(2026, 12, 4)  # a Friday
FRIDAY_EVENING = utc(2026, 12, 4, 19, 41)  # 19:41 in London


@pytest.mark.parametrize(
    ("text", "expected", "used"),
    [
        ("today", date(2026, 12, 4), 1),
        ("tomorrow", date(2026, 12, 5), 1),
        ("friday", date(2026, 12, 11), 1),  # a weekday alone: the next one after today
        ("Fri", date(2026, 12, 11), 1),
        ("saturday", date(2026, 12, 5), 1),
        ("thu", date(2026, 12, 10), 1),
        ("this friday", date(2026, 12, 4), 2),
        ("this sunday", date(2026, 12, 6), 2),
        ("next friday", date(2026, 12, 11), 2),  # the Friday of next week
        ("next monday", date(2026, 12, 7), 2),
        ("next week", date(2026, 12, 7), 2),
        ("next month", date(2027, 1, 1), 2),
        ("weekend", date(2026, 12, 5), 1),
        ("next weekend", date(2026, 12, 12), 2),
        ("in 3 days", date(2026, 12, 7), 3),
        ("in 2 weeks", date(2026, 12, 18), 3),
        ("in 2w", date(2026, 12, 18), 2),
        ("in a week", date(2026, 12, 11), 3),
        ("in 3 months", date(2027, 3, 4), 3),
        ("end of month", date(2026, 12, 31), 3),
        ("end of the month", date(2026, 12, 31), 4),
        ("end of next month", date(2027, 1, 31), 4),
        ("eom", date(2026, 12, 31), 1),
        ("end of week", date(2026, 12, 11), 3),  # a Friday evening: next week's end
        ("24 dec", date(2026, 12, 24), 2),
        ("Dec 24th", date(2026, 12, 24), 2),
        ("december 24, 2027", date(2027, 12, 24), 3),
        ("4 dec", date(2026, 12, 4), 2),  # a date without a year: today counts
        ("3 dec", date(2027, 12, 3), 2),  # ... and one gone by is next year's
        ("29 feb", date(2028, 2, 29), 2),
        ("mon 7 dec", date(2026, 12, 7), 3),
        ("2026-12-24", date(2026, 12, 24), 1),
        ("tomorrow 09:00", date(2026, 12, 5), 1),  # what follows is the caller's
    ],
)
def test_days_as_people_say_them(text, expected, used):
    assert read_date(text.split(), FRIDAY) == (expected, used)


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("someday", "someday"),
        ("next someday", "next someday"),
        ("in 2 fortnights", "in 2 fortnights"),
        ("31 feb", "31 feb"),
        ("2026-02-30", "2026-02-30"),
        ("fri 7 dec", "fri 7 dec"),  # a Monday
        ("friday please", "friday please"),
        ("", "nothing"),
    ],
)
def test_what_is_no_date_is_quoted(text, quoted):
    with pytest.raises(UserError, match=f"^`{quoted}` is not a date like `2026-03-09`"):
        parse_date(text.split(), FRIDAY)


@pytest.mark.parametrize(
    ("text", "expected", "used"),
    [
        ("friday", date(2026, 12, 11), 1),
        ("next week", date(2026, 12, 7), 2),
        ("friday lunch", date(2026, 12, 11), 1),  # what follows is the caller's to judge
        ("friday at", date(2026, 12, 11), 1),
        ("2026-12-07", date(2026, 12, 7), 1),
        ("friday 18:00", utc(2026, 12, 4, 18), 2),  # with a time, a weekday counts today
        ("friday 10:00", utc(2026, 12, 4, 10), 2),
        ("friday at 3pm", utc(2026, 12, 4, 15), 3),
        ("9am tomorrow", utc(2026, 12, 5, 9), 2),
        ("next monday 09:00", utc(2026, 12, 7, 9), 3),
        ("in 2 hours", utc(2026, 12, 4, 21, 41), 3),
        ("tonight", utc(2026, 12, 4, 22), 1),
        ("now", FRIDAY_EVENING, 1),
    ],
)
def test_a_day_alone_or_a_time(text, expected, used):
    assert parse_at(text.split(), FRIDAY_EVENING, "Europe/London") == (expected, used)


def test_a_day_and_a_broken_time_is_not_taken_for_a_day_alone():
    with pytest.raises(UserError, match="`friday 25:00` is not a time I understand"):
        parse_at(["friday", "25:00"], NOW, "Europe/Berlin")
    with pytest.raises(UserError, match="`next someday` is not a time I understand"):
        parse_at(["next", "someday"], NOW, "Europe/Berlin")


def test_a_day_alone_stays_an_error_where_a_time_is_needed():
    with pytest.raises(UserError, match="`friday` needs a time of day too, like `friday 18:00`"):
        parse_when(["friday"], NOW, "Europe/Berlin")
    with pytest.raises(UserError, match="`next friday` needs a time of day too"):
        parse_when(["next", "friday"], NOW, "Europe/Berlin")
    with pytest.raises(UserError, match="`tomorrow` needs a time of day too"):
        parse_range(["tomorrow", "to", "friday"], NOW, "Europe/Berlin")


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("who is on call tomorrow?", (date(2026, 12, 5), 4, 1)),
        ("who is on call for payments-primary next week?", (date(2026, 12, 7), 6, 2)),
        ("who's on call on friday at 3pm", (utc(2026, 12, 4, 15), 4, 3)),
        ("on call in 3 days", (date(2026, 12, 7), 2, 3)),
        ("who is on call for payments-primary?", None),
        ("who is on call in payments", None),
        ("who is on call this week", None),
    ],
)
def test_a_sentence_names_a_time_or_a_day(sentence, expected):
    assert find_at(sentence.split(), FRIDAY_EVENING, "Europe/London") == expected


# Fuzzing: what people may type, and days said every way there is.

INSTANTS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
TODAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1))
WEEKDAY_NAMES = st.sampled_from(WEEKDAYS).flatmap(
    lambda d: st.integers(3, len(d)).map(lambda n: d[:n].capitalize())
)
MONTH_NAMES = st.sampled_from(MONTHS).flatmap(
    lambda m: st.integers(3, len(m)).map(lambda n: m[:n].capitalize())
)
DAY_WORDS = st.one_of(
    WORDS,
    WEEKDAY_NAMES,
    MONTH_NAMES,
    st.sampled_from(["next", "this", "in", "end", "of", "the", "week", "month", "weekend", "a"]),
    st.integers(0, 40).map(str),
)


@given(st.lists(DAY_WORDS, max_size=6), TODAYS)
def test_fuzz_any_words_are_a_day_or_a_user_error(words, today):
    try:
        day, used = read_date(words, today)
    except UserError as error:
        assert "is not a date like" in error.message or "is too far off" in error.message
        return
    assert 1 <= used <= min(len(words), 4)
    if not any(re.search(r"\d{4}", w) for w in words[:used]):  # no year given: still to come
        assert day >= today
    assert parse_date(words[:used], today) == day


@given(WEEKDAY_NAMES, TODAYS)
def test_fuzz_a_weekday_alone_is_the_next_one_after_today(word, today):
    day = parse_date([word], today)
    assert today < day <= today + timedelta(days=7)
    assert WEEKDAYS[day.weekday()].startswith(word.lower())
    this = parse_date(["this", word], today)
    assert this == (today if today.weekday() == day.weekday() else day)
    following = parse_date(["next", word], today)
    assert following.weekday() == day.weekday()
    assert monday_of(following) == monday_of(today) + timedelta(days=7)


@given(st.dates(min_value=date(1970, 1, 1), max_value=date(2200, 12, 31)), TODAYS, st.booleans())
def test_fuzz_a_written_date_reads_back(day, today, month_first):
    month = MONTHS[day.month - 1][:3]
    words = [month, f"{day.day}", str(day.year)] if month_first else [f"{day.day}", month]
    if not month_first:
        words.append(str(day.year))
    assert parse_date(words, today) == day
    assert parse_date([day.isoformat()], today) == day
    without_year = parse_date(words[:2], today)
    assert (without_year.month, without_year.day) == (day.month, day.day)
    assert today <= without_year < today + timedelta(days=366 * 8)


@given(st.integers(1, 999), st.sampled_from(["day", "days", "d", "week", "weeks", "w"]), TODAYS)
def test_fuzz_in_so_many_days_or_weeks(n, unit, today):
    words = ["in", f"{n}{unit}"] if len(unit) == 1 else ["in", str(n), unit]
    step = timedelta(weeks=n) if unit.startswith("w") else timedelta(days=n)
    assert parse_date(words, today) == today + step


@given(TODAYS, st.booleans())
def test_fuzz_the_end_of_the_month(today, following):
    words = ["end", "of", "next", "month"] if following else ["end", "of", "month"]
    day = parse_date(words, today)
    assert (day + timedelta(days=1)).day == 1
    months = (day.year - today.year) * 12 + day.month - today.month
    assert months == (1 if following else 0)


PREFIX = st.lists(st.sampled_from(["who", "is", "on", "call", "for", "payments-primary", "us"]))
PHRASES = st.sampled_from(
    ["tomorrow", "next week", "friday", "in 3 days", "24 dec", "friday at 3pm", "9am tomorrow"]
)


@given(PREFIX, PHRASES, PREFIX, INSTANTS, st.sampled_from(ZONES))
def test_fuzz_a_sentence_finds_the_time_it_names(before, phrase, after, now, tz):
    words = [*before, *phrase.split(), *after]
    found = find_at(words, now, tz)
    assert found is not None
    at, start, used = found
    assert (start, used) == (len(before), len(phrase.split()))
    assert (at, used) == parse_at(phrase.split(), now, tz)


@given(st.lists(DAY_WORDS, max_size=5), INSTANTS, st.sampled_from(ZONES))
def test_fuzz_a_day_or_a_time_parses_or_is_a_user_error(words, now, tz):
    try:
        at, used = parse_at(words, now, tz)
    except UserError:
        return
    assert 1 <= used <= len(words)
    if isinstance(at, datetime):
        assert at.tzinfo is not None
        assert parse_when(words, now, tz) == (at, used)


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
