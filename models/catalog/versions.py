"""`Workspace.catalog_version`: one number that says whether what a service card shows may have
changed, so that a process keeping the name index and the cards knows when to read them again.
Services bump it where they change (`catalog_changed`); what a card shows of others (a team's
name and leads, a DRI who left, a rotation's name) bumps it here, in the same transaction, by an
`after_flush` listener: no writer has to remember it."""

from __future__ import annotations

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from models.core.base import flushed_changes
from models.core.workspace import Person, Team, TeamMember, bump_workspace_version
from models.oncall.rotations import Rotation


@event.listens_for(Session, "after_flush")
def _bump_catalog_versions(session: Session, _context) -> None:
    workspaces: set[int] = set()
    team_ids: set[int] = set()
    for obj in flushed_changes(session):
        if isinstance(obj, Team):
            workspaces.add(obj.workspace_id)
        elif isinstance(obj, TeamMember):
            team_ids.add(obj.team_id)
        elif _shown_field_changed(session, obj):
            workspaces.add(obj.workspace_id)
    if team_ids - {None}:
        teams = Team.__table__
        found = session.connection().execute(
            select(teams.c.workspace_id).where(teams.c.id.in_(sorted(team_ids - {None})))
        )
        workspaces.update(found.scalars())
    workspaces.discard(None)
    if not workspaces:
        return
    bump_workspace_version(session, "catalog_version", workspaces)


def _shown_field_changed(session: Session, obj: object) -> bool:
    """A DRI who left, a renamed rotation: what a card shows of a person or a rotation."""
    if obj in session.new:
        return False
    if isinstance(obj, Person):
        return _changed(obj, "deleted")
    return isinstance(obj, Rotation) and _changed(obj, "name")


def _changed(obj, field: str) -> bool:
    return inspect(obj).attrs[field].history.has_changes()
