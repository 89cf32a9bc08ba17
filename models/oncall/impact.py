"""What a change to a rotation does to the people in it, from who is on call over a window
before the change and after it: whose on-call time moved (to tell them), and what deserves a
second look before the change is made (a gap, someone on call shift after shift or for more
than half the time, the person on call now taken off).

The window a change is reviewed over is two turns of every member (at least 4 weeks, at most
26): long enough for each to have their shifts, and for a share of the time to mean something."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from models.core.workspace import Person
from models.oncall.rotations import Rotation
from models.oncall.schedule import RotationSchedule, Shift
from models.oncall.shifts import handoffs, person_shifts, stretches

Span = tuple[datetime, datetime]
MAX_SHARE = 50  # percent of a window's time: one person on call for more is too much
GAP = "gap"
NOW = "now"
STRAIGHT = "straight"
SHARE = "share"


@dataclass(frozen=True)
class OnCall:
    """Who is on call in a rotation over [start, end), as things stand: one stretch per person
    in turn, and where the shifts hand over."""

    start: datetime
    end: datetime
    stretches: list[Shift]
    handoffs: list[datetime]

    def at(self, instant: datetime) -> Person | None:
        return next((s.person for s in self.stretches if s.start <= instant < s.end), None)


def review_window(rotation: Rotation, start: datetime) -> datetime:
    """The end of the window a change of `rotation` from `start` is reviewed over."""
    turns = 2 * max(len(rotation.members), 1) * RotationSchedule(rotation).longest_days
    return start + min(max(timedelta(days=turns), timedelta(weeks=4)), timedelta(weeks=26))


def on_call_over(db: Session, rotation: Rotation | None, start: datetime, end: datetime) -> OnCall:
    """Who `rotation` puts on call over [start, end) now (nobody, for no rotation yet)."""
    if rotation is None:
        return OnCall(start, end, [], [])
    return OnCall(
        start,
        end,
        stretches(db, rotation, start, end=end),
        handoffs(rotation, start, end),
    )


# -- whose on-call time moved -------------------------------------------------------------------


@dataclass(frozen=True)
class Moved:
    """What a change did to one person's on-call time: what they now have and what they lost."""

    person: Person
    gained: list[Span]
    lost: list[Span]
    shifts: list[Span]  # their stretches after the change


def _spans_by_person(on_call: OnCall) -> dict[int, tuple[Person, list[Span]]]:
    found: dict[int, tuple[Person, list[Span]]] = {}
    for s in on_call.stretches:
        if s.person is not None:
            found.setdefault(s.person.id, (s.person, []))[1].append((s.start, s.end))
    return found


def _minus(spans: list[Span], taken: list[Span]) -> list[Span]:
    """`spans` without `taken` (both sorted and disjoint)."""
    out: list[Span] = []
    for start, end in spans:
        for lo, hi in taken:
            if hi <= start or lo >= end:
                continue
            if lo > start:
                out.append((start, lo))
            start = max(start, hi)
            if start >= end:
                break
        if start < end:
            out.append((start, end))
    return out


def moved(before: OnCall, after: OnCall) -> list[Moved]:
    """Everyone whose on-call time the change moved, the first moved first."""
    was, now = _spans_by_person(before), _spans_by_person(after)
    found = []
    for pid in was.keys() | now.keys():
        person = (now.get(pid) or was[pid])[0]
        old, new = was.get(pid, (person, []))[1], now.get(pid, (person, []))[1]
        gained, lost = _minus(new, old), _minus(old, new)
        if gained or lost:
            found.append(Moved(person, gained, lost, new))
    return sorted(found, key=lambda m: (min(m.gained + m.lost)[0], m.person.id))


# -- what deserves a second look ---------------------------------------------------------------


@dataclass(frozen=True)
class Concern:
    """Something a change would do that its author should see before it is made."""

    kind: str  # GAP, NOW, STRAIGHT or SHARE
    person: Person | None  # nobody for a gap; who is taken off, for NOW
    start: datetime
    end: datetime
    open_ended: bool = False  # it goes on past the window
    successor: Person | None = None  # NOW: who takes over
    percent: int = 0  # SHARE: of the window's time, after the change
    was: int = 0  # SHARE: before it


def concerns(before: OnCall, after: OnCall) -> list[Concern]:
    """What the change from `before` to `after` (over the same window) newly does: leave
    nobody on call, take the person on call now off, keep someone on across a handoff, or give
    someone more than `MAX_SHARE` percent of the time."""
    return [
        *_gaps(before, after),
        *_now(before, after),
        *_straight(before, after),
        *_shares(before, after),
    ]


def _gaps(before: OnCall, after: OnCall) -> Iterable[Concern]:
    nobody = [(s.start, s.end) for s in after.stretches if s.person is None]
    was = [(s.start, s.end) for s in before.stretches if s.person is None]
    for start, end in _minus(nobody, was):
        yield Concern(GAP, None, start, end, open_ended=end >= after.end)


def _now(before: OnCall, after: OnCall) -> Iterable[Concern]:
    was, now = before.at(before.start), after.at(after.start)
    if was is not None and (now is None or now.id != was.id):
        yield Concern(NOW, was, after.start, after.start, successor=now)


def _straight_runs(on_call: OnCall) -> list[tuple[Shift, int]]:
    """Stretches of someone who stays on call over handoffs, with how many."""
    found = []
    for s in on_call.stretches:
        crossed = sum(1 for h in on_call.handoffs if s.start < h < s.end)
        if s.person is not None and crossed:
            found.append((s, crossed))
    return found


def _straight(before: OnCall, after: OnCall) -> Iterable[Concern]:
    """Someone on call over more handoffs in a row than they were (the handoffs themselves may
    move: a new handoff time is no new run)."""
    was = _straight_runs(before)
    for s, crossed in _straight_runs(after):
        assert s.person is not None
        known = any(
            w.person is not None
            and w.person.id == s.person.id
            and w.start < s.end
            and s.start < w.end
            and old >= crossed
            for w, old in was
        )
        if not known:
            yield Concern(STRAIGHT, s.person, s.start, s.end, open_ended=s.end >= after.end)


def share_of(on_call: OnCall) -> dict[int, tuple[Person, int]]:
    """Each person's share of the window's time on call, in whole percent."""
    window = (on_call.end - on_call.start).total_seconds()
    return {
        pid: (person, round(100 * sum((e - s).total_seconds() for s, e in spans) / window))
        for pid, (person, spans) in _spans_by_person(on_call).items()
    }


def _shares(before: OnCall, after: OnCall) -> Iterable[Concern]:
    was = share_of(before)
    for pid, (person, percent) in sorted(share_of(after).items()):
        old = was.get(pid, (person, 0))[1]
        if percent > MAX_SHARE and percent > old:
            yield Concern(SHARE, person, after.start, after.end, percent=percent, was=old)


def on_call_elsewhere(
    db: Session, person: Person, rotation: Rotation, start: datetime, end: datetime
) -> list[tuple[Rotation, list[Span]]]:
    """The other rotations `person` is on call in during [start, end), and when."""
    found: dict[int, tuple[Rotation, list[Span]]] = {}
    for other, shift in person_shifts(db, person, start, end=end):
        lo, hi = max(shift.start, start), min(shift.end, end)
        if other.id == rotation.id or lo >= hi:
            continue
        spans = found.setdefault(other.id, (other, []))[1]
        if spans and spans[-1][1] == lo:
            spans[-1] = (spans[-1][0], hi)
        else:
            spans.append((lo, hi))
    return list(found.values())
