"""Times people type, read in their own zone: `2026-11-24 10:00`, `14:30`, `today 18:00`,
`tomorrow 09:00`, `friday 18:00`, `now`, and where the caller allows it a day alone (`friday`).
Local times go through `local_instant`, so a time that does not exist moves to the first valid
instant after it and an ambiguous one is its first."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from models.core.errors import UserError
from models.core.time import local_instant

CLOCK = re.compile(r"^([01]?\d|2[0-3])[:.h]([0-5]\d)$")
TWELVE_HOUR = re.compile(r"^(1[0-2]|0?[1-9])(?:[:.]([0-5]\d))?(am|pm)$")
DURATION = re.compile(r"^\+?([1-9]\d{0,2})(m|min|mins|h|hr|hrs|d|w)$")
UNITS = {
    "m": "minutes",
    "min": "minutes",
    "mins": "minutes",
    "h": "hours",
    "hr": "hours",
    "hrs": "hours",
    "d": "days",
    "w": "weeks",
}
DAY = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")
# Dates people write fall in these years: further out is a typo, and a schedule counted from
# such a date (its handoffs, a walkthrough's steps) would run past what `date` holds.
FIRST_YEAR, LAST_YEAR = 1970, 2200
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
SEPARATORS = {"to", "until", "till", "-", "–", "->"}
EXAMPLES = "`2026-11-24 10:00`, `14:30`, `tomorrow 9am`, `friday 18:00` or `now`"


def _clock(word: str) -> time | None:
    """`14:30`, `9.15`, `7h45`, and `3pm`, `10:30am`."""
    match = CLOCK.match(word)
    if match:
        return time(int(match.group(1)), int(match.group(2)))
    match = TWELVE_HOUR.match(word.lower())
    if match:
        hour = int(match.group(1)) % 12 + (12 if match.group(3) == "pm" else 0)
        return time(hour, int(match.group(2) or 0))
    return None


def _day(word: str, today: date) -> date | None:
    word = word.lower()
    if word == "today":
        return today
    if word == "tomorrow":
        return today + timedelta(days=1)
    names = [d for d in WEEKDAYS if len(word) >= 3 and d.startswith(word)]
    if names:
        return today + timedelta(days=(WEEKDAYS.index(names[0]) - today.weekday()) % 7)
    day = _iso_day(word)
    return day if day is not None and FIRST_YEAR <= day.year <= LAST_YEAR else None


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


def parse_date(word: str, today: date, usage: str | None = None) -> date:
    """`2026-11-24`, `today`, `tomorrow`, or a weekday name (the next one, today included)."""
    day = _day(word, today)
    if day is None:
        shown = word.replace("`", "'")[:40]
        raise UserError(f"`{shown}` is not a date like 2026-11-24, `tomorrow` or `friday`.", usage)
    return day


def _is_weekday(word: str) -> bool:
    return len(word) >= 3 and any(d.startswith(word) for d in WEEKDAYS)


def not_a_time(words: list[str], usage: str | None) -> UserError:
    shown = " ".join(words[:2]).replace("`", "'")[:60] or "nothing"
    return UserError(f"`{shown}` is not a time I understand. Try {EXAMPLES}.", usage)


def parse_when(
    words: list[str],
    now: datetime,
    tz: str,
    *,
    after: datetime | None = None,
    usage: str | None = None,
    day_alone: bool = False,
) -> tuple[datetime, int]:
    """The instant the first words name, and how many words it took. A bare `HH:MM` is today; as
    the end of a range (`after`), it is the first such time after the start, a weekday is the
    first such day after the start, and a length (`2h`, `90m`, `3d`) counts from the start.
    With `day_alone`, a day without a time (`friday`, `tomorrow`) is that day at the time of day
    it is now: "who is on call on Friday" asked at 10:00 means Friday 10:00."""
    if not words:
        raise UserError(f"I need a time here, like {EXAMPLES}.", usage)
    first = words[0].lower()
    if first == "now":
        return now, 1
    zone = ZoneInfo(tz)
    at = _clock(first)
    if at is not None:
        base = (after or now).astimezone(zone).date()
        instant = local_instant(base, at, tz)
        if after is not None and instant <= after:
            instant = local_instant(base + timedelta(days=1), at, tz)
        return instant, 1
    length = DURATION.match(first)
    if length and after is not None:  # `... to 2h`: that long after the start
        return after + timedelta(**{UNITS[length.group(2)]: int(length.group(1))}), 1
    local_now = now.astimezone(zone)
    day = _day(first, local_now.date())
    at = _clock(words[1]) if len(words) > 1 else None
    meant_a_time = len(words) > 1 and any(c.isdigit() for c in words[1])  # `friday 25:00`
    if day is not None and at is None and day_alone and not meant_a_time:
        if day == local_now.date():
            return now, 1
        return local_instant(day, local_now.time(), tz), 1
    if day is not None and at is None and not meant_a_time:
        raise UserError(f"`{first}` needs a time of day too, like `{first} 18:00`.", usage)
    if day is None or at is None:
        raise not_a_time(words if meant_a_time else words[:1], usage)
    instant = local_instant(day, at, tz)
    if after is not None and instant <= after and _is_weekday(first):
        # `monday 10:00 to wednesday 10:00` on a Tuesday: the Wednesday after that Monday
        instant = local_instant(day + timedelta(days=7), at, tz)
    return instant, 2


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
