"""The ownership catalog: services, the team that owns each, its DRI, links and dependencies.

It is read every time someone asks who owns a thing, so it stays alive: loose name matching
(`billing` finds `billing-api`), "did you mean" on a near miss, and `unowned()` lists what has
fallen through the cracks."""

from __future__ import annotations

import bisect
import difflib
import re
import threading
import weakref
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, selectinload

from models.core.base import Base, UTCDateTime
from models.core.errors import NotFound, UserError
from models.core.numbers import whole_number
from models.core.people import TEAM_NAME, WorkspaceRef, is_lead
from models.core.workspace import Person, Team, Workspace
from models.oncall.rotations import Rotation

LIFECYCLES = ("experimental", "production", "deprecated")
TIERS = (1, 2, 3, 4)
LINKS = ("runbook", "repo", "dashboard", "docs")
# What a team can say of a service, by `/owner set`, the Edit form or the config file.
EDITABLE = (
    "title",
    "description",
    "team",
    "dri",
    "tier",
    "lifecycle",
    *LINKS,
    "channel",
    "rotation",
    "tags",
    "depends_on",
)
URL = re.compile(r"^https?://[^\s<>|]+$")
TITLE_LIMIT = 200
LINK_LIMIT = 500
MAX_CANDIDATES = 8


class Service(Base):
    __tablename__ = "services"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(TITLE_LIMIT), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), index=True
    )
    dri_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    tier: Mapped[int | None] = mapped_column(Integer)
    lifecycle: Mapped[str] = mapped_column(String(20), default="production")
    runbook: Mapped[str | None] = mapped_column(String(LINK_LIMIT))
    repo: Mapped[str | None] = mapped_column(String(LINK_LIMIT))
    dashboard: Mapped[str | None] = mapped_column(String(LINK_LIMIT))
    docs: Mapped[str | None] = mapped_column(String(LINK_LIMIT))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    rotation_id: Mapped[int | None] = mapped_column(ForeignKey("rotations.id", ondelete="SET NULL"))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    last_reviewed: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    team: Mapped[Team | None] = relationship(lazy="joined")
    dri: Mapped[Person | None] = relationship(lazy="joined")
    rotation: Mapped[Rotation | None] = relationship(lazy="joined")
    depends_on: Mapped[list[Service]] = relationship(
        secondary="service_dependencies",
        primaryjoin="Service.id == ServiceDependency.service_id",
        secondaryjoin="Service.id == ServiceDependency.depends_on_id",
        order_by="Service.name",
    )


class ServiceDependency(Base):
    __tablename__ = "service_dependencies"
    __table_args__ = (UniqueConstraint("service_id", "depends_on_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    depends_on_id: Mapped[int] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), index=True
    )


# -- finding services --


def _names(db: Session, workspace: Workspace | WorkspaceRef) -> list[tuple[int, str, str]]:
    rows = db.execute(
        select(Service.id, Service.name, Service.title).where(Service.workspace_id == workspace.id)
    )
    return [(row.id, row.name, row.title or "") for row in rows]


def _tokens(name: str) -> list[str]:
    return [t for t in re.split(r"[-_./\s]+", name.lower()) if t]


class NameIndex:
    """Every service name of a workspace, ready for loose matching: the exact name or title,
    then names starting with what was typed, then a whole word of a name or title, then names
    containing it. Built once per catalog version, so a lookup doesn't read 5,000 names."""

    def __init__(self, names: list[tuple[int, str, str]]):
        self.names = names
        self.exact: dict[str, list[tuple[int, str]]] = {}
        self.tokens: dict[str, list[tuple[int, str]]] = {}
        for service_id, name, title in names:
            pair = (service_id, name)
            for key in {name.lower(), title.lower()} - {""}:
                self.exact.setdefault(key, []).append(pair)
            for token in set(_tokens(name)) | set(_tokens(title)):
                self.tokens.setdefault(token, []).append(pair)
        self.ordered = sorted((name.lower(), service_id, name) for service_id, name, _ in names)
        self.keys = [lowered for lowered, _, _ in self.ordered]
        # What callers work out from this version of the catalog (a service's attribution for
        # page ingest), kept as long as the index: a catalog change drops it with the index.
        self.derived: dict[Hashable, Any] = {}

    def match(self, wanted: str) -> list[tuple[int, str]]:
        text = wanted.strip().lower().strip("`")
        if not text:
            return []
        found = self.exact.get(text)
        if not found:
            start = bisect.bisect_left(self.keys, text)
            end = bisect.bisect_left(self.keys, text + "\U0010ffff")
            found = [(service_id, name) for _, service_id, name in self.ordered[start:end]]
        if not found:
            found = self.tokens.get(text, [])
        if not found:
            found = [(i, n) for lowered, i, n in self.ordered if text in lowered]
        return sorted(set(found), key=lambda pair: (len(pair[1]), pair[1]))


def loose_matches(names: list[tuple[int, str, str]], wanted: str) -> list[tuple[int, str]]:
    """The best-matching (id, name) pairs for what someone typed (see `NameIndex`)."""
    return NameIndex(names).match(wanted)


# engine -> workspace id -> (catalog version, index): kept per engine, because a process may
# work on more than one database (the console's demo, the tests'), whose workspace ids overlap.
_indexes: weakref.WeakKeyDictionary[Engine, dict[int, tuple[int, NameIndex]]] = (
    weakref.WeakKeyDictionary()
)
_indexes_lock = threading.Lock()


def name_index(db: Session, workspace: Workspace | WorkspaceRef) -> NameIndex:
    """This process's index of the workspace's service names, rebuilt when the catalog changed
    (here or in another process: `catalog_version` is read with the workspace)."""
    engine = db.get_bind().engine
    with _indexes_lock:
        cached = _indexes.get(engine, {}).get(workspace.id)
    if cached is not None and cached[0] == workspace.catalog_version:
        return cached[1]
    index = NameIndex(_names(db, workspace))
    with _indexes_lock:
        _indexes.setdefault(engine, {})[workspace.id] = (workspace.catalog_version, index)
    return index


def catalog_changed(workspace: Workspace) -> None:
    workspace.catalog_version = (workspace.catalog_version or 0) + 1


def find_service(
    db: Session, workspace: Workspace, wanted: str, *, usage: str | None = None
) -> Service:
    """The service someone means: loosely matched, several candidates listed, a near miss
    answered with "did you mean"."""
    return load_service(db, find_service_id(db, workspace, wanted, usage=usage))


def find_service_id(
    db: Session, workspace: Workspace | WorkspaceRef, wanted: str, *, usage: str | None = None
) -> int:
    """`find_service`'s answer as an id, from the name index alone."""
    index = name_index(db, workspace)
    found = index.match(wanted)
    if len(found) > 1 and found[0][1].lower() != wanted.strip().lower():
        shown = ", ".join(f"`{name}`" for _, name in found[:MAX_CANDIDATES])
        more = f" and {len(found) - MAX_CANDIDATES} more" if len(found) > MAX_CANDIDATES else ""
        raise UserError(f"`{wanted[:40]}` could be {shown}{more}. Which one?", usage)
    if found:
        return found[0][0]
    close = difflib.get_close_matches(wanted.lower(), index.keys, n=3, cutoff=0.6)
    hint = f" Did you mean {' or '.join(f'`{c}`' for c in close)}?" if close else ""
    raise NotFound(f"There is no service called `{wanted[:40]}` in the catalog.{hint}", usage)


def load_service(db: Session, service_id: int) -> Service:
    service = db.get(Service, service_id)
    assert service is not None
    return service


def lookup_service(db: Session, workspace: Workspace, name: str) -> Service | None:
    return db.scalar(
        select(Service).where(Service.workspace_id == workspace.id, Service.name == name)
    )


def match_service(db: Session, workspace: Workspace, text: str) -> Service | None:
    """A service named exactly (name or title, any case), for alert labels and blockers. Asked
    for every alert, so answered from the name index: a name the catalog lacks costs no query."""
    found = name_index(db, workspace).exact.get(text.strip().lower())
    if not found:
        return None
    return db.get(Service, min(found, key=lambda pair: pair[1])[0])


def dependencies(db: Session, service: Service) -> list[str]:
    """Names of the services this one depends on."""
    return list(
        db.scalars(
            select(Service.name)
            .join(ServiceDependency, ServiceDependency.depends_on_id == Service.id)
            .where(ServiceDependency.service_id == service.id)
            .order_by(Service.name)
        )
    )


def dependents(db: Session, service: Service) -> list[str]:
    """Names of the services that depend on this one."""
    return list(
        db.scalars(
            select(Service.name)
            .join(ServiceDependency, ServiceDependency.service_id == Service.id)
            .where(ServiceDependency.depends_on_id == service.id)
            .order_by(Service.name)
        )
    )


def services_of(db: Session, workspace: Workspace, teams: list[Team] | None = None):
    query = select(Service).where(Service.workspace_id == workspace.id).order_by(Service.name)
    if teams is not None:
        query = query.where(Service.team_id.in_([t.id for t in teams]))
    return list(db.scalars(query))


# -- what has fallen through the cracks --


@dataclass
class Gap:
    service: Service
    reasons: list[str]


def gaps(service: Service) -> list[str]:
    reasons = []
    if service.team is None:
        reasons.append("no owning team")
    elif not service.team.memberships:
        reasons.append(f"team {service.team.name} has no members")
    if service.dri is None:
        reasons.append("no DRI")
    elif service.dri.deleted:
        reasons.append(f"DRI {service.dri.mention} has left")
    if not service.runbook:
        reasons.append("no runbook")
    if service.tier in (1, 2) and service.rotation is None:
        reasons.append(f"tier {service.tier} with no on-call rotation")
    return reasons


def unowned(db: Session, workspace: Workspace) -> list[Gap]:
    services = db.scalars(
        select(Service)
        .where(Service.workspace_id == workspace.id)
        .options(selectinload(Service.team).selectinload(Team.memberships))
        .order_by(Service.tier.is_(None), Service.tier, Service.name)
    ).unique()
    return [Gap(s, reasons) for s in services if (reasons := gaps(s))]


# -- changing services --


def may_edit_service(service: Service, person: Person) -> bool:
    """Admins, and the leads of the owning team (anyone's lead when the service has no team)."""
    if person.is_admin:
        return True
    if service.team is not None:
        return is_lead(service.team, person)
    return False


def check_name(name: str) -> str:
    if not TEAM_NAME.match(name):
        raise UserError(f"`{name[:40]}`: service names are lowercase letters, digits, - and _.")
    return name


def check_tier(value: Any) -> int | None:
    if value in (None, ""):
        return None
    tier = whole_number(str(value).removeprefix("tier-").removeprefix("tier"))
    if tier not in TIERS:
        raise UserError(f"Tier `{value}` isn't one of 1 (most critical) to 4.")
    return tier


def check_lifecycle(value: Any) -> str:
    text = str(value or "production").lower()
    if text not in LIFECYCLES:
        raise UserError(f"Lifecycle `{value}` isn't one of {', '.join(LIFECYCLES)}.")
    return text


def check_url(field: str, value: Any) -> str | None:
    if value in (None, ""):
        return None
    text = str(value).strip().strip("<>").split("|")[0]
    if not URL.match(text):
        raise UserError(f"`{field}` must be an http(s) link, not `{str(value)[:60]}`.")
    if len(text) > LINK_LIMIT:
        raise UserError(f"`{field}` is {len(text):,} characters long; keep it to {LINK_LIMIT}.")
    return text


def describe_service(service: Service) -> dict[str, Any]:
    """What the audit log and `upkeep export` record of a service."""
    return {
        "title": service.title or None,
        "description": service.description or None,
        "team": service.team.name if service.team else None,
        "dri": service.dri.slack_user_id if service.dri else None,
        "tier": service.tier,
        "lifecycle": service.lifecycle,
        **{link: getattr(service, link) for link in LINKS},
        "channel": service.channel_id,
        "rotation": service.rotation.name if service.rotation else None,
        "tags": list(service.tags or []),
        "depends_on": [d.name for d in service.depends_on],
        "last_reviewed": service.last_reviewed.isoformat() if service.last_reviewed else None,
    }


def new_service(db: Session, workspace: Workspace, name: str, *, now: datetime) -> Service:
    service = Service(
        workspace_id=workspace.id,
        name=check_name(name),
        title="",
        description="",
        tags=[],
        lifecycle="production",
        updated_at=now,
    )
    service.depends_on = []
    db.add(service)
    catalog_changed(workspace)
    return service
