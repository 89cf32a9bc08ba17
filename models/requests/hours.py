"""A team's working hours for requests, and time counted in them: an SLA of 4 hours given at
17:00 on a Friday runs 1 hour on Friday and 3 on Monday morning, in the team's zone (so a DST
change over the weekend moves the UTC instant, not the local one), skipping public holidays."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from models.core.errors import UserError
from models.core.time import local_instant
from models.core.working_days import WorkCalendar

_SEARCH_DAYS = 400  # no calendar has a year without a working day
_DURATION = re.compile(r"^(?:(\d{1,3})\s*h)?\s*(?:(\d{1,4})\s*m)?$")
_SPAN = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-3]):([0-5]\d)$")
MAX_SLA_MINUTES = 10 * 8 * 60  # two working weeks
DURATION_FORMAT = "a duration in working time, like `4h`, `90m` or `1h30m`"
HOURS_FORMAT = "a local time span, like `09:00-18:00`"


@dataclass(frozen=True)
class WorkingHours:
    zone: str
    start: time
    end: time
    calendar: WorkCalendar

    def _open(self, day: date) -> tuple[datetime, datetime] | None:
        if not self.calendar.is_working_day(day):
            return None
        return local_instant(day, self.start, self.zone), local_instant(day, self.end, self.zone)

    def add(self, start: datetime, minutes: float) -> datetime:
        """The instant `minutes` of working time after `start`. Time that runs out just as a
        working day ends lands at the next one's start (nobody is nudged at closing time), and
        0 minutes is `start` itself within working hours, else the next working start."""
        left = timedelta(minutes=minutes)
        day = start.astimezone(ZoneInfo(self.zone)).date()
        for _ in range(_SEARCH_DAYS):
            span = self._open(day)
            if span is not None:
                opens, closes = span
                at = max(start, opens)
                if at < closes:
                    if left < closes - at:
                        return at + left
                    left -= closes - at
            day += timedelta(days=1)
        raise UserError("These working hours never open.")

    def is_open(self, at: datetime) -> bool:
        span = self._open(at.astimezone(ZoneInfo(self.zone)).date())
        return span is not None and span[0] <= at < span[1]


def parse_duration(text: str) -> int:
    """`4h`, `90m`, `1h30m` -> minutes (more than none, at most two working weeks)."""
    match = _DURATION.match(str(text).strip().lower())
    if not match or not any(match.groups()):
        raise UserError(f"`{text}` is not {DURATION_FORMAT}.")
    minutes = int(match.group(1) or 0) * 60 + int(match.group(2) or 0)
    if not 0 < minutes <= MAX_SLA_MINUTES:
        raise UserError(f"`{text}` must be more than nothing and at most {MAX_SLA_MINUTES // 60}h.")
    return minutes


def duration_as_written(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return (f"{hours}h" if hours else "") + (f"{rest}m" if rest else "") or "0m"


def parse_span(text: str) -> tuple[time, time]:
    """`09:00-18:00` -> (09:00, 18:00); the end after the start."""
    match = _SPAN.match(str(text).strip())
    if not match:
        raise UserError(f"`{text}` is not {HOURS_FORMAT}.")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start, end = time(h1, m1), time(h2, m2)
    if end <= start:
        raise UserError(f"`{text}`: the end must come after the start ({HOURS_FORMAT}).")
    return start, end


def span_as_written(start: time, end: time) -> str:
    return f"{start:%H:%M}-{end:%H:%M}"
