"""Shadow shifts as `/oncall` shows them ("shadowed by ..."): read with the rotation's timeline
and kept while the rotation's `schedule_version` stays the same. Writing a shadow bumps that
version (the listener below), as every write that changes what `/oncall` answers does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, event, or_, select
from sqlalchemy.orm import Session

from models.core.kept import Kept
from models.core.workspace import Person
from models.onboarding.walkthroughs import Shadow
from models.oncall.now import RotationRef
from models.oncall.rotations import Rotation
from models.oncall.versions import bump_schedule_versions

_OVERLAPPING = (  # a rotation's shadows that overlap [start, end)
    Shadow.workspace_id == bindparam("workspace"),
    Shadow.rotation == bindparam("rotation"),
    Shadow.start < bindparam("end"),
    Shadow.end > bindparam("start"),
)
_DURING = select(Shadow).where(*_OVERLAPPING).order_by(Shadow.start)


def shadows_during(
    db: Session, workspace_id: int, rotation: str, *, start: datetime, end: datetime
) -> list[Shadow]:
    """Shadows of a rotation overlapping [start, end)."""
    values = {"workspace": workspace_id, "rotation": rotation, "start": start, "end": end}
    return list(db.scalars(_DURING, values))


@dataclass(frozen=True)
class ShadowSpan:
    start: datetime
    end: datetime
    mention: str


_DAY = timedelta(days=1)
_SPANS = (
    select(Shadow.start, Shadow.end, Person.slack_user_id)
    .join(Person, Person.id == Shadow.person_id)
    .where(*_OVERLAPPING)
    .order_by(Shadow.start)
)
_kept: Kept[tuple[ShadowSpan, ...]] = Kept()


def shadowing_at(db: Session, workspace_id: int, ref: RotationRef, at: datetime) -> list[str]:
    """Mentions of whoever shadows the rotation at `at`, from what is kept for `at`'s day."""
    day = at.replace(hour=0, minute=0, second=0, microsecond=0)

    def read(own: Session) -> tuple[int, tuple[ShadowSpan, ...]]:
        version = own.scalar(select(Rotation.schedule_version).where(Rotation.id == ref.id))
        values = {"workspace": workspace_id, "rotation": ref.name, "start": day, "end": day + _DAY}
        spans = tuple(ShadowSpan(s, e, f"<@{u}>") for s, e, u in own.execute(_SPANS, values))
        return version or 0, spans

    spans = _kept.get(db, (ref.id, day), ref.version, read)
    if spans is None:  # this request's own transaction changed the rotation
        found = shadows_during(db, workspace_id, ref.name, start=at, end=at + timedelta(seconds=1))
        return [s.person.mention for s in found]
    return [s.mention for s in spans if s.start <= at < s.end]


@event.listens_for(Session, "after_flush")
def _bump_shadowed_rotations(session: Session, _context) -> None:
    """A shadow added, moved or removed changes what `/oncall` shows for its rotation."""
    touched = {
        (obj.workspace_id, obj.rotation)
        for obj in (*session.new, *session.dirty, *session.deleted)
        if isinstance(obj, Shadow)
    }
    if not touched:
        return
    table = Rotation.__table__
    which = or_(*(and_(table.c.workspace_id == w, table.c.name == n) for w, n in sorted(touched)))
    bump_schedule_versions(session, which)
