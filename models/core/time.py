"""Local wall-clock times as UTC instants (DST-safe), weekdays and times of day as people write
them (`mon-fri`, `09:30`, `4w`), and a weekly time, written one way (`monday 10:00`) and read
the ways people write it."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from models.core.errors import UserError
from models.core.numbers import whole_number

DAY_NAMES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
# A weekly time: a day (`monday`, `mon`, `mondays`), then `@`, `at` or a space, then a time
# (`10:00`, `9.30`, `4pm`, `4:30pm`); or the time alone (every day).
_WEEKLY = re.compile(
    r"^(?:(?P<day>[a-z]+)\s*(?:@|\bat\b|,)?\s*)??"
    r"(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?\s*(?P<half>am|pm)?$"
)
WEEKLY_FORMAT = "a weekday and a local time, like `monday 10:00`"


@lru_cache(maxsize=8192)
def local_instant(day: date, at: time, zone: str) -> datetime:
    """A local wall-clock time on a date, as a UTC instant. A time that does not exist (spring
    forward) moves to the first valid instant after it; an ambiguous one takes its first
    occurrence."""
    tz = ZoneInfo(zone)
    naive = datetime.combine(day, at)
    first = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if first.astimezone(tz).replace(tzinfo=None) == naive:
        return first
    # In a gap: fold=1 reads the wall time with the later offset, an instant before the jump;
    # the first instant from there that has the later offset is where the gap ends.
    later = naive.replace(tzinfo=tz, fold=1).utcoffset()
    probe = naive.replace(tzinfo=tz, fold=1).astimezone(UTC).replace(second=0, microsecond=0)
    while probe < first and probe.astimezone(tz).utcoffset() != later:
        probe += timedelta(minutes=1)
    return probe


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def parse_days(text: str) -> str:
    """`mon-fri`, `mon,wed,fri`, `daily`, `weekdays` -> ISO weekday digits such as "12345"."""
    text = text.strip().lower()
    aliases = {"daily": "mon-sun", "weekdays": "mon-fri", "every day": "mon-sun"}
    text = aliases.get(text, text)
    found: set[int] = set()
    for part in filter(None, (p.strip() for p in text.split(","))):
        lo, sep, hi = part.partition("-")
        if lo[:3] not in DAY_NAMES or (sep and hi[:3] not in DAY_NAMES):
            raise UserError(f"`{part}` is not a day or a range of days (like mon-fri or mon,thu).")
        a = DAY_NAMES.index(lo[:3])
        b = DAY_NAMES.index(hi[:3]) if sep else a
        i = a
        while True:
            found.add(i + 1)
            if i == b:
                break
            i = (i + 1) % 7
    if not found:
        raise UserError("Give at least one day (like mon-fri).")
    return "".join(str(d) for d in sorted(found))


def format_days(days: str) -> str:
    """ "12345" -> "mon-fri"; "135" -> "mon,wed,fri"; "12347" -> "sun-thu" (a run may go on
    over the weekend into Monday)."""
    nums = sorted(int(d) for d in days)
    runs: list[list[int]] = []
    for n in nums:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    if len(runs) > 1 and runs[0][0] == 1 and runs[-1][-1] == 7:
        runs[0] = runs.pop() + runs[0]
    parts = []
    for run in runs:
        names = [DAY_NAMES[n - 1] for n in run]
        parts.append(f"{names[0]}-{names[-1]}" if len(run) > 2 else ",".join(names))
    return ",".join(parts)


def parse_time(text: str) -> time:
    match = _TIME.match(str(text).strip())
    if not match:
        raise UserError(f"`{text}` is not a time of day (like 09:30).")
    return time(int(match.group(1)), int(match.group(2)))


def parse_cadence(text: str | int) -> int:
    """`4w` (or 4) -> 4 weeks."""
    weeks = whole_number(str(text).strip().lower().removesuffix("w").rstrip(), 1, 52)
    if weeks is None:
        raise UserError(f"`{text}` is not a cadence in weeks (like 1w or 4w).")
    return weeks


def parse_weekly(text: str) -> tuple[int | None, time]:
    """A weekly time as people write it -> (weekday, Monday 0, or None for every day; time):
    `monday 10:00` (the one way Upkeep writes it), `mon 10:00`, `mon@10:00`, `Monday at
    10am`, `mondays 10:00`, or `10:00` alone. Raises UserError."""
    match = _WEEKLY.match(" ".join(str(text).lower().split()))
    day = match and match.group("day")
    weekday = None
    if day is not None:
        names = [n for n in FULL_DAY_NAMES if len(day) >= 3 and n.startswith(day.rstrip("s"))]
        weekday = FULL_DAY_NAMES.index(names[0]) if names else None
    if match is None or (day is not None and weekday is None):
        raise UserError(f"`{text}` is not {WEEKLY_FORMAT}.")
    hour, minute = int(match.group("hour")), int(match.group("minute") or 0)
    half = match.group("half")
    if half:
        if not 1 <= hour <= 12:
            raise UserError(f"`{text}` is not a time of day.")
        hour = hour % 12 + (12 if half == "pm" else 0)
    elif match.group("minute") is None:
        raise UserError(f"`{text}` is not {WEEKLY_FORMAT}.")
    if hour > 23 or minute > 59:
        raise UserError(f"`{text}` is not a time of day.")
    return weekday, time(hour, minute)


def weekly_as_written(weekday: int | None, at: time) -> str:
    """The one way a weekly time is written (what `parse_weekly` reads): `monday 10:00`, or
    `10:00` for every day."""
    clock = at.strftime("%H:%M")
    return clock if weekday is None else f"{FULL_DAY_NAMES[weekday]} {clock}"


def days_at(days: str, at: time) -> str:
    """When something on ISO weekdays `days` happens: a weekly time the one way (`thursday
    15:00`) for one day, else the days and the time (`mon-fri 09:30`)."""
    if len(days) == 1:
        return weekly_as_written(int(days) - 1, at)
    return f"{format_days(days)} {at:%H:%M}"
