"""Times and dates people type, read in their own zone: the one parser every command uses.

A day: `today`, `tomorrow`, `friday` (a weekday alone is the next one after today: said on a
Friday evening, `friday` is next week's), `this friday` (today counts), `next friday` (the
Friday of next week), `next week` (its Monday), `weekend`, `next month` (its first day),
`in 3 days`, `in 2 weeks`, `in a month`, `end of week` (the next Friday), `end of month`,
`24 dec`, `Dec 24th`, `mon 9 mar` (without a year: the next one, today counts; with one:
`24 dec 2026`) and `2026-12-24`.

A time: a day and a time of day (`friday 18:00`, `tomorrow at 9am`, `9am tomorrow`; a weekday
with a time is the next such instant, today counts), a time of day alone (today; as the end of
a range, the first such time after the start), `now`, `in 2 hours`, and as the end of a range a
length (`2h`, `90m`, `3d`). Local times go through `local_instant`, so a time that does not exist
moves to the first valid instant after it and an ambiguous one is its first."""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from models.core.errors import UserError
from models.core.time import local_instant, monday_of

CLOCK = re.compile(r"^([01]?\d|2[0-3])[:.h]([0-5]\d)$")
TWELVE_HOUR = re.compile(r"^(1[0-2]|0?[1-9])(?:[:.]([0-5]\d))?(am|pm)$")
DURATION = re.compile(r"^\+?([1-9]\d{0,2})(m|min|mins|h|hr|hrs|d|w)$")
UNITS = {
    "m": "minutes",
    "min": "minutes",
    "mins": "minutes",
    "minute": "minutes",
    "minutes": "minutes",
    "h": "hours",
    "hr": "hours",
    "hrs": "hours",
    "hour": "hours",
    "hours": "hours",
    "d": "days",
    "day": "days",
    "days": "days",
    "w": "weeks",
    "wk": "weeks",
    "wks": "weeks",
    "week": "weeks",
    "weeks": "weeks",
    "month": "months",
    "months": "months",
}
DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
# Dates people write fall in these years: further out is a typo, and a schedule counted from
# such a date (its handoffs, a walkthrough's steps) would run past what `date` holds.
FIRST_YEAR, LAST_YEAR = 1970, 2200
DAY_OF_MONTH = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?$")
YEAR = re.compile(r"^\d{4}$")
COUNT = re.compile(r"^([1-9]\d{0,2})([a-z]*)$")  # `2`, or `2w` in one word
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
SEPARATORS = {"to", "until", "till", "-", "–", "->"}
EXAMPLES = "`2026-11-24 10:00`, `14:30`, `tomorrow 9am`, `friday 18:00` or `now`"
DATE_EXAMPLES = (
    "`2026-03-09`, `tomorrow`, `friday`, `next friday`, `24 dec`, `in 2 weeks` or `end of month`"
)
LONGEST_PHRASE = 4  # `end of next month`, `mon 9 mar 2026`


def _word(word: str) -> str:
    """A word as the parser compares it: lowercased, without the punctuation a sentence adds."""
    return word.lower().strip(",;!?()").rstrip(".")


def _clock(word: str) -> time | None:
    """`14:30`, `9.15`, `7h45`, and `3pm`, `10:30am`."""
    word = _word(word)
    match = CLOCK.match(word)
    if match:
        return time(int(match.group(1)), int(match.group(2)))
    match = TWELVE_HOUR.match(word)
    if match:
        hour = int(match.group(1)) % 12 + (12 if match.group(3) == "pm" else 0)
        return time(hour, int(match.group(2) or 0))
    return None


def _named(word: str, names: list[str]) -> int | None:
    """The index of the name `word` starts (three letters at least): `fri`, `Sept`."""
    if len(word) < 3:
        return None
    found = [i for i, name in enumerate(names) if name.startswith(word)]
    return found[0] if found else None


def weekday_of(word: str) -> int | None:
    """Monday=0 for `mon`, `monday`, `Fri`; None for anything else."""
    return _named(_word(word), WEEKDAYS)


def _month(word: str) -> int | None:
    found = _named(word, MONTHS)
    return None if found is None else found + 1


def _add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def _month_end(day: date) -> date:
    return day.replace(day=monthrange(day.year, day.month)[1])


def _next_weekday(today: date, weekday: int, *, today_counts: bool) -> date:
    ahead = (weekday - today.weekday()) % 7
    return today + timedelta(days=ahead if ahead or today_counts else 7)


class _Bad(Exception):
    """Words that look like a date and name none (`31 feb`, `fri 9 mar` when that's a Monday)."""


class _FarOff(_Bad):
    """A date outside FIRST_YEAR to LAST_YEAR (`9999-12-31`): a typo, said as such."""

    def __init__(self, written: str):
        super().__init__(written)
        self.written = written

    def error(self, usage: str | None) -> UserError:
        return UserError(
            f"`{self.written[:40]}` is too far off: give a date from {FIRST_YEAR} to {LAST_YEAR}.",
            usage,
        )


def _calendar(words: list[str], today: date) -> tuple[date, int] | None:
    """`24 dec`, `dec 24th`, either with a year, or `2026-12-24`."""
    if not words:
        return None
    iso = DAY.match(words[0])
    if iso:
        year, month, day = (int(g) for g in iso.groups())
        _date(2000, month, day)  # `0000-00-00` is no date at all, not a far-off one
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise _FarOff(words[0])
        return _date(year, month, day), 1
    if len(words) < 2:
        return None
    first_day, first_month = DAY_OF_MONTH.match(words[0]), _month(words[0])
    second_day, second_month = DAY_OF_MONTH.match(words[1]), _month(words[1])
    if first_day and second_month:
        day, month = int(first_day.group(1)), second_month
    elif first_month and second_day:
        day, month = int(second_day.group(1)), first_month
    else:
        return None
    if len(words) > 2 and YEAR.match(words[2]):
        year = int(words[2])
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise _FarOff(" ".join(words[:3]))
        return _date(year, month, day), 3
    for year in range(today.year, today.year + 9):  # the next one, today counts (29 feb)
        try:
            found = date(year, month, day)
        except ValueError:
            continue
        if found >= today:
            return found, 2
    raise _Bad


def _date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise _Bad from None


def _iso_day(word: str) -> date | None:
    """`2026-11-24` as a date; None when it is not one (`2026-02-30`)."""
    match = DAY.match(word)
    if not match:
        return None
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def calendar_date(
    value: str | date, usage: str | None = None, *, like: str = "a date like 2026-11-24"
) -> date:
    """A date as written, `2026-11-24` (or as YAML read one), from FIRST_YEAR to LAST_YEAR;
    a UserError otherwise that says which of the two it is not (`like` describes what fits)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        day: date | None = value
    else:
        day = _iso_day(str(value).strip())
    if day is None:
        shown = str(value).replace("`", "'")[:40]
        raise UserError(f"`{shown}` is not {like}.", usage)
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise UserError(
            f"`{day.isoformat()}` is too far off: give a date from {FIRST_YEAR} to {LAST_YEAR}.",
            usage,
        )
    return day


def _count(words: list[str]) -> tuple[int, str, int] | None:
    """`2 weeks`, `a week`, `2w` -> (2, "weeks", words used)."""
    if not words:
        return None
    if words[0] in ("a", "an", "one") and len(words) > 1 and words[1] in UNITS:
        return 1, UNITS[words[1]], 2
    match = COUNT.match(words[0])
    if not match:
        return None
    if match.group(2):
        unit = UNITS.get(match.group(2))
        return (int(match.group(1)), unit, 1) if unit else None
    if len(words) > 1 and words[1] in UNITS:
        return int(match.group(1)), UNITS[words[1]], 2
    return None


def _relative(words: list[str], today: date) -> tuple[date, int] | None:
    """`next friday`, `this friday`, `next week`, `next month`, `(next) weekend`, `in 2 weeks`,
    `end of (next) week|month`, `eow`, `eom`."""
    first, second = words[0], words[1] if len(words) > 1 else ""
    saturday = monday_of(today) + timedelta(days=5)
    if first in ("this", "next"):
        weekday = weekday_of(second) if second else None
        if weekday is not None and first == "this":
            return _next_weekday(today, weekday, today_counts=True), 2
        if weekday is not None:
            return monday_of(today) + timedelta(days=7 + weekday), 2
        if second == "weekend":
            return (max(saturday, today) if first == "this" else saturday + timedelta(7)), 2
        if first == "next" and second == "week":
            return monday_of(today) + timedelta(days=7), 2
        if first == "next" and second == "month":
            return _add_months(today.replace(day=1), 1), 2
        return None
    if first == "weekend":
        return max(saturday, today), 1
    if first == "in":
        count = _count(words[1:])
        if count is None or count[1] not in ("days", "weeks", "months"):
            return None
        n, unit, used = count
        if unit == "months":
            return _add_months(today, n), used + 1
        return today + timedelta(**{unit: n}), used + 1
    if first in ("eow", "eom"):
        return _end_of("week" if first == "eow" else "month", today, later=False), 1
    if first == "end" and second == "of":
        rest = words[2:]
        skip = 1 if rest and rest[0] in ("the", "this", "next") else 0
        what = rest[skip] if len(rest) > skip else ""
        if what in ("week", "month"):
            return _end_of(what, today, later=rest[0] == "next"), 3 + skip
    return None


def _end_of(what: str, today: date, *, later: bool) -> date:
    """The end of this (or next) week or month: a working week ends on Friday, and this week's
    end is the next Friday (said on a Friday evening, it is next week's)."""
    if what == "week" and later:
        return monday_of(today) + timedelta(days=11)
    if what == "week":
        return _next_weekday(today, 4, today_counts=False)
    return _month_end(_add_months(today.replace(day=1), 1 if later else 0))


def _read_day(words: list[str], today: date) -> tuple[date, int, bool] | None:
    """The day the first words name, how many words that took, and whether it was a weekday
    alone (the next one after today; a caller that has a time of day too lets today count).
    None when they name no day; `_Bad` when they look like a date and name none."""
    words = [_word(w) for w in words[:LONGEST_PHRASE]]
    if not words or not words[0]:
        return None
    first = words[0]
    if first == "today":
        return today, 1, False
    if first in ("tomorrow", "tmrw", "tmr"):
        return today + timedelta(days=1), 1, False
    weekday = weekday_of(first)
    if weekday is not None:
        dated = _calendar(words[1:], today)  # `mon 9 mar`
        if dated is not None:
            if dated[0].weekday() != weekday:
                raise _Bad
            return dated[0], dated[1] + 1, False
        return _next_weekday(today, weekday, today_counts=False), 1, True
    found = _relative(words, today) or _calendar(words, today)
    return (found[0], found[1], False) if found else None


def _shown(words: list[str], used: int = 0) -> str:
    """The words an error quotes: those a phrase took, else what looks like the start of one."""
    if not used:
        first = _word(words[0]) if words else ""
        used = 3 if first in ("in", "end") else 2 if first in ("this", "next") else 1
    text = " ".join(w.strip(",;!?()") for w in words[:used]) or "nothing"
    return text.replace("`", "'")[:60]


def _bad_span(words: list[str]) -> int:
    """How many words a date that names no day took (`31 feb`, `fri 9 mar 2026`): up to the
    last word that reads as part of a date."""
    for n in range(min(len(words), LONGEST_PHRASE), 0, -1):
        last = _word(words[n - 1])
        if DAY.match(last) or DAY_OF_MONTH.match(last) or YEAR.match(last) or _month(last):
            return n
    return 1


def not_a_date(words: list[str], usage: str | None, used: int = 0) -> UserError:
    return UserError(f"`{_shown(words, used)}` is not a date like {DATE_EXAMPLES}.", usage)


def read_date(words: list[str], today: date, usage: str | None = None) -> tuple[date, int]:
    """The day the first words name (see the module's doc) and how many words it took. A
    weekday alone is the next one after today."""
    try:
        found = _read_day(words, today)
    except _FarOff as far:
        raise far.error(usage) from None
    except _Bad:
        raise not_a_date(words, usage, _bad_span(words)) from None
    if found is None:
        raise not_a_date(words, usage)
    return found[0], found[1]


def parse_date(words: list[str], today: date, usage: str | None = None) -> date:
    """A date that is all of `words` (see the module's doc)."""
    day, used = read_date(words, today, usage)
    if used < len(words):
        raise not_a_date(words, usage, len(words))
    return day


def not_a_time(words: list[str], usage: str | None, used: int = 0) -> UserError:
    return UserError(f"`{_shown(words, used)}` is not a time I understand. Try {EXAMPLES}.", usage)


def _day_or_error(
    words: list[str], today: date, usage: str | None
) -> tuple[date, int, bool] | None:
    try:
        return _read_day(words, today)
    except _FarOff as far:
        raise far.error(usage) from None
    except _Bad:
        raise not_a_time(words, usage, _bad_span(words)) from None


def _soon(words: list[str], now: datetime, tz: str) -> tuple[datetime, int] | None:
    """`now`; `in 2 hours`, `in 30 min` (that long from now); `tonight` (22:00 today, or now
    if that has passed)."""
    first = _word(words[0])
    if first == "now":
        return now, 1
    if first == "tonight":
        return max(now, local_instant(now.astimezone(ZoneInfo(tz)).date(), time(22), tz)), 1
    if first != "in":
        return None
    count = _count([_word(w) for w in words[1:3]])
    if count is None or count[1] not in ("minutes", "hours"):
        return None
    return now + timedelta(**{count[1]: count[0]}), count[2] + 1


def _time_follows(words: list[str]) -> bool:
    """Whether the words after a day go on with its time (`18:00`, `at 9am`, even `25:00`)."""
    if not words:
        return False
    first = _word(words[0])
    if first == "at" and len(words) > 1:
        first = _word(words[1])
    return any(c.isdigit() for c in first)


def parse_at(
    words: list[str], now: datetime, tz: str, *, usage: str | None = None
) -> tuple[datetime | date, int]:
    """A time (`parse_when`), or a day alone (`friday`, `next week`: a date, for the caller to
    place in the day), and how many words it took."""
    if not words:
        raise UserError(f"I need a time here, like {EXAMPLES}.", usage)
    today = now.astimezone(ZoneInfo(tz)).date()
    found = _day_or_error(words, today, usage)
    if found is not None and not _time_follows(words[found[1] :]):
        return found[0], found[1]
    return parse_when(words, now, tz, usage=usage)


def find_at(words: list[str], now: datetime, tz: str) -> tuple[datetime | date, int, int] | None:
    """The first time or day a sentence names (`who is on call tomorrow?`): what `parse_at`
    reads there, where it starts and how many words it takes; None when it names none. Words
    that start a time and then go wrong (`friday 25:00`) are a `UserError`."""
    today = now.astimezone(ZoneInfo(tz)).date()
    for i in range(len(words)):
        rest = words[i:]
        try:
            starts = bool(_soon(rest, now, tz) or _clock(rest[0]) or _read_day(rest, today))
        except _Bad:
            starts = True
        if starts:
            found, used = parse_at(rest, now, tz)
            return found, i, used
    return None


def parse_when(
    words: list[str],
    now: datetime,
    tz: str,
    *,
    after: datetime | None = None,
    usage: str | None = None,
) -> tuple[datetime, int]:
    """The instant the first words name, and how many words it took. A bare `HH:MM` is today;
    as the end of a range (`after`), it is the first such time after the start, a weekday is the
    first such day after the start, and a length (`2h`, `90m`, `3d`) counts from the start."""
    if not words:
        raise UserError(f"I need a time here, like {EXAMPLES}.", usage)
    soon = _soon(words, now, tz)
    if soon is not None:
        return soon
    zone = ZoneInfo(tz)
    today = now.astimezone(zone).date()
    at = _clock(words[0])
    if at is not None:
        day = _day_or_error(words[1:], today, usage)  # `9am tomorrow`
        if day is not None:
            return _on_day(day, at, tz, today, after), day[1] + 1
        base = (after or now).astimezone(zone).date()
        instant = local_instant(base, at, tz)
        if after is not None and instant <= after:
            instant = local_instant(base + timedelta(days=1), at, tz)
        return instant, 1
    length = DURATION.match(_word(words[0]))
    if length and after is not None:  # `... to 2h`: that long after the start
        return after + timedelta(**{UNITS[length.group(2)]: int(length.group(1))}), 1
    day = _day_or_error(words, today, usage)
    if day is None:
        raise not_a_time(words, usage)
    rest = words[day[1] :]
    said_at = int(len(rest) > 1 and _word(rest[0]) == "at")
    at = _clock(rest[said_at]) if rest else None
    if at is None:
        if _time_follows(rest):  # `friday 25:00`
            raise not_a_time(words, usage, day[1] + 1 + said_at)
        shown = _shown(words, day[1])
        raise UserError(f"`{shown}` needs a time of day too, like `{shown} 18:00`.", usage)
    return _on_day(day, at, tz, today, after), day[1] + 1 + said_at


def _on_day(
    day: tuple[date, int, bool], at: time, tz: str, today: date, after: datetime | None
) -> datetime:
    """A day's time of day. A weekday alone with a time lets today count (`friday 18:00` said on
    a Friday morning is tonight); as the end of a range it is the first such day after the start
    (`monday 10:00 to wednesday 10:00` said on a Tuesday)."""
    found, _, weekday_alone = day
    if weekday_alone and found - timedelta(days=7) == today:
        found = today
    instant = local_instant(found, at, tz)
    if after is not None and instant <= after and weekday_alone:
        instant = local_instant(found + timedelta(days=7), at, tz)
    return instant


def parse_range(
    words: list[str], now: datetime, tz: str, usage: str | None = None
) -> tuple[datetime, datetime, list[str]]:
    """`<start> [to] <end> ...` -> (start, end, the words left over)."""
    start, used = parse_when(words, now, tz, usage=usage)
    rest = words[used:]
    if rest and rest[0].lower() in SEPARATORS:
        rest = rest[1:]
    if not rest:
        raise UserError("Give an end time too, like `tomorrow 09:00 to tomorrow 18:00`.", usage)
    end, used = parse_when(rest, now, tz, after=start, usage=usage)
    if end <= start:
        raise UserError("The end must be after the start.", usage)
    return start, end, rest[used:]
