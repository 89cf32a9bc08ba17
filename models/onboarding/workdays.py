"""Workdays and due instants (pure): a hire's steps fall on their working days counted from the
start date (`models.core.working_days`: their days off and public holidays skipped), at a local
time in the hire's own zone. Day 0 is the first working day on or after the start date. A step
sent and not done two working days later is overdue."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from models.core.time import local_instant
from models.core.working_days import WorkCalendar

OVERDUE_WORKDAYS = 2


def step_due(start: date, day: int, at: time, *, zone: str, cal: WorkCalendar) -> datetime:
    """The UTC instant of a step on working day `day` at local time `at` in `zone`."""
    return local_instant(cal.add_working_days(start, day), at, zone)


def overdue_instant(due_at: datetime, zone: str, cal: WorkCalendar) -> datetime:
    """Two working days after a step's due instant, at the same local time."""
    local = due_at.astimezone(ZoneInfo(zone))
    return local_instant(cal.add_working_days(local.date(), OVERDUE_WORKDAYS), local.time(), zone)


def date_in_zone(instant: datetime, zone: str) -> date:
    """The calendar date in `zone` at `instant`: "today" for the hire, or the day they paused."""
    return instant.astimezone(ZoneInfo(zone)).date()
