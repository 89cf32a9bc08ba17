"""Who is on call now, as `/oncall <rotation>` and `/owner <service>` ask it many times a second:
a workspace's rotations (id, name and `schedule_version`) are kept by this process while the
workspace's `schedule_version`, read with who asks, stays the same, and a rotation's timeline
(rule versions, everyone they name, overrides over the coming weeks) while its version does.
Every write that can change who is on call bumps the versions (`models/oncall/versions.py`), in
whichever process makes it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, selectinload

from models.core.kept import Kept
from models.core.people import WorkspaceRef
from models.core.workspace import Workspace
from models.oncall.overrides import overrides_between
from models.oncall.rotations import Rotation, RotationMember
from models.oncall.schedule import Shift, Timeline
from models.oncall.shifts import current_and_next, current_and_next_in, lookahead

AHEAD = timedelta(weeks=6)  # beyond what the rotation itself needs to find who is next


@dataclass(frozen=True)
class RotationRef:
    """A rotation as a request first meets it: enough to find its kept timeline."""

    id: int
    name: str
    version: int


@dataclass
class DayTimeline:
    timeline: Timeline
    start: datetime
    end: datetime
    last: tuple[Shift, Shift] | None = None  # the latest answer while its shift lasts

    def covers(self, start: datetime, end: datetime) -> bool:
        return self.start <= start and end <= self.end

    def current_and_next(self, at: datetime) -> tuple[Shift, Shift | None]:
        """`current_and_next_in`; the answer holds for any time in the current shift once
        who comes next is known (shifts are whole, so a later time finds the same two)."""
        last = self.last
        if last is not None and last[0].start <= at < last[0].end:
            return last
        current, following = current_and_next_in(self.timeline, at)
        if following is not None and at >= self.timeline.schedule.start:
            self.last = (current, following)
        return current, following


_REFS = select(Rotation.id, Rotation.name, Rotation.schedule_version).where(
    Rotation.workspace_id == bindparam("workspace")
)
_REF_BY_ID = select(Rotation.id, Rotation.name, Rotation.schedule_version).where(
    Rotation.id == bindparam("id")
)


@dataclass(frozen=True)
class WorkspaceRotations:
    """A workspace's rotations by name and by id, kept while its `schedule_version` stays."""

    by_name: dict[str, RotationRef]
    by_id: dict[int, RotationRef]


_listed: Kept[WorkspaceRotations] = Kept()
_kept: Kept[DayTimeline] = Kept()


def workspace_rotations(db: Session, workspace: WorkspaceRef) -> WorkspaceRotations:
    """The workspace's rotations, kept by this process while the `schedule_version` read with
    who asks stays the same; read in the request's own transaction when that changed them."""

    def read(own: Session) -> tuple[int, WorkspaceRotations]:
        version = own.scalar(select(Workspace.schedule_version).where(Workspace.id == workspace.id))
        return version or 0, _listing(own, workspace.id)

    kept = _listed.get(db, workspace.id, workspace.schedule_version, read)
    return kept if kept is not None else _listing(db, workspace.id)


def _listing(db: Session, workspace_id: int) -> WorkspaceRotations:
    rows = db.connection().execute(_REFS, {"workspace": workspace_id})
    refs = [RotationRef(*row) for row in rows]
    return WorkspaceRotations({r.name: r for r in refs}, {r.id: r for r in refs})


def rotation_ref(db: Session, workspace: WorkspaceRef, name: str) -> RotationRef | None:
    return workspace_rotations(db, workspace).by_name.get(name.strip().lower())


def rotation_ref_by_id(
    db: Session, rotation_id: int, workspace: WorkspaceRef | None = None
) -> RotationRef | None:
    """With `workspace`, from what is kept of its rotations; without, read now (the version
    a change in this very transaction starts from)."""
    if workspace is not None:
        return workspace_rotations(db, workspace).by_id.get(rotation_id)
    row = db.connection().execute(_REF_BY_ID, {"id": rotation_id}).first()
    return RotationRef(*row) if row else None


_TEAM_REFS = (
    select(Rotation.id, Rotation.name, Rotation.schedule_version)
    .where(Rotation.team_id == bindparam("team"))
    .order_by(Rotation.name)
)


def team_rotation_refs(db: Session, team_id: int) -> list[RotationRef]:
    """A team's rotations, by name: who answers for a service of the team's with no rotation of
    its own."""
    return [RotationRef(*row) for row in db.connection().execute(_TEAM_REFS, {"team": team_id})]


def ref_of(rotation: Rotation) -> RotationRef:
    return RotationRef(rotation.id, rotation.name, rotation.schedule_version)


def on_call_now(db: Session, ref: RotationRef, at: datetime) -> tuple[Shift, Shift | None]:
    """Who is on call at `at` and who is next (`shifts.current_and_next`), from the kept
    timeline when it covers `at`."""
    day = at.replace(hour=0, minute=0, second=0, microsecond=0)
    kept = _kept.get(db, (ref.id, day), ref.version, lambda own: _read(own, ref.id, day))
    if kept is not None:
        needed_end = max(at, kept.timeline.schedule.start) + lookahead(kept.timeline.schedule)
        if kept.covers(at, needed_end):
            return kept.current_and_next(at)
    rotation = db.get(Rotation, ref.id)
    assert rotation is not None
    return current_and_next(db, rotation, at)


def _read(db: Session, rotation_id: int, day: datetime) -> tuple[int | None, DayTimeline | None]:
    """The rotation's timeline from the day before `day` to well past whoever comes next, with
    everyone it names loaded, so it answers without a session. (None, None) for a rotation not
    committed yet (made by the asking request itself): that request reads it then."""
    rotation = db.scalars(
        select(Rotation)
        .where(Rotation.id == rotation_id)
        .options(
            selectinload(Rotation.rules),
            selectinload(Rotation.members).joinedload(RotationMember.person),
        )
    ).first()
    if rotation is None:
        return None, None
    start = day - timedelta(days=1)
    probe = Timeline(rotation, [])
    end = max(day, probe.schedule.start) + lookahead(probe.schedule) + AHEAD
    timeline = Timeline(rotation, overrides_between(db, rotation, start, end=end))
    timeline.schedule.load_everyone(db)
    return rotation.schedule_version, DayTimeline(timeline, start, end)
