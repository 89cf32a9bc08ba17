"""A service card's content, as `/owner <service>` shows it many times a second: kept by this
process while the workspace's `catalog_version` stays the same (`models/catalog/versions.py`
says what bumps it). Who is on call is not in it: that is asked each time, of the rotation's
own kept timeline (`models/oncall/now.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from models.catalog.services import LINKS, Service, dependencies, dependents, load_service
from models.core.kept import Kept
from models.core.people import Asker, WorkspaceRef
from models.core.workspace import Workspace


@dataclass(frozen=True)
class ServiceCard:
    id: int
    name: str
    title: str
    description: str
    team_id: int | None
    team_name: str | None
    lead_ids: frozenset[int]
    lead_mentions: tuple[str, ...]
    dri_mention: str | None
    dri_left: bool
    rotation_id: int | None
    tier: int | None
    lifecycle: str
    links: tuple[tuple[str, str], ...]
    tags: tuple[str, ...]
    last_reviewed: date | None
    depends_on: tuple[str, ...]
    used_by: tuple[str, ...]

    @classmethod
    def of(cls, db: Session, service: Service) -> ServiceCard:
        team = service.team
        leads = team.leads if team is not None else []
        return cls(
            id=service.id,
            name=service.name,
            title=service.title,
            description=service.description,
            team_id=service.team_id,
            team_name=team.name if team is not None else None,
            lead_ids=frozenset(p.id for p in leads),
            lead_mentions=tuple(p.mention for p in leads),
            dri_mention=service.dri.mention if service.dri else None,
            dri_left=bool(service.dri and service.dri.deleted),
            rotation_id=service.rotation_id,
            tier=service.tier,
            lifecycle=service.lifecycle,
            links=tuple((k, getattr(service, k)) for k in LINKS if getattr(service, k)),
            tags=tuple(service.tags or ()),
            last_reviewed=service.last_reviewed,
            depends_on=tuple(dependencies(db, service)),
            used_by=tuple(dependents(db, service)),
        )

    def editable_by(self, asker: Asker) -> bool:
        """Admins, and the leads of the owning team (see `may_edit_service`)."""
        return asker.is_admin or (self.team_id is not None and asker.person_id in self.lead_ids)


_kept: Kept[ServiceCard] = Kept()


def read_card(db: Session, workspace: Workspace | WorkspaceRef, service_id: int) -> ServiceCard:
    """The card of a service of `workspace`, kept while the catalog version stays the same."""

    def read(own: Session) -> tuple[int, ServiceCard]:
        fresh = own.get(Workspace, workspace.id)
        assert fresh is not None
        return fresh.catalog_version, ServiceCard.of(own, load_service(own, service_id))

    kept = _kept.get(db, service_id, workspace.catalog_version, read)
    return kept if kept is not None else ServiceCard.of(db, load_service(db, service_id))
