"""On-call rotations: shifts computed on read from a rule, with overrides layered on top.

A rotation's rule is kept in versions (`RotationRule`), each in force from its `effective_from`
until the next one's, so a change never rewrites the past: settings changed from Slack or the
config file take effect at the next handoff (the current shift keeps its person and its end),
taking someone out takes effect at once, and the first version begins at the rotation's start.
Before the start nobody is on call: no shifts, no handoffs, no hours.

Within a version, slot k starts at the k-th handoff from its anchor and ends at the next one, so
a shift across a DST change is 23 or 25 hours long and there is never a gap or an overlap. A
handoff is a local wall-clock time in the rule's zone (`models.core.time.local_instant`: a time
that does not exist moves to the first valid instant after it, an ambiguous one takes its first
occurrence). Slot k belongs to member (k + offset) mod n, counting everyone, in or out; a member
who is out keeps their slots, which the others take in turn (the next member first), so nobody
else's shifts move. Overrides never rewrite the rotation: they are layers where the newest
wins."""

from __future__ import annotations

import bisect
import difflib
import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Time,
    UniqueConstraint,
    bindparam,
    event,
    inspect,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column, relationship

from models.core.base import Base, UTCDateTime
from models.core.errors import NotFound, PermissionDenied, UserError
from models.core.people import is_lead, is_member
from models.core.time import local_instant
from models.core.workspace import Person, Team, Workspace

OPEN = "open"
ACCEPTED = "accepted"
CANCELLED = "cancelled"
MAX_OVERRIDE = timedelta(days=90)
# What a version of a rotation's rule holds.
RULE_FIELDS = (
    "effective_from",
    "tz",
    "handoff_time",
    "handoff_weekday",
    "shift_length",
    "shift_unit",
    "anchor",
    "slot_offset",
    "member_ids",
    "away_ids",
)


class RuleMath:
    """Handoff arithmetic of a rule: handoff at local `handoff_time` (on `handoff_weekday` for
    weekly shifts, Mon=0), every `shift_length` days or weeks, counted from `anchor` (a handoff
    date). Shared by a rotation's settings and each version of its rule."""

    tz: str
    handoff_time: time
    handoff_weekday: int | None
    shift_length: int
    shift_unit: str
    anchor: date

    @property
    def shift_days(self) -> int:
        return self.shift_length * (7 if self.shift_unit == "w" else 1)

    @property
    def every(self) -> str:
        return f"{self.shift_length}{self.shift_unit}"

    def handoff(self, k: int) -> datetime:
        """The k-th handoff from the anchor, as a UTC instant."""
        day = self.anchor + timedelta(days=k * self.shift_days)
        return local_instant(day, self.handoff_time, self.tz)

    def index_at(self, at: datetime) -> int:
        """The k with handoff(k) <= at < handoff(k + 1)."""
        local_day = at.astimezone(ZoneInfo(self.tz)).date()
        k = (local_day - self.anchor).days // self.shift_days
        while self.handoff(k) > at:
            k -= 1
        while self.handoff(k + 1) <= at:
            k += 1
        return k


class SlotMath(RuleMath):
    """Who holds which slot under one version of a rule (see `RotationRule`)."""

    effective_from: datetime
    slot_offset: int
    member_ids: Sequence[int]
    away_ids: Collection[int]

    def slot(self, at: datetime) -> int:
        """The slot that `at` (not before `effective_from`) falls in."""
        k = self.index_at(at)
        return k if k >= 0 else -1

    def slot_start(self, k: int) -> datetime:
        return self.effective_from if k < 0 else max(self.handoff(k), self.effective_from)

    def next_handoff(self, at: datetime) -> datetime:
        return self.handoff(self.slot(at) + 1)

    def owner(self, k: int) -> int | None:
        """Whose slot k is (in or out)."""
        ids = self.member_ids
        return ids[(k + self.slot_offset) % len(ids)] if ids else None

    def member_for(self, k: int) -> int | None:
        """Who is on call in slot k: its owner, or if they are out, one of the others in turn
        (the next member in order first, the one after that on the owner's next turn)."""
        ids, away = self.member_ids, self.away_ids
        owner = self.owner(k)
        if owner is None or owner not in away:
            return owner
        n = len(ids)
        turn = k + self.slot_offset
        pos = turn % n
        others = [ids[(pos + j) % n] for j in range(1, n) if ids[(pos + j) % n] not in away]
        if not others:
            return None
        out_before = sum(1 for pid in ids[:pos] if pid in away)  # spreads several people's gaps
        return others[(turn // n + out_before) % len(others)]


class FrozenRule(SlotMath):
    """A version of a rule copied out of its row into plain attributes: the hot paths (page
    ingest, schedules) ask it thousands of times."""

    __slots__ = RULE_FIELDS

    def __init__(self, rule: RotationRule):
        for name in RULE_FIELDS:
            setattr(self, name, getattr(rule, name))
        self.member_ids = tuple(rule.member_ids)
        self.away_ids = frozenset(rule.away_ids)


class Rotation(RuleMath, Base):
    """A team's rotation as last configured: the settings the next change starts from, and what
    `/oncall set` and `upkeep export` show. `anchor` is the configured start (the first handoff
    date). Who is on call when comes from `rules`, the versions of the rule over time."""

    __tablename__ = "rotations"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    tz: Mapped[str] = mapped_column(String(64))
    handoff_time: Mapped[time] = mapped_column(Time)
    handoff_weekday: Mapped[int | None] = mapped_column(Integer)
    shift_length: Mapped[int] = mapped_column(Integer, default=1)
    shift_unit: Mapped[str] = mapped_column(String(1), default="w")  # "d" or "w"
    anchor: Mapped[date] = mapped_column(Date)
    channel_id: Mapped[str | None] = mapped_column(String(32))
    reminder_hours: Mapped[int] = mapped_column(Integer, default=24)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Bumped (by `_bump_schedule_versions`) whenever who is on call may have changed: its rules,
    # members, overrides, or a person's zone or hours. A process that keeps a Timeline (page
    # ingest) reads this one number to know whether it is still right.
    schedule_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    team: Mapped[Team] = relationship(lazy="joined")
    members: Mapped[list[RotationMember]] = relationship(
        back_populates="rotation",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="RotationMember.position",
    )
    rules: Mapped[list[RotationRule]] = relationship(
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="RotationRule.effective_from",
    )

    @property
    def begins_at(self) -> datetime:
        """When the first shift starts: nobody is on call in this rotation before."""
        return schedule_rules(self)[0].effective_from


class RotationRule(SlotMath, Base):
    """One version of a rotation's rule, in force from `effective_from` until the next version's.

    Slot k (from the k-th handoff after `anchor` to the next) belongs to member
    `(k + slot_offset) mod n` of `member_ids`. A version that starts between handoffs (a change
    of rule) has one first shift, slot -1, from `effective_from` to `handoff(0)`."""

    __tablename__ = "rotation_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    rotation_id: Mapped[int] = mapped_column(
        ForeignKey("rotations.id", ondelete="CASCADE"), index=True
    )
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime)
    tz: Mapped[str] = mapped_column(String(64))
    handoff_time: Mapped[time] = mapped_column(Time)
    handoff_weekday: Mapped[int | None] = mapped_column(Integer)
    shift_length: Mapped[int] = mapped_column(Integer)
    shift_unit: Mapped[str] = mapped_column(String(1))
    anchor: Mapped[date] = mapped_column(Date)
    slot_offset: Mapped[int] = mapped_column(Integer, default=0)
    member_ids: Mapped[list[int]] = mapped_column(JSON)  # people.id, in rotation order
    away_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # members who are out
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RotationMember(Base):
    """A person's place in a rotation; `active=False` takes them out without losing the place."""

    __tablename__ = "rotation_members"

    rotation_id: Mapped[int] = mapped_column(
        ForeignKey("rotations.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    rotation: Mapped[Rotation] = relationship(back_populates="members")
    person: Mapped[Person] = relationship(lazy="joined")


class _Span:
    """A stretch of a rotation that concerns one person."""

    id: Mapped[int] = mapped_column(primary_key=True)
    rotation_id: Mapped[int] = mapped_column(
        ForeignKey("rotations.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @declared_attr
    def rotation(cls) -> Mapped[Rotation]:
        return relationship("Rotation")

    @declared_attr
    def person(cls) -> Mapped[Person]:
        return relationship("Person", foreign_keys=f"{cls.__name__}.person_id", lazy="joined")


class Override(_Span, Base):
    """`person` is on call from `start` to `end` instead of whoever the layers below say."""

    __tablename__ = "oncall_overrides"

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))

    created_by: Mapped[Person | None] = relationship(foreign_keys=[created_by_id])


class CoverRequest(_Span, Base):
    """`person` asks for cover: the first to accept gets an override; the asker can cancel."""

    __tablename__ = "cover_requests"

    asked_by_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default=OPEN)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    override_id: Mapped[int | None] = mapped_column(  # the first, if accepting made several
        ForeignKey("oncall_overrides.id", ondelete="SET NULL")
    )
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    asked_by: Mapped[Person] = relationship(foreign_keys=[asked_by_id], lazy="joined")
    accepted_by: Mapped[Person | None] = relationship(foreign_keys=[accepted_by_id])


class CalendarFeed(Base):
    """An unguessable token for one iCalendar feed: a rotation's, or a person's shifts."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    rotation_id: Mapped[int | None] = mapped_column(
        ForeignKey("rotations.id", ondelete="CASCADE"), unique=True
    )
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    rotation: Mapped[Rotation | None] = relationship(lazy="joined")
    person: Mapped[Person | None] = relationship(lazy="joined")


# -- computing who is on call ------------------------------------------------------------------


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


JUST_BEFORE = timedelta(microseconds=1)


@dataclass(frozen=True)
class _Piece:
    """Part of a slot under one rule version; `cut` when a later version starts mid-slot."""

    start: datetime
    end: datetime
    member: int | None
    cut: bool


def schedule_rules(rotation: Rotation) -> list[RotationRule]:
    """The rotation's rule versions in order; a rotation saved without any (built by hand) has
    its settings as the one version, from its start."""
    if rotation.rules:
        return sorted(rotation.rules, key=lambda rule: rule.effective_from)
    return [settings_rule(rotation, rotation.created_at)]


class Schedule:
    """Who the rule versions put on call (before overrides), without the database."""

    def __init__(self, rotation: Rotation):
        self.rotation = rotation
        self.rules = [FrozenRule(rule) for rule in schedule_rules(rotation)]
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
                raise AssertionError("a kept Schedule must have loaded everyone (load_everyone)")
            self.people[person_id] = db.get(Person, person_id)
        return self.people[person_id]

    def load_everyone(self, db: Session) -> None:
        """Everyone any version names, read now (one query): a Schedule kept after its session
        closed (page ingest keeps one) then never needs the database."""
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
        self.schedule = Schedule(rotation)
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


def overrides_between(db: Session, rotation: Rotation, start: datetime, end: datetime):
    return list(
        db.scalars(
            select(Override).where(
                Override.rotation_id == rotation.id, Override.start < end, Override.end > start
            )
        )
    )


def timeline(db: Session, rotation: Rotation, start: datetime, end: datetime) -> Timeline:
    """Enough of the rotation to answer for [start, end)."""
    return Timeline(rotation, overrides_between(db, rotation, start, end))


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
    schedule = Schedule(rotation)
    if at < schedule.start:
        return None
    newest = db.scalar(_NEWEST_OVERRIDE, {"rotation": rotation.id, "at": at})
    if newest is not None:
        return db.get(Person, newest)
    return schedule.at(at)


def shifts(db: Session, rotation: Rotation, start: datetime, end: datetime) -> list[Shift]:
    """The shifts (after overrides) that overlap [start, end), whole at the edges."""
    base = Schedule(rotation).shifts(start, end)
    if not base:
        return []
    return timeline(db, rotation, base[0].start, base[-1].end).shifts(start, end)


def handoffs(rotation: Rotation, start: datetime, end: datetime) -> list[datetime]:
    """The rotation's handoff instants in (start, end] (its start is the first)."""
    return Schedule(rotation).handoffs(start, end)


def shift_at(db: Session, rotation: Rotation, at: datetime) -> Shift:
    """The stretch (after overrides) that contains `at`; before the start, nobody until then."""
    for shift in shifts(db, rotation, at, at + JUST_BEFORE):
        if shift.start <= at < shift.end:
            return shift
    return Shift(at, rotation.begins_at, None)


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


def stretches(db: Session, rotation: Rotation, start: datetime, end: datetime) -> list[Shift]:
    """Who is on call in [start, end), cut to it: one stretch per person in turn."""
    out = []
    for shift in merge_same_person(shifts(db, rotation, start, end)):
        lo, hi = max(shift.start, start), min(shift.end, end)
        if lo < hi:
            out.append(Shift(lo, hi, shift.person, shift.override))
    return out


def held_by(on_call: list[Shift], person: Person) -> list[Shift]:
    """The stretches when `person` is on call."""
    return [s for s in on_call if _same(s.person, person)]


def holds_all(on_call: list[Shift], person: Person) -> bool:
    """Whether `person` is on call for every one of the stretches; no stretches are nobody's."""
    return bool(on_call) and all(_same(s.person, person) for s in on_call)


def current_and_next(db: Session, rotation: Rotation, at: datetime) -> tuple[Shift, Shift | None]:
    """Who is on call at `at` and until when, and who comes next (after overrides). Before the
    rotation's start, nobody is on call until then."""
    schedule = Schedule(rotation)
    begin = max(at, schedule.start)
    days = schedule.longest_days * (max(len(r.member_ids) for r in schedule.rules) + 1)
    stretches = merge_same_person(shifts(db, rotation, begin, begin + timedelta(days=days)))
    if at < schedule.start:
        return Shift(at, schedule.start, None), (stretches[0] if stretches else None)
    current = next(s for s in stretches if s.start <= at < s.end)
    following = next((s for s in stretches if s.start >= current.end), None)
    return current, following


# -- finding and changing ------------------------------------------------------------------------


def rotations_of(db: Session, workspace: Workspace, teams: list[Team] | None = None):
    query = select(Rotation).where(Rotation.workspace_id == workspace.id)
    if teams is not None:
        query = query.where(Rotation.team_id.in_([t.id for t in teams]))
    return list(db.scalars(query.order_by(Rotation.name)))


def lookup_rotation(db: Session, workspace: Workspace, name: str) -> Rotation | None:
    return db.scalar(
        select(Rotation).where(
            Rotation.workspace_id == workspace.id, Rotation.name == name.strip().lower()
        )
    )


def find_rotation(
    db: Session, workspace: Workspace, name: str, usage: str | None = None
) -> Rotation:
    rotation = lookup_rotation(db, workspace, name)
    if rotation is not None:
        return rotation
    known = [r.name for r in rotations_of(db, workspace)]
    guess = difflib.get_close_matches(name.lower(), known, n=3, cutoff=0.5)
    if guess:
        hint = " Did you mean " + " or ".join(f"`{g}`" for g in guess) + "?"
    elif known:
        hint = f" Rotations: {', '.join(known)}."
    else:
        hint = " No rotations are set up yet."
    raise NotFound(f"There is no rotation called `{name}`.{hint}", usage)


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


def can_edit(rotation: Rotation, person: Person) -> bool:
    return person.is_admin or is_lead(rotation.team, person)


def belongs(rotation: Rotation, person: Person) -> bool:
    """Whether the person may cover in this rotation: team people and rotation members."""
    in_rotation = any(m.person_id == person.id for m in rotation.members)
    return in_rotation or is_member(rotation.team, person) or can_edit(rotation, person)


def check_span(start: datetime, end: datetime, now: datetime, usage: str | None = None) -> None:
    if end <= start:
        raise UserError("The end must be after the start.", usage)
    if end <= now:
        raise UserError("That time is already over.", usage)
    if end - start > MAX_OVERRIDE:
        raise UserError(f"That is longer than {MAX_OVERRIDE.days} days; split it up.", usage)


def add_override(
    db: Session,
    rotation: Rotation,
    person: Person,
    start: datetime,
    end: datetime,
    *,
    reason: str,
    created_by: Person | None,
    now: datetime,
) -> Override:
    override = Override(
        rotation_id=rotation.id,
        rotation=rotation,
        person_id=person.id,
        person=person,
        start=start,
        end=end,
        reason=reason[:300],
        created_by_id=created_by.id if created_by else None,
        created_at=now,
    )
    db.add(override)
    db.flush()
    return override


def upcoming_overrides(db: Session, rotation: Rotation, now: datetime) -> list[Override]:
    """Overrides not over yet, soonest first."""
    return list(
        db.scalars(
            select(Override)
            .where(Override.rotation_id == rotation.id, Override.end > now)
            .order_by(Override.start, Override.id)
        )
    )


def get_override(db: Session, workspace: Workspace, override_id: int) -> Override:
    found = db.scalar(
        select(Override)
        .join(Rotation, Rotation.id == Override.rotation_id)
        .join(Team, Team.id == Rotation.team_id)
        .where(Override.id == override_id, Team.workspace_id == workspace.id)
    )
    if found is None:
        raise NotFound("That override no longer exists.")
    return found


def can_remove(override: Override, person: Person) -> bool:
    """Leads and admins, whoever made the override, and whoever it puts on call."""
    return (
        can_edit(override.rotation, person)
        or override.created_by_id == person.id
        or override.person_id == person.id
    )


def remove_override(db: Session, override: Override, person: Person) -> None:
    if not can_remove(override, person):
        raise PermissionDenied(
            f"Only {override.rotation.team.name}'s leads, a workspace admin, whoever made this "
            "override or whoever it puts on call can remove it."
        )
    db.delete(override)
    db.flush()


def open_cover_requests(db: Session, rotation: Rotation, start: datetime, end: datetime):
    return list(
        db.scalars(
            select(CoverRequest).where(
                CoverRequest.rotation_id == rotation.id,
                CoverRequest.status == OPEN,
                CoverRequest.start < end,
                CoverRequest.end > start,
            )
        )
    )


def request_cover(
    db: Session,
    rotation: Rotation,
    person: Person,
    asked_by: Person,
    start: datetime,
    end: datetime,
    *,
    reason: str,
    now: datetime,
) -> CoverRequest:
    clash = open_cover_requests(db, rotation, start, end)
    if clash:
        raise UserError(
            f"There is already an open cover request in {rotation.name} that overlaps that time "
            f"(for {clash[0].person.mention}). Cancel it first, or pick another time."
        )
    request = CoverRequest(
        rotation_id=rotation.id,
        rotation=rotation,
        person_id=person.id,
        person=person,
        asked_by_id=asked_by.id,
        asked_by=asked_by,
        start=start,
        end=end,
        reason=reason[:300],
        status=OPEN,
        channel_id=rotation.channel_id or rotation.team.channel_id,
        created_at=now,
    )
    db.add(request)
    db.flush()
    return request


def get_cover_request(db: Session, workspace: Workspace, request_id: int) -> CoverRequest:
    request = db.get(CoverRequest, request_id)
    if request is None or request.rotation.workspace_id != workspace.id:
        raise NotFound("That cover request no longer exists.")
    return request


def _decide(db: Session, request: CoverRequest, status: str, values: dict) -> bool:
    """Moves an open request to `status`; False if someone else decided it first (race-safe:
    the row only changes while it is still open)."""
    result = db.execute(
        update(CoverRequest)
        .where(CoverRequest.id == request.id, CoverRequest.status == OPEN)
        .values(status=status, **values)
        .execution_options(synchronize_session=False)
    )
    db.refresh(request)
    return result.rowcount == 1


def accept_cover(
    db: Session, request: CoverRequest, person: Person, now: datetime
) -> list[Override]:
    """Puts `person` on call for what is still the asker's of the request, from now on: the
    schedule may have changed since they asked. One override per stretch of theirs."""
    # A stale button first says what became of the request, whoever presses it.
    if request.status != OPEN:
        raise UserError(already_decided(request))
    if person.id == request.person_id:
        raise UserError("That's your own shift: someone else has to cover it.")
    if not belongs(request.rotation, person):
        raise UserError(f"Only people on {request.rotation.team.name} can cover this shift.")
    if request.end <= now:
        raise UserError("That shift is already over.")
    # Claimed before the schedule is read: of two people pressing at once, the second waits
    # for the first's claim and is told who took it, not that the asker's time is now covered.
    # (An error below rolls the claim back with everything else.)
    if not _decide(db, request, ACCEPTED, {"accepted_by_id": person.id, "decided_at": now}):
        raise UserError(already_decided(request))
    on_call = stretches(db, request.rotation, max(request.start, now), request.end)
    theirs = held_by(on_call, request.person)
    if not theirs:
        raise UserError(
            f"{request.person.mention} is no longer on call for any of that time, so there is "
            "nothing left to cover; they can cancel the request."
        )
    reason = f"covering for {request.person.display_name}"
    if request.reason:
        reason += f": {request.reason}"
    made = [
        add_override(
            db,
            request.rotation,
            person,
            stretch.start,
            stretch.end,
            reason=reason,
            created_by=person,
            now=now,
        )
        for stretch in theirs
    ]
    request.override_id = made[0].id
    return made


def cancel_cover(db: Session, request: CoverRequest, person: Person, now: datetime) -> None:
    if request.status != OPEN:
        raise UserError(already_decided(request))
    allowed = person.id in (request.person_id, request.asked_by_id)
    if not (allowed or can_edit(request.rotation, person)):
        raise UserError("Only the person who asked (or a team lead) can cancel this request.")
    if not _decide(db, request, CANCELLED, {"decided_at": now}):
        raise UserError(already_decided(request))


def withdraw_cover(db: Session, request_id: int, now: datetime) -> None:
    """A request that was never asked in its channel (the post failed) is cancelled: nobody can
    take or cancel it there, and it would stand in the way of asking again."""
    _decide(db, db.get_one(CoverRequest, request_id), CANCELLED, {"decided_at": now})


def already_decided(request: CoverRequest) -> str:
    if request.status == ACCEPTED and request.accepted_by is not None:
        return f"Too late: {request.accepted_by.mention} already covers this shift."
    return "That cover request was cancelled."


def feed_for(
    db: Session,
    workspace: Workspace,
    now: datetime,
    *,
    rotation: Rotation | None = None,
    person: Person | None = None,
) -> tuple[CalendarFeed, bool]:
    """The calendar feed of a rotation or a person, made on first use; (feed, created)."""
    query = select(CalendarFeed).where(CalendarFeed.workspace_id == workspace.id)
    if rotation is not None:
        query = query.where(CalendarFeed.rotation_id == rotation.id)
    else:
        assert person is not None
        query = query.where(CalendarFeed.person_id == person.id)
    feed = db.scalar(query)
    if feed is not None:
        return feed, False
    feed = CalendarFeed(
        workspace_id=workspace.id,
        token=secrets.token_urlsafe(24),
        rotation_id=rotation.id if rotation else None,
        rotation=rotation,
        person_id=person.id if person else None,
        person=person,
        created_at=now,
    )
    db.add(feed)
    db.flush()
    return feed, True


def feed_by_token(db: Session, token: str) -> CalendarFeed | None:
    return db.scalar(select(CalendarFeed).where(CalendarFeed.token == token))


def person_shifts(db: Session, person: Person, start: datetime, end: datetime):
    """(rotation, shift) for each stretch the person is on call in [start, end), in time order."""
    found = [
        (rotation, shift)
        for rotation in rotations_with(db, person)
        for shift in shifts(db, rotation, start, end)
        if shift.person is not None and shift.person.id == person.id and shift.end > start
    ]
    return sorted(found, key=lambda pair: (pair[1].start, pair[0].name))


def start_as_written(rotation: Rotation) -> date:
    """The start as a config file gives it: the configured start, or, once the handoff day
    changed since, the first day on or after it with a handoff (so the file also imports into
    an empty workspace, and re-importing it here changes nothing)."""
    day = rotation.anchor
    if rotation.handoff_weekday is not None:
        day += timedelta(days=(rotation.handoff_weekday - day.weekday()) % 7)
    return day


def describe(rotation: Rotation) -> dict:
    """What the audit log records of a rotation."""
    return {
        "team": rotation.team.name,
        "timezone": rotation.tz,
        "handoff": handoff_text(rotation),
        "every": rotation.every,
        "start": start_as_written(rotation).isoformat(),
        "members": [m.person.slack_user_id for m in rotation.members],
        "away": [m.person.slack_user_id for m in rotation.members if not m.active],
        "channel": rotation.channel_id,
        "reminder_hours": rotation.reminder_hours,
    }


WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def handoff_text(rotation: Rotation) -> str:
    at = rotation.handoff_time.strftime("%H:%M")
    if rotation.handoff_weekday is None:
        return at
    return f"{WEEKDAYS[rotation.handoff_weekday]} {at}"


def set_members(rotation: Rotation, people: list[Person], away: set[int]) -> None:
    """Members in order; `away` (person ids) are taken out but keep their place. Call
    `reschedule` to make the change count."""
    by_person = {m.person_id: m for m in rotation.members}
    members = []
    for position, person in enumerate(people):
        member = by_person.get(person.id) or RotationMember(person_id=person.id, person=person)
        member.position = position
        member.active = person.id not in away
        members.append(member)
    rotation.members[:] = members


def set_active(rotation: Rotation, person: Person, active: bool, now: datetime) -> datetime:
    """Takes someone out at once (the others take their slots in turn, the rest of the current
    one included), or puts them back from the next handoff (nobody's shift is cut short). When
    it takes effect."""
    for member in rotation.members:
        if member.person_id == person.id:
            if member.active == active:
                state = "in" if active else "out of"
                raise UserError(f"{person.mention} is already {state} {rotation.name}.")
            member.active = active
            return reschedule(rotation, now, from_now=not active)
    raise UserError(f"{person.mention} is not a member of {rotation.name}.")


# -- rule versions -------------------------------------------------------------------------------


def settings_rule(rotation: Rotation, now: datetime) -> RotationRule:
    """The rotation's settings as a rule that begins at the configured start with the first
    member (not added to the rotation)."""
    return RotationRule(
        effective_from=rotation.handoff(0),
        tz=rotation.tz,
        handoff_time=rotation.handoff_time,
        handoff_weekday=rotation.handoff_weekday,
        shift_length=rotation.shift_length,
        shift_unit=rotation.shift_unit,
        anchor=rotation.anchor,
        slot_offset=0,
        member_ids=[m.person_id for m in rotation.members],
        away_ids=[m.person_id for m in rotation.members if not m.active],
        created_at=now,
    )


def reschedule(rotation: Rotation, now: datetime, *, from_now: bool = False) -> datetime:
    """Brings the rule versions in line with the rotation's (changed) settings without touching
    anything before `now`, and says from when the change counts:

    - a rotation that hasn't started yet simply gets its settings, from its start;
    - a start still to come (a restart) begins the new rule then, with the first member;
    - otherwise the new rule begins at the next handoff of the rule in force, so the current
      shift keeps its person and its end, and the first shift goes to whoever is next;
    - with `from_now`, people newly out are out at once, even in the middle of their shift.

    Versions that had not begun yet are replaced: the settings already hold every change."""
    wanted = settings_rule(rotation, now)
    for rule in [rule for rule in rotation.rules if rule.effective_from > now]:
        rotation.rules.remove(rule)
    history = sorted(rotation.rules, key=lambda rule: rule.effective_from)
    if not history:
        return _add_rule(rotation, wanted).effective_from
    base = history[-1]
    if from_now:
        newly_out = [pid for pid in wanted.away_ids if pid in base.member_ids]
        away = sorted(set(base.away_ids) | set(newly_out))  # those coming back still wait
        if set(away) != set(base.away_ids):
            base = _add_rule(rotation, _copy_rule(base, now, away, now))
    if wanted.effective_from > now:
        return _add_rule(rotation, wanted).effective_from
    at = base.next_handoff(now)
    if not _same_phase(base, wanted):
        return _add_rule(rotation, _phased(base, wanted, at)).effective_from
    if set(base.away_ids) != set(wanted.away_ids):
        return _add_rule(rotation, _copy_rule(base, at, wanted.away_ids, now)).effective_from
    return now


def pending_change(rotation: Rotation, now: datetime) -> datetime | None:
    """When the next version of the rule begins, if one is waiting."""
    return min((r.effective_from for r in rotation.rules if r.effective_from > now), default=None)


def _add_rule(rotation: Rotation, rule: RotationRule) -> RotationRule:
    """Appends a version; one that begins at the same instant as the last replaces it."""
    last = max(rotation.rules, key=lambda r: r.effective_from, default=None)
    if last is not None and last.effective_from == rule.effective_from:
        for name in RULE_FIELDS:
            setattr(last, name, getattr(rule, name))
        return last
    rotation.rules.append(rule)
    return rule


def _copy_rule(rule: RotationRule, at: datetime, away: list[int], now: datetime) -> RotationRule:
    fields = {name: getattr(rule, name) for name in RULE_FIELDS}
    fields.update(effective_from=at, member_ids=list(rule.member_ids), away_ids=list(away))
    return RotationRule(**fields, created_at=now)


def _same_phase(a: RotationRule, b: RotationRule) -> bool:
    """Same handoffs and same order: only who is out may differ."""
    keys = ("tz", "handoff_time", "handoff_weekday", "shift_length", "shift_unit", "member_ids")
    return all(getattr(a, key) == getattr(b, key) for key in keys)


def _phased(base: RotationRule, wanted: RotationRule, at: datetime) -> RotationRule:
    """`wanted` from the handoff `at` of `base`: its first shift runs from `at` to the new rule's
    first handoff (`at` itself if it is one, else the first at least half a shift later, so
    nobody gets a stub of a shift), and goes to whoever comes after the outgoing slot's owner
    in the new order."""
    day = at.astimezone(ZoneInfo(wanted.tz)).date()
    step = 1
    if wanted.handoff_weekday is not None:
        day += timedelta(days=(wanted.handoff_weekday - day.weekday()) % 7)
        step = 7
    soonest = at + timedelta(days=wanted.shift_days) / 2
    first = local_instant(day, wanted.handoff_time, wanted.tz)
    while first != at and first < soonest:
        day += timedelta(days=step)
        first = local_instant(day, wanted.handoff_time, wanted.tz)
    k = 0 if first == at else -1
    ids = wanted.member_ids
    following = _next_member(base, base.slot(at - JUST_BEFORE), ids)
    fields = {name: getattr(wanted, name) for name in RULE_FIELDS}
    fields.update(effective_from=at, anchor=day, slot_offset=(following - k) % max(len(ids), 1))
    return RotationRule(**fields, created_at=wanted.created_at)


def _next_member(base: RotationRule, k: int, ids: list[int]) -> int:
    """The position in `ids` of whoever follows the owner of `base`'s slot k: the one after
    them in the new order if they stay, else the first of base's next members who stays."""
    old = base.member_ids
    if not old or not ids:
        return 0
    pos = (k + base.slot_offset) % len(old)
    if old[pos] in ids:
        return (ids.index(old[pos]) + 1) % len(ids)
    for j in range(1, len(old)):
        candidate = old[(pos + j) % len(old)]
        if candidate in ids:
            return ids.index(candidate)
    return 0


# -- the schedule's version ------------------------------------------------------------------


@event.listens_for(Session, "after_flush")
def _bump_schedule_versions(session: Session, _context) -> None:
    """In the same transaction as the change: bump `schedule_version` of every rotation whose
    rules, members or overrides were written; and when a person's zone or working hours changed
    (the hour class of their pages is read in them), of every rotation in their workspace (a
    rotation's older versions may name them too)."""
    rotation_ids: set[int] = set()
    workspaces: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Rotation):
            if obj not in session.new:
                rotation_ids.add(obj.id)
        elif isinstance(obj, RotationRule | RotationMember | Override):
            rotation_ids.add(obj.rotation_id)
        elif isinstance(obj, Person) and obj in session.dirty and _hours_moved(obj):
            workspaces.add(obj.workspace_id)
    rotation_ids.discard(None)
    table = Rotation.__table__
    bumped = []
    if rotation_ids:
        bumped.append(table.c.id.in_(sorted(rotation_ids)))
    if workspaces:  # rare: every rotation that could name them
        bumped.append(table.c.workspace_id.in_(sorted(workspaces)))
    if bumped:
        session.connection().execute(
            update(table).where(or_(*bumped)).values(schedule_version=table.c.schedule_version + 1)
        )


_HOURS_FIELDS = ("tz", "work_start", "work_end", "work_days")


def _hours_moved(person: Person) -> bool:
    """Whether the person's zone or working hours changed (not their name or status)."""
    state = inspect(person)
    return any(state.attrs[name].history.has_changes() for name in _HOURS_FIELDS)
