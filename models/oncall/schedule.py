"""Who a rotation puts on call, computed on read from the versions of its rule, with overrides
layered on top. Nothing here queries for rotations or overrides: callers hand them in.

Each version of the rule is in force from its `effective_from` until the next one's (see
`models.oncall.slots` for the slots within one). Before the rotation's start nobody is on call:
no shifts, no handoffs, no hours. Overrides never rewrite the rotation: they are layers where
the newest wins."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.core.workspace import Person
from models.oncall.slots import FrozenRule

if TYPE_CHECKING:
    from models.oncall.overrides import Override
    from models.oncall.rotations import Rotation

JUST_BEFORE = timedelta(microseconds=1)


@dataclass(frozen=True)
class Shift:
    start: datetime
    end: datetime
    person: Person | None
    override: Override | None = None


@dataclass(frozen=True)
class Layer:
    start: datetime
    end: datetime
    override: Override


def flatten(overrides: list[Override]) -> list[Layer]:
    """Overrides painted oldest first, so the newest wins: disjoint layers sorted by start."""
    layers: list[Layer] = []
    for o in sorted(overrides, key=lambda o: (o.created_at, o.id or 0)):
        kept: list[Layer] = []
        for layer in layers:
            if layer.end <= o.start or layer.start >= o.end:
                kept.append(layer)
                continue
            if layer.start < o.start:
                kept.append(Layer(layer.start, o.start, layer.override))
            if layer.end > o.end:
                kept.append(Layer(o.end, layer.end, layer.override))
        kept.append(Layer(o.start, o.end, o))
        layers = sorted(kept, key=lambda layer: layer.start)
    return layers


@dataclass(frozen=True)
class _Piece:
    """Part of a slot under one rule version; `cut` when a later version starts mid-slot."""

    start: datetime
    end: datetime
    member: int | None
    cut: bool


class RotationSchedule:
    """Who the rule versions put on call (before overrides), without the database."""

    def __init__(self, rotation: Rotation):
        self.rotation = rotation
        self.rules = [FrozenRule(rule) for rule in rotation.rule_versions()]
        self.starts = [rule.effective_from for rule in self.rules]
        self.start = self.starts[0]
        self.people: dict[int, Person | None] = {m.person_id: m.person for m in rotation.members}

    def person(self, person_id: int | None) -> Person | None:
        """Members who have left the rotation since are only in older versions: look them up."""
        if person_id is None:
            return None
        if person_id not in self.people:
            db = Session.object_session(self.rotation)
            if db is None:
                raise AssertionError(
                    "a kept RotationSchedule must have loaded everyone (load_everyone)"
                )
            self.people[person_id] = db.get(Person, person_id)
        return self.people[person_id]

    def load_everyone(self, db: Session) -> None:
        """Everyone any version names, read now (one query): a RotationSchedule kept after its
        session closed (page ingest keeps one) then never needs the database."""
        wanted = {i for rule in self.rules for i in rule.member_ids} - self.people.keys()
        if wanted:
            found = {p.id: p for p in db.scalars(select(Person).where(Person.id.in_(wanted)))}
            self.people.update({i: found.get(i) for i in wanted})

    def _version(self, at: datetime) -> int:
        return bisect.bisect_right(self.starts, at) - 1

    def at(self, at: datetime) -> Person | None:
        i = self._version(at)
        if i < 0:
            return None
        rule = self.rules[i]
        return self.person(rule.member_for(rule.slot(at)))

    def _piece(self, i: int, at: datetime) -> _Piece:
        rule = self.rules[i]
        k = rule.slot(at)
        end = rule.handoff(k + 1)
        limit = self.starts[i + 1] if i + 1 < len(self.starts) else None
        cut = limit is not None and limit < end
        return _Piece(rule.slot_start(k), limit if cut else end, rule.member_for(k), cut)

    def _pieces(self, start: datetime, end: datetime) -> list[_Piece]:
        """Pieces from the one holding `start` (or the first) to the one holding `end`, and the
        pieces before that a mid-slot change split from the first one."""
        at = max(start, self.start)
        out = [self._piece(self._version(at), at)]
        while out[0].start > self.start:  # a mid-slot change begins this piece: look back
            before = self._piece(
                self._version(out[0].start - JUST_BEFORE), out[0].start - JUST_BEFORE
            )
            if not (before.cut and before.member == out[0].member):
                break
            out.insert(0, before)
        while out[-1].end < end:
            nxt = out[-1].end
            out.append(self._piece(self._version(nxt), nxt))
        return out

    def shifts(self, start: datetime, end: datetime) -> list[Shift]:
        """The slots that overlap [start, end), whole at the edges; a slot that a change split
        mid-way is one shift while the same person stays on. Nothing before the start."""
        if end <= self.start:
            return []
        out: list[Shift] = []
        joined = False
        for piece in self._pieces(start, end):
            person = self.person(piece.member)
            if joined and out[-1].end == piece.start and _same(out[-1].person, person):
                out[-1] = Shift(out[-1].start, piece.end, person)
            else:
                out.append(Shift(piece.start, piece.end, person))
            joined = piece.cut
        return out

    def shift_at(self, at: datetime) -> Shift:
        """The rule's shift (no overrides) that holds `at`, which is not before the start."""
        return self.shifts(at, at + JUST_BEFORE)[0]

    def handoffs(self, start: datetime, end: datetime) -> list[datetime]:
        """Where a shift begins, in (start, end]: the rotation's start is one."""
        return [s.start for s in self.shifts(start, end + JUST_BEFORE) if start < s.start <= end]

    @property
    def longest_days(self) -> int:
        return max(rule.shift_days for rule in self.rules)


class Timeline:
    """A rotation with its overrides loaded: answers many questions without the database.
    Nobody is on call before the rotation's start, overrides included."""

    def __init__(self, rotation: Rotation, overrides: list[Override]):
        self.rotation = rotation
        self.schedule = RotationSchedule(rotation)
        self.layers = flatten(overrides)
        self.starts = [layer.start for layer in self.layers]

    def layer_at(self, at: datetime) -> Layer | None:
        i = bisect.bisect_right(self.starts, at) - 1
        if i >= 0 and self.layers[i].end > at:
            return self.layers[i]
        return None

    def at(self, at: datetime) -> Person | None:
        if at < self.schedule.start:
            return None
        layer = self.layer_at(at)
        if layer is not None:
            return layer.override.person
        return self.schedule.at(at)

    def base_shifts(self, start: datetime, end: datetime) -> list[Shift]:
        return self.schedule.shifts(start, end)

    def shifts(self, start: datetime, end: datetime) -> list[Shift]:
        """Every stretch of [start, end) with one person on call; whole shifts at the edges."""
        out: list[Shift] = []
        for shift in self.base_shifts(start, end):
            cursor = shift.start
            i = max(bisect.bisect_right(self.starts, shift.start) - 1, 0)
            for layer in self.layers[i:]:
                if layer.start >= shift.end:
                    break
                if layer.end <= shift.start:
                    continue
                lo, hi = max(layer.start, shift.start), min(layer.end, shift.end)
                if cursor < lo:
                    out.append(Shift(cursor, lo, shift.person))
                out.append(Shift(lo, hi, layer.override.person, layer.override))
                cursor = hi
            if cursor < shift.end:
                out.append(Shift(cursor, shift.end, shift.person))
        return out


def merge_same_person(stretches: list[Shift]) -> list[Shift]:
    """Adjacent stretches with the same person as one (an override across a handoff, say)."""
    out: list[Shift] = []
    for shift in stretches:
        last = out[-1] if out else None
        if last is not None and last.end == shift.start and _same(last.person, shift.person):
            out[-1] = Shift(last.start, shift.end, last.person, last.override or shift.override)
        else:
            out.append(shift)
    return out


def _same(a: Person | None, b: Person | None) -> bool:
    return (a.id if a else None) == (b.id if b else None)


def held_by(on_call: list[Shift], person: Person) -> list[Shift]:
    """The stretches when `person` is on call."""
    return [s for s in on_call if _same(s.person, person)]


def holds_all(on_call: list[Shift], person: Person) -> bool:
    """Whether `person` is on call for every one of the stretches; no stretches are nobody's."""
    return bool(on_call) and all(_same(s.person, person) for s in on_call)
