"""On-call rotations: a team's rotation, the versions of its rule over time, its members, and
finding them.

A rotation's rule is kept in versions (`RotationRule`), each in force from its `effective_from`
until the next one's, so a change never rewrites the past (`models.oncall.changes`); the first
version begins at the rotation's start. Shifts are computed on read from the versions
(`models.oncall.schedule`)."""

from __future__ import annotations

import difflib
from datetime import date, datetime, time, timedelta

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Time,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.core.base import Base, UTCDateTime
from models.core.errors import NotFound
from models.core.people import is_lead
from models.core.time import local_instant
from models.core.workspace import Person, Team, Workspace
from models.oncall.slots import RuleMath, SlotMath


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
    # Bumped (by `models.oncall.versions`) whenever who is on call may have changed: its rules,
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
        return self.rule_versions()[0].effective_from

    def back_from(self, day: date) -> datetime:
        """When someone out until `day` (inclusive, in the rotation's zone) is back: the first
        handoff after that day."""
        return self.handoff_from(local_instant(day + timedelta(days=1), time(0), self.tz))

    def rule_versions(self) -> list[RotationRule]:
        """The rule's versions in order; a rotation saved without any (built by hand) has its
        settings as the one version, from its start."""
        if self.rules:
            return sorted(self.rules, key=lambda rule: rule.effective_from)
        return [settings_rule(self, self.created_at)]


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
    # Taken out until this day (inclusive, in the rotation's zone): back from the next handoff.
    out_until: Mapped[date | None] = mapped_column(Date)

    rotation: Mapped[Rotation] = relationship(back_populates="members")
    person: Mapped[Person] = relationship(lazy="joined")

    def is_out(self, now: datetime) -> bool:
        """Out of the rotation at `now`: taken out, and not yet back if it was until a day."""
        if self.active:
            return False
        return self.out_until is None or now < self.rotation.back_from(self.out_until)


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
        away_ids=[m.person_id for m in rotation.members if m.is_out(now)],
        created_at=now,
    )


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
    db: Session, workspace: Workspace, name: str, *, usage: str | None = None
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


def member_rotations(db: Session, person: Person) -> list[Rotation]:
    """The rotations the person is in and not taken out of."""
    return list(
        db.scalars(
            select(Rotation)
            .join(RotationMember, RotationMember.rotation_id == Rotation.id)
            .where(RotationMember.person_id == person.id, RotationMember.active.is_(True))
            .order_by(Rotation.name)
        )
    )


def may_change_rotation(rotation: Rotation, person: Person) -> bool:
    """Its team's leads and workspace admins."""
    return person.is_admin or is_lead(rotation.team, person)
