"""An SLO added, changed or removed bumps its workspace's `catalog_version` in the same
transaction (an `after_flush` listener): the service card shows a service's SLOs, and a process
keeps which services have any (`models/slos/status.py: services_with_slos`) by that version. An
SLO changed or figures stored bump its `slo_version` too: a process keeps each service card's SLO
line by it (`card_line_of`), so a refresh's new figures show at the next `/owner`."""

from __future__ import annotations

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from models.core.base import flushed_changes
from models.core.workspace import bump_workspace_version
from models.slos.slos import Slo, SloFigure


@event.listens_for(Session, "after_flush")
def _bump_for_slos(session: Session, _context) -> None:
    workspaces = {obj.workspace_id for obj in flushed_changes(session) if isinstance(obj, Slo)}
    workspaces.discard(None)
    if workspaces:
        bump_workspace_version(session, "catalog_version", workspaces)


@event.listens_for(Session, "after_flush")
def _bump_slo_version(session: Session, _context) -> None:
    changed = flushed_changes(session)
    workspaces = {obj.workspace_id for obj in changed if isinstance(obj, Slo)}
    slo_ids = {obj.slo_id for obj in changed if isinstance(obj, SloFigure)} - {None}
    if slo_ids:
        query = select(Slo.workspace_id).where(Slo.id.in_(sorted(slo_ids)))
        workspaces |= set(session.connection().scalars(query))
    workspaces.discard(None)
    if workspaces:
        bump_workspace_version(session, "slo_version", workspaces)
