"""Overrides: someone on call for a while instead of whoever the rotation says. They never
rewrite the rotation: they are layers where the newest wins (`models.oncall.schedule`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column, relationship

from models.core.base import Base, UTCDateTime
from models.core.errors import NotFound, PermissionDenied, UserError
from models.core.workspace import Person, Team, Workspace
from models.oncall.rotations import Rotation, may_change_rotation

MAX_OVERRIDE = timedelta(days=90)


class PersonSpan:
    """A stretch of a rotation that concerns one person: an override, a cover request."""

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


class Override(PersonSpan, Base):
    """`person` is on call from `start` to `end` instead of whoever the layers below say."""

    __tablename__ = "oncall_overrides"

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))

    created_by: Mapped[Person | None] = relationship(foreign_keys=[created_by_id])


def check_span(start: datetime, end: datetime, now: datetime, *, usage: str | None = None) -> None:
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
    *,
    start: datetime,
    end: datetime,
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


def overrides_between(db: Session, rotation: Rotation, start: datetime, *, end: datetime):
    return list(
        db.scalars(
            select(Override).where(
                Override.rotation_id == rotation.id, Override.start < end, Override.end > start
            )
        )
    )


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
        may_change_rotation(override.rotation, person)
        or override.created_by_id == person.id
        or override.person_id == person.id
    )


def remove_override(db: Session, override: Override, person: Person) -> None:
    if not can_remove(override, person):
        raise PermissionDenied(
            f"Only {override.rotation.team.possessive} leads, a workspace admin, whoever made this "
            "override or whoever it puts on call can remove it.",
            team=override.rotation.team,
        )
    db.delete(override)
    db.flush()
