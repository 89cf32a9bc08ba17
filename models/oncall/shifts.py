"""Who is on call when, read from the database: a rotation's schedule with its overrides, at an
instant, over a span, or for one person across rotations. Nobody is on call in a rotation
before its start, overrides included."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from models.core.time import local_instant
from models.core.workspace import Person
from models.oncall.overrides import Override, overrides_between
from models.oncall.rotations import Rotation, RotationMember
from models.oncall.schedule import JUST_BEFORE, RotationSchedule, Shift, Timeline, merge_same_person


def timeline(db: Session, rotation: Rotation, start: datetime, *, end: datetime) -> Timeline:
    """Enough of the rotation to answer for [start, end)."""
    return Timeline(rotation, overrides_between(db, rotation, start, end=end))


# Built once: handoff posts and on-call lookups ask it for single instants.
_NEWEST_OVERRIDE = (
    select(Override.person_id)
    .where(
        Override.rotation_id == bindparam("rotation"),
        Override.start <= bindparam("at"),
        Override.end > bindparam("at"),
    )
    .order_by(Override.created_at.desc(), Override.id.desc())
    .limit(1)
)


def on_call_at(db: Session, rotation: Rotation, at: datetime) -> Person | None:
    """Who is on call at an instant: the newest override there, else the rotation's person;
    nobody before the rotation's start."""
    schedule = RotationSchedule(rotation)
    if at < schedule.start:
        return None
    newest = db.scalar(_NEWEST_OVERRIDE, {"rotation": rotation.id, "at": at})
    if newest is not None:
        return db.get(Person, newest)
    return schedule.at(at)


def shifts(db: Session, rotation: Rotation, start: datetime, *, end: datetime) -> list[Shift]:
    """The shifts (after overrides) that overlap [start, end), whole at the edges."""
    base = RotationSchedule(rotation).shifts(start, end)
    if not base:
        return []
    return timeline(db, rotation, base[0].start, end=base[-1].end).shifts(start, end)


def handoffs(rotation: Rotation, start: datetime, end: datetime) -> list[datetime]:
    """The rotation's handoff instants in (start, end] (its start is the first)."""
    return RotationSchedule(rotation).handoffs(start, end)


def handoff_on(rotation: Rotation, day: date) -> datetime | None:
    """The rotation's handoff on a date of its own zone, if it hands off that day (the first,
    if a change of its rule makes two)."""
    start = local_instant(day, time(0), rotation.tz)
    end = local_instant(day + timedelta(days=1), time(0), rotation.tz)
    found = handoffs(rotation, start - JUST_BEFORE, end - JUST_BEFORE)
    return found[0] if found else None


def shift_at(db: Session, rotation: Rotation, at: datetime) -> Shift:
    """The stretch (after overrides) that contains `at`; before the start, nobody until then."""
    for shift in shifts(db, rotation, at, end=at + JUST_BEFORE):
        if shift.start <= at < shift.end:
            return shift
    return Shift(at, rotation.begins_at, None)


def stretches(db: Session, rotation: Rotation, start: datetime, *, end: datetime) -> list[Shift]:
    """Who is on call in [start, end), cut to it: one stretch per person in turn."""
    out = []
    for shift in merge_same_person(shifts(db, rotation, start, end=end)):
        lo, hi = max(shift.start, start), min(shift.end, end)
        if lo < hi:
            out.append(Shift(lo, hi, shift.person, shift.override))
    return out


def current_and_next(db: Session, rotation: Rotation, at: datetime) -> tuple[Shift, Shift | None]:
    """Who is on call at `at` and until when, and who comes next (after overrides). Before the
    rotation's start, nobody is on call until then."""
    schedule = RotationSchedule(rotation)
    begin = max(at, schedule.start)
    base = schedule.shifts(begin, begin + lookahead(schedule))
    if not base:
        return Shift(at, schedule.start, None), None
    return current_and_next_in(timeline(db, rotation, base[0].start, end=base[-1].end), at)


def lookahead(schedule: RotationSchedule) -> timedelta:
    """Far enough ahead to find whoever comes next: a shift for every member, and one more."""
    members = max(len(rule.member_ids) for rule in schedule.rules)
    return timedelta(days=schedule.longest_days * (members + 1))


def current_and_next_in(timeline: Timeline, at: datetime) -> tuple[Shift, Shift | None]:
    """`current_and_next` from a timeline that holds the overrides from `at` (or the start) to
    `lookahead` past it."""
    schedule = timeline.schedule
    begin = max(at, schedule.start)
    stretches = merge_same_person(timeline.shifts(begin, begin + lookahead(schedule)))
    if at < schedule.start:
        return Shift(at, schedule.start, None), (stretches[0] if stretches else None)
    current = next(s for s in stretches if s.start <= at < s.end)
    following = next((s for s in stretches if s.start >= current.end), None)
    return current, following


def rotations_with(db: Session, person: Person) -> list[Rotation]:
    """Rotations the person is a member of or holds an override in."""
    member = select(RotationMember.rotation_id).where(RotationMember.person_id == person.id)
    covering = select(Override.rotation_id).where(Override.person_id == person.id)
    return list(
        db.scalars(
            select(Rotation)
            .where(Rotation.id.in_(member) | Rotation.id.in_(covering))
            .order_by(Rotation.name)
        )
    )


def person_shifts(db: Session, person: Person, start: datetime, *, end: datetime):
    """(rotation, shift) for each stretch the person is on call in [start, end), in time order."""
    found = [
        (rotation, shift)
        for rotation in rotations_with(db, person)
        for shift in shifts(db, rotation, start, end=end)
        if shift.person is not None and shift.person.id == person.id and shift.end > start
    ]
    return sorted(found, key=lambda pair: (pair[1].start, pair[0].name))
