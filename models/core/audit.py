"""Reading the audit log: who may read which teams' entries, and the newest entries."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.core.errors import PermissionDenied
from models.core.people import is_lead, require_lead, teams_of_person
from models.core.workspace import AuditEntry, Person, Team, Workspace


def readable_teams(session: Session, person: Person, team: Team | None) -> list[Team] | None:
    """The teams whose entries `person` may read (`team` alone, when given); None for every
    entry, teams' or not (a workspace admin). Leads read their teams', others nothing."""
    if team is not None:
        require_lead(team, person, "read its audit log")
        return [team]
    if person.is_admin:
        return None
    led = [t for t in teams_of_person(session, person) if is_lead(t, person)]
    if not led:
        raise PermissionDenied("Only workspace admins and team leads can read the audit log.")
    return led


def newest_entries(
    session: Session,
    workspace: Workspace,
    *,
    team_ids: Collection[int] | None,
    since: datetime | None = None,
    limit: int,
) -> tuple[list[AuditEntry], int]:
    """The newest `limit` entries, of the teams `team_ids` (None: all, teams' or not) and since
    `since`, with the actor and team of each; and how many there are in all."""
    query = select(AuditEntry).where(AuditEntry.workspace_id == workspace.id)
    if team_ids is not None:
        query = query.where(AuditEntry.team_id.in_(list(team_ids)))
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    newest = query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    return list(session.scalars(newest)), total
