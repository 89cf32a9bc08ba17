"""On-call rotations: shifts computed on read from a rule, with overrides layered on top.

Shift k starts at the k-th handoff from the anchor (k may be negative) and ends at the next one,
so a shift across a DST change is 23 or 25 hours long and there is never a gap or an overlap. A
handoff is a local wall-clock time in the rotation's zone (`models.scheduling.local_instant`:
a time that does not exist moves to the first valid instant after it, an ambiguous one takes its
first occurrence). The person on shift k is active member (k mod n). Overrides never rewrite the
rotation: they are layers where the newest wins."""

from __future__ import annotations

import bisect
import difflib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Time,
    UniqueConstraint,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column, relationship

from models.base import Base, UTCDateTime
from models.errors import NotFound, PermissionDenied, UserError
from models.people import is_lead, is_member
from models.scheduling import local_instant
from models.workspace import Person, Team, Workspace

OPEN = "open"
ACCEPTED = "accepted"
CANCELLED = "cancelled"
MAX_OVERRIDE = timedelta(days=90)


class Rotation(Base):
    """A team's rotation: handoff at local `handoff_time` (on `handoff_weekday` for weekly
    shifts, Mon=0), every `shift_length` days or weeks, counted from `anchor` (a handoff date)."""

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

    team: Mapped[Team] = relationship(lazy="joined")
    members: Mapped[list[RotationMember]] = relationship(
        back_populates="rotation",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="RotationMember.position",
    )

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
        """The shift k with handoff(k) <= at < handoff(k + 1)."""
        local_day = at.astimezone(ZoneInfo(self.tz)).date()
        k = (local_day - self.anchor).days // self.shift_days
        while self.handoff(k) > at:
            k -= 1
        while self.handoff(k + 1) <= at:
            k += 1
        return k

    @property
    def active_members(self) -> list[Person]:
        return [m.person for m in self.members if m.active]

    def person_for(self, k: int, active: list[Person] | None = None) -> Person | None:
        people = self.active_members if active is None else active
        return people[k % len(people)] if people else None


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


class Timeline:
    """A rotation with its overrides loaded: answers many questions without the database."""

    def __init__(self, rotation: Rotation, overrides: list[Override]):
        self.rotation = rotation
        self.active = rotation.active_members
        self.layers = flatten(overrides)
        self.starts = [layer.start for layer in self.layers]

    def layer_at(self, at: datetime) -> Layer | None:
        i = bisect.bisect_right(self.starts, at) - 1
        if i >= 0 and self.layers[i].end > at:
            return self.layers[i]
        return None

    def at(self, at: datetime) -> Person | None:
        layer = self.layer_at(at)
        if layer is not None:
            return layer.override.person
        return self.rotation.person_for(self.rotation.index_at(at), self.active)

    def base_shifts(self, start: datetime, end: datetime) -> list[Shift]:
        rotation = self.rotation
        k = rotation.index_at(start)
        out = []
        begin = rotation.handoff(k)
        while begin < end:
            finish = rotation.handoff(k + 1)
            out.append(Shift(begin, finish, rotation.person_for(k, self.active)))
            k, begin = k + 1, finish
        return out

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


def on_call_at(db: Session, rotation: Rotation, at: datetime) -> Person | None:
    """Who is on call at an instant: the newest override there, else the rotation's person."""
    newest = db.scalar(
        select(Override.person_id)
        .where(Override.rotation_id == rotation.id, Override.start <= at, Override.end > at)
        .order_by(Override.created_at.desc(), Override.id.desc())
        .limit(1)
    )
    if newest is not None:
        return db.get(Person, newest)
    return rotation.person_for(rotation.index_at(at))


def shifts(db: Session, rotation: Rotation, start: datetime, end: datetime) -> list[Shift]:
    """The shifts (after overrides) that overlap [start, end), whole at the edges."""
    tl = Timeline(rotation, [])
    base = tl.base_shifts(start, end)
    if not base:
        return []
    return timeline(db, rotation, base[0].start, base[-1].end).shifts(start, end)


def shift_at(db: Session, rotation: Rotation, at: datetime) -> Shift:
    """The stretch (after overrides) that contains `at`."""
    for shift in shifts(db, rotation, at, at + timedelta(microseconds=1)):
        if shift.start <= at < shift.end:
            return shift
    raise AssertionError("shifts cover every instant")


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
    """Who is on call at `at` and until when, and who comes next (after overrides)."""
    horizon = at + timedelta(days=rotation.shift_days * (len(rotation.members) + 1))
    stretches = merge_same_person(shifts(db, rotation, at, horizon))
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
    on_call = stretches(db, request.rotation, max(request.start, now), request.end)
    theirs = held_by(on_call, request.person)
    if not theirs:
        raise UserError(
            f"{request.person.mention} is no longer on call for any of that time, so there is "
            "nothing left to cover; they can cancel the request."
        )
    if not _decide(db, request, ACCEPTED, {"accepted_by_id": person.id, "decided_at": now}):
        raise UserError(already_decided(request))
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


def describe(rotation: Rotation) -> dict:
    """What the audit log records of a rotation."""
    return {
        "team": rotation.team.name,
        "timezone": rotation.tz,
        "handoff": handoff_text(rotation),
        "every": rotation.every,
        "start": rotation.anchor.isoformat(),
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
    """Members in order; `away` (person ids) are taken out but keep their place."""
    by_person = {m.person_id: m for m in rotation.members}
    members = []
    for position, person in enumerate(people):
        member = by_person.get(person.id) or RotationMember(person_id=person.id, person=person)
        member.position = position
        member.active = person.id not in away
        members.append(member)
    rotation.members[:] = members


def set_active(rotation: Rotation, person: Person, active: bool) -> None:
    for member in rotation.members:
        if member.person_id == person.id:
            if member.active == active:
                state = "in" if active else "out of"
                raise UserError(f"{person.mention} is already {state} {rotation.name}.")
            member.active = active
            return
    raise UserError(f"{person.mention} is not a member of {rotation.name}.")
