"""`Rotation.schedule_version`: one number that says whether who is on call may have changed,
so that a process keeping a Timeline (page ingest) knows when to read it again; and
`Workspace.schedule_version`, bumped with any of its rotations' and when a rotation is added,
renamed or removed, so a process keeps the workspace's rotations by name (`models/oncall/now.py`)
and checks them with the query that reads who asks. Bumped in the same transaction as the
change, by an `after_flush` listener: no writer has to remember it."""

from __future__ import annotations

from sqlalchemy import ColumnElement, event, inspect, or_, select, update
from sqlalchemy.orm import Session

from models.core.base import flushed_changes
from models.core.workspace import Person, bump_workspace_version
from models.oncall.overrides import Override
from models.oncall.rotations import Rotation, RotationMember, RotationRule


@event.listens_for(Session, "after_flush")
def _bump_schedule_versions(session: Session, _context) -> None:
    """In the same transaction as the change: bump `schedule_version` of every rotation whose
    rules, members or overrides changed (not when they were only set again to what they were,
    as an import of an unchanged file does); and when a person's zone or working hours changed
    (the hour class of their pages is read in them), of every rotation in their workspace (a
    rotation's older versions may name them too)."""
    rotation_ids: set[int] = set()
    workspaces: set[int] = set()
    listed: set[int] = set()  # workspaces whose list of rotations changed
    for obj in flushed_changes(session):
        if isinstance(obj, Rotation):
            if obj in session.new or obj in session.deleted:
                listed.add(obj.workspace_id)
            else:
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
    if bumped or listed - {None}:
        bump_schedule_versions(session, or_(*bumped) if bumped else None, listed - {None})


def bump_schedule_versions(
    session: Session, rotations: ColumnElement[bool] | None, workspace_ids: set[int] = frozenset()
) -> None:
    """Bump the `schedule_version` of the rotations `rotations` selects now, and that of their
    workspaces and `workspace_ids` as the transaction commits: taking the workspace's row last,
    a transaction never waits for a rotation while holding it (two that changed rotations in
    turns would deadlock on PostgreSQL), and holds it only for the commit."""
    table = Rotation.__table__
    due = session.info.setdefault(_WORKSPACES_DUE, set())
    due.update(workspace_ids)
    if rotations is not None:
        session.connection().execute(
            update(table).where(rotations).values(schedule_version=table.c.schedule_version + 1)
        )
        due.update(
            session.connection().execute(select(table.c.workspace_id).where(rotations)).scalars()
        )


_WORKSPACES_DUE = "upkeep.schedule_versions_due"  # in `Session.info`: workspace ids to bump


@event.listens_for(Session, "before_commit", insert=True)  # before the commit tells others
def _bump_workspace_versions(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint: the transaction goes on
        return
    session.flush()  # (what the commit would flush may add some)
    due = session.info.pop(_WORKSPACES_DUE, None)
    if not due:
        return
    bump_workspace_version(session, "schedule_version", due)


@event.listens_for(Session, "after_rollback")
def _forget_workspace_versions(session: Session) -> None:
    session.info.pop(_WORKSPACES_DUE, None)


_HOURS_FIELDS = (
    "tz",
    "work_start",
    "work_end",
    "work_days",
    "holiday_country",
    "holiday_region",
)


def _hours_moved(person: Person) -> bool:
    """Whether the person's zone, working hours or public holidays changed (not their name or
    status): kept timelines hold people, and a page's hour class reads all of these."""
    state = inspect(person)
    return any(state.attrs[name].history.has_changes() for name in _HOURS_FIELDS)
