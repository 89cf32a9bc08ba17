"""Times people type, read in their own zone: `2026-11-24 10:00`, `14:30`, `today 18:00`,
`tomorrow 09:00`, `friday 18:00`, `now`. Local times go through `local_instant`, so a time that
does not exist moves to the first valid instant after it and an ambiguous one is its first."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from models.errors import UserError
from models.scheduling import local_instant

CLOCK = re.compile(r"^([01]?\d|2[0-3])[:.h]([0-5]\d)$")
DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
SEPARATORS = {"to", "until", "till", "-", "–", "->"}
EXAMPLES = "`2026-11-24 10:00`, `14:30`, `tomorrow 09:00`, `friday 18:00` or `now`"


def _clock(word: str) -> time | None:
    match = CLOCK.match(word)
    return time(int(match.group(1)), int(match.group(2))) if match else None


def _day(word: str, today: date) -> date | None:
    word = word.lower()
    if word == "today":
        return today
    if word == "tomorrow":
        return today + timedelta(days=1)
    names = [d for d in WEEKDAYS if len(word) >= 3 and d.startswith(word)]
    if names:
        return today + timedelta(days=(WEEKDAYS.index(names[0]) - today.weekday()) % 7)
    match = DAY.match(word)
    if match and 1970 <= int(match.group(1)) <= 2200:
        try:
            return date(*(int(g) for g in match.groups()))
        except ValueError:
            return None
    return None


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
) -> tuple[datetime, int]:
    """The instant the first words name, and how many words it took. A bare `HH:MM` is today; as
    the end of a range (`after`), it is the first such time after the start."""
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
    day = _day(first, now.astimezone(zone).date())
    at = _clock(words[1]) if len(words) > 1 else None
    if day is None or at is None:
        raise not_a_time(words, usage)
    return local_instant(day, at, tz), 2


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
