"""Where onboarding meets on-call: the suggested buddy (someone in the team not on call in the
hire's first week, with the fewest hires already) and the on-call shift the hire shadows. Both read
the team's rotations; without the on-call feature there is no one busy and nothing to shadow."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.core.time import local_instant
from models.core.working_days import work_calendar
from models.core.workspace import Person, Team
from models.onboarding.walkthroughs import CURRENT, Shadow, Walkthrough
from models.oncall.rotations import Rotation
from models.oncall.shifts import shifts

BUSY_ON_CALL = timedelta(days=1)  # on call this long in the hire's first week: not a buddy


# -- buddies -----------------------------------------------------------------------------------


def on_call_time(
    db: Session, team: Team, *, start: datetime, end: datetime
) -> dict[int, timedelta]:
    """How long each person is on call in the team's rotations between start and end."""
    spent: dict[int, timedelta] = {}
    for rotation in db.scalars(select(Rotation).where(Rotation.team_id == team.id)):
        for shift in shifts(db, rotation, start, end=end):
            if shift.person is not None:
                overlap = min(shift.end, end) - max(shift.start, start)
                spent[shift.person.id] = spent.get(shift.person.id, timedelta()) + overlap
    return spent


def buddy_load(db: Session, workspace_id: int) -> dict[int, int]:
    """Current walkthroughs per buddy."""
    rows = db.execute(
        select(Walkthrough.buddy_id, func.count())
        .where(
            Walkthrough.workspace_id == workspace_id,
            Walkthrough.status.in_(CURRENT),
            Walkthrough.buddy_id.is_not(None),
        )
        .group_by(Walkthrough.buddy_id)
    )
    return {pid: n for pid, n in rows}


def pick_buddy(candidates: list[Person], busy: set[int], load: dict[int, int]) -> Person | None:
    """Not busy (on call), fewest current buddies, then by name."""
    free = [p for p in candidates if p.id not in busy]
    free.sort(key=lambda p: (load.get(p.id, 0), p.display_name.lower(), p.slack_user_id))
    return free[0] if free else None


def first_week_on_call(
    db: Session, team: Team, hire: Person, *, start: date, zone: str
) -> dict[int, timedelta]:
    """How long each person is on call in the team's rotations in a hire's first week: their
    first working day to that week's end, in their zone."""
    first = work_calendar(hire, team).first_working_day(start)
    week_end = first + timedelta(days=(5 - first.weekday()) % 7 or 7)  # the Saturday after
    start_at, end_at = (local_instant(d, time(0, 0), zone) for d in (first, week_end))
    return on_call_time(db, team, start=start_at, end=end_at)


def suggest_buddy(
    db: Session, team: Team, hire: Person, *, start: date, zone: str
) -> Person | None:
    """From the team (members, else leads), not the hire, not on call for a day or more of the
    hire's first week (their first day to that week's end), fewest current buddies, then name."""
    people = team.members or team.leads
    candidates = [
        p for p in dict.fromkeys(people) if p.id != hire.id and not p.deleted and not p.is_bot
    ]
    spent = first_week_on_call(db, team, hire, start=start, zone=zone)
    busy = {pid for pid, t in spent.items() if t >= BUSY_ON_CALL}
    return pick_buddy(candidates, busy, buddy_load(db, team.workspace_id))


def buddy_busy(db: Session, w: Walkthrough) -> timedelta | None:
    """How long the buddy is on call in the hire's first week, when it is enough to keep them
    from being a buddy (what `suggest_buddy` avoids)."""
    if w.buddy is None:
        return None
    spent = first_week_on_call(db, w.team, w.hire, start=w.start_date, zone=w.tz)
    spent = spent.get(w.buddy.id)
    return spent if spent is not None and spent >= BUSY_ON_CALL else None


# -- shadowing ---------------------------------------------------------------------------------


def pick_shift(shifts: list[Any], at: datetime) -> Any | None:
    """The shift under way at `at`, else the next one to start."""
    for shift in shifts:
        if shift.start <= at < shift.end:
            return shift
    later = [s for s in shifts if s.start >= at]
    return min(later, key=lambda s: s.start) if later else None


def shadow_rotation(
    db: Session, w: Walkthrough, at: datetime, *, now: datetime
) -> tuple[Shadow, Person | None] | None:
    """Record the hire as a shadow of the team's rotation for the shift at `at` (or the next
    one within a week); the shadow and who is on call then. None when the team has no
    rotation."""
    rotation = db.scalar(
        select(Rotation).where(Rotation.team_id == w.team_id).order_by(Rotation.name).limit(1)
    )
    if rotation is None:
        return None
    shift = pick_shift(shifts(db, rotation, at, end=at + timedelta(days=7)), at)
    if shift is None:
        return None
    shadow = add_shadow(db, w, rotation.name, start=shift.start, end=shift.end, now=now)
    return shadow, shift.person


def add_shadow(
    db: Session, w: Walkthrough, rotation: str, *, start: datetime, end: datetime, now: datetime
) -> Shadow:
    """The hire as a shadow of one shift of `rotation`: the record already made, if there is one."""
    existing = db.scalar(
        select(Shadow).where(
            Shadow.walkthrough_id == w.id, Shadow.rotation == rotation, Shadow.start == start
        )
    )
    if existing is not None:
        return existing
    shadow = Shadow(
        workspace_id=w.workspace_id,
        walkthrough_id=w.id,
        rotation=rotation,
        person_id=w.hire_id,
        person=w.hire,
        start=start,
        end=end,
        created_at=now,
    )
    db.add(shadow)
    return shadow
