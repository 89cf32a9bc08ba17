"""Workdays and due instants (pure): a hire's steps fall on workdays counted from the start date,
at a local time in the hire's own zone; weekends are skipped. Day 0 is the first workday on or
after the start date. A step sent and not done two workdays later is overdue."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from models.core.time import local_instant

OVERDUE_WORKDAYS = 2


def is_workday(day: date) -> bool:
    return day.weekday() < 5


def first_workday(day: date) -> date:
    """The day itself if it is a workday, else the Monday after."""
    while not is_workday(day):
        day += timedelta(days=1)
    return day


def add_workdays(start: date, n: int) -> date:
    """Workday `n` counted from `start` (day 0 is the first workday on or after `start`)."""
    day = first_workday(start)
    for _ in range(n):
        day = first_workday(day + timedelta(days=1))
    return day


def workdays_between(a: date, b: date) -> int:
    """How many workdays come after `a`, up to and including `b` (0 when b <= a)."""
    count = 0
    day = a
    while day < b:
        day += timedelta(days=1)
        count += is_workday(day)
    return count


def step_due(start: date, day: int, at: time, *, zone: str) -> datetime:
    """The UTC instant of a step on workday `day` at local time `at` in `zone`."""
    return local_instant(add_workdays(start, day), at, zone)


def overdue_instant(due_at: datetime, zone: str) -> datetime:
    """Two workdays after a step's due instant, at the same local time."""
    local = due_at.astimezone(ZoneInfo(zone))
    return local_instant(add_workdays(local.date(), OVERDUE_WORKDAYS), local.time(), zone)


def date_in_zone(instant: datetime, zone: str) -> date:
    """The calendar date in `zone` at `instant`: "today" for the hire, or the day they paused."""
    return instant.astimezone(ZoneInfo(zone)).date()
