"""When a team's priorities checkpoint and survey happen, from its `PrioritySettings`.

The checkpoint is weekly, on a weekday at a local time in the team's zone. The survey comes on
the first checkpoint weekday of each survey month, at the same local time in each member's zone.
Teams take part once they have a backlog item or settings of their own.

(These settings live in `priority_settings`, written before the scheduler's `Ritual` rows existed;
moving them to rituals of kind `priority-checkpoint` and `priority-survey` is a follow-up.)"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.core.errors import UserError
from models.core.numbers import whole_number
from models.core.time import WEEKLY_FORMAT, local_instant, parse_weekly, weekly_as_written
from models.core.workspace import Person, Team
from models.priorities.backlog import BacklogItem
from models.priorities.budget import parse_target
from models.priorities.settings import PrioritySettings, default_settings

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
CHECKPOINT_FORMAT = f"{WEEKLY_FORMAT}, or `off`"
SURVEY_FORMAT = "months like `jan,apr,jul,oct` (or 1,4,7,10), or `off`"


def _days(start: datetime, end: datetime, tz: str) -> Iterator[date]:
    zone = ZoneInfo(tz)
    day = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date() + timedelta(days=1)
    while day <= last:
        yield day
        day += timedelta(days=1)


def _clock(settings: PrioritySettings) -> time:
    hour, minute = settings.checkpoint_time.split(":")
    return time(int(hour), int(minute))


def checkpoint_times(
    settings: PrioritySettings, tz: str, start: datetime, *, end: datetime
) -> list[tuple[date, datetime]]:
    """(local date, instant) of each checkpoint in (start, end]."""
    if settings.checkpoint_day is None:
        return []
    out = []
    for day in _days(start, end, tz):
        if day.isoweekday() == settings.checkpoint_day:
            at = local_instant(day, _clock(settings), tz)
            if start < at <= end:
                out.append((day, at))
    return out


def survey_times(
    settings: PrioritySettings, tz: str, start: datetime, *, end: datetime
) -> list[tuple[date, datetime]]:
    """(local date, instant) of each survey in (start, end]: the first checkpoint weekday (Monday
    when the checkpoint is off) of each survey month."""
    weekday = settings.checkpoint_day or 1
    out = []
    for day in _days(start, end, tz):
        if day.month in settings.survey_months and day.isoweekday() == weekday and day.day <= 7:
            at = local_instant(day, _clock(settings), tz)
            if start < at <= end:
                out.append((day, at))
    return out


def scheduled_teams(db: Session) -> list[tuple[Team, PrioritySettings]]:
    """Teams with a backlog or settings of their own, with their settings (one query)."""
    with_items = select(BacklogItem.team_id).distinct()
    rows = db.execute(
        select(Team, PrioritySettings)
        .outerjoin(PrioritySettings, PrioritySettings.team_id == Team.id)
        .where(Team.id.in_(with_items) | PrioritySettings.team_id.is_not(None))
        .order_by(Team.id)
    ).all()
    return [(team, found or default_settings(team)) for team, found in rows]


def survey_people(team: Team) -> list[Person]:
    """Everyone in the team, leads too, once each; not deleted people or bots."""
    seen: dict[int, Person] = {}
    for m in team.memberships:
        if not (m.person.deleted or m.person.is_bot):
            seen.setdefault(m.person_id, m.person)
    return sorted(seen.values(), key=lambda p: p.slack_user_id)


# -- parsing the settings -----------------------------------------------------------------------


def parse_checkpoint(text: str) -> tuple[int | None, str]:
    """`monday 10:00` (or `mon@10:00`, `Monday at 10am`) -> (1, "10:00"); `off` -> (None,
    "10:00")."""
    value = " ".join(str(text).lower().split())
    if value in ("off", "none", "no"):
        return None, "10:00"
    weekday, at = parse_weekly(str(text))
    if weekday is None:
        raise UserError(f"`{text}` is not {CHECKPOINT_FORMAT}.")
    return weekday + 1, at.strftime("%H:%M")


def checkpoint_as_written(settings: PrioritySettings) -> str:
    """`monday 10:00`, or `off`: what `parse_checkpoint` reads."""
    if settings.checkpoint_day is None:
        return "off"
    return weekly_as_written(settings.checkpoint_day - 1, _clock(settings))


def parse_months(value: str | list) -> list[int]:
    if isinstance(value, str) and value.strip().lower() in ("off", "none", "no"):
        return []
    parts = value if isinstance(value, list) else re.split(r"[,\s]+", str(value).strip())
    months = set()
    for part in parts:
        word = str(part).strip().lower()
        number = whole_number(word, 1, 12)
        if number is not None:
            months.add(number)
        elif word[:3] in MONTHS and word:
            months.add(MONTHS.index(word[:3]) + 1)
        else:
            raise UserError(f"`{part}` is not a month; give {SURVEY_FORMAT}.")
    return sorted(months)


def apply_settings(settings: PrioritySettings, options: dict[str, Any]) -> None:
    """`target`, `checkpoint` and `survey`, each checked before anything is written."""
    changes: dict[str, Any] = {}
    if "target" in options:
        changes["feature_target"] = parse_target(str(options["target"]))
    if "checkpoint" in options:
        day, at = parse_checkpoint(str(options["checkpoint"]))
        changes["checkpoint_day"] = day
        changes["checkpoint_time"] = at
    if "survey" in options:
        changes["survey_months"] = parse_months(options["survey"])
    for name, value in changes.items():
        setattr(settings, name, value)


def describe_settings(settings: PrioritySettings) -> str:
    survey = ",".join(MONTHS[m - 1] for m in settings.survey_months) or "off"
    return (
        f"target={settings.feature_target} checkpoint={checkpoint_as_written(settings)} "
        f"survey={survey}"
    )
