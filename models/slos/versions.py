"""An SLO added, changed or removed bumps its workspace's `catalog_version` in the same
transaction (an `after_flush` listener): the service card shows a service's SLOs, and a process
keeps which services have any (`models/slos/status.py: services_with_slos`) by that version."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from models.core.base import flushed_changes
from models.core.workspace import bump_workspace_version
from models.slos.slos import Slo


@event.listens_for(Session, "after_flush")
def _bump_for_slos(session: Session, _context) -> None:
    workspaces = {obj.workspace_id for obj in flushed_changes(session) if isinstance(obj, Slo)}
    workspaces.discard(None)
    if workspaces:
        bump_workspace_version(session, "catalog_version", workspaces)
