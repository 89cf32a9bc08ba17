"""The `services:` section of the config file, and Backstage `catalog-info.yaml` import.

services:
  - name: billing-api
    team: payments
    dri: U0BEN
    rotation: payments-primary
    tier: 1
    lifecycle: production
    runbook: https://runbooks.example.com/billing-api
    repo: https://github.com/example/billing-api
    depends_on: [ledger]
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.catalog.services import (
    EDITABLE,
    LINKS,
    TITLE_LIMIT,
    Service,
    catalog_changed,
    check_lifecycle,
    check_tier,
    check_url,
    describe_service,
    lookup_service,
    new_service,
    services_of,
)
from models.core.config import ConfigError, ImportContext, Report, check_fields, require, where
from models.core.errors import UserError
from models.core.people import (
    NOT_A_CHANNEL,
    TEAM_NAME,
    USER_ID,
    UserLookup,
    audit,
    ensure_person,
    find_team,
    is_channel,
    set_team_people,
)
from models.core.when import calendar_date
from models.core.workspace import MEMBER, Person, Team, Workspace
from models.oncall.rotations import lookup_rotation

FIELDS = {"name", *EDITABLE, "last_reviewed"}


def apply_fields(
    ctx: ImportContext, service: Service, entry: dict[str, Any], *, label: str
) -> None:
    """Set a service's fields from a config-style entry; ConfigError names the bad field."""

    def fail(fieldname: str, message: str) -> ConfigError:
        return ConfigError(f"{label}.{fieldname}", message)

    for fieldname in ("title", "description"):
        if fieldname in entry:
            value = entry[fieldname]
            if value is not None and not isinstance(value, str):
                raise fail(fieldname, "must be text")
            if fieldname == "title" and len(value or "") > TITLE_LIMIT:
                raise fail(fieldname, f"keep it to {TITLE_LIMIT} characters")
            setattr(service, fieldname, value or "")
    if "team" in entry:
        team = None
        if entry["team"]:
            team = find_team(ctx.db, ctx.workspace, str(entry["team"]))
            if team is None:
                raise fail("team", f"there is no team called {entry['team']!r}")
        service.team_id, service.team = (team.id if team else None), team
    if "dri" in entry:
        service.dri = dri_person(ctx, entry["dri"], lambda m: fail("dri", m))
        service.dri_id = service.dri.id if service.dri else None
    for fieldname, check in (("tier", check_tier), ("lifecycle", check_lifecycle)):
        if fieldname in entry:
            try:
                setattr(service, fieldname, check(entry[fieldname]))
            except UserError as e:
                raise fail(fieldname, e.message) from None
    for link in LINKS:
        if link in entry:
            try:
                setattr(service, link, check_url(link, entry[link]))
            except UserError as e:
                raise fail(link, e.message) from None
    if "channel" in entry:
        channel = entry["channel"]
        if not is_channel(channel):
            raise fail("channel", NOT_A_CHANNEL)
        service.channel_id = channel or None
    if "rotation" in entry:
        rotation = None
        if entry["rotation"]:
            rotation = lookup_rotation(ctx.db, ctx.workspace, str(entry["rotation"]))
            if rotation is None:
                raise fail("rotation", f"there is no rotation called {entry['rotation']!r}")
        service.rotation_id, service.rotation = (rotation.id if rotation else None), rotation
    if "tags" in entry:
        tags = entry["tags"] or []
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise fail("tags", "must be a list of words")
        service.tags = sorted(set(tags))
    if "last_reviewed" in entry:
        value = entry["last_reviewed"]
        try:
            service.last_reviewed = None if value is None else calendar_date(value)
        except UserError as e:
            raise fail("last_reviewed", e.message) from None


def dri_person(ctx: ImportContext, value: Any, fail) -> Person | None:
    if not value:
        return None
    if not isinstance(value, str) or not USER_ID.match(value):
        raise fail(f"{value!r} is not a Slack user id (they look like U0ANA)")
    return ensure_person(ctx.db, ctx.workspace, value, ctx.now, ctx.lookup)


def set_dependencies(ctx: ImportContext, service: Service, names: Any, *, label: str) -> None:
    if names is None:
        names = []
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ConfigError(f"{label}.depends_on", "must be a list of service names")
    found = []
    for name in dict.fromkeys(names):
        other = lookup_service(ctx.db, ctx.workspace, name)
        if other is None:
            raise ConfigError(f"{label}.depends_on", f"there is no service called {name!r}")
        if other.id == service.id:
            raise ConfigError(f"{label}.depends_on", "a service can't depend on itself")
        found.append(other)
    service.depends_on = sorted(found, key=lambda s: s.name)


def upsert(ctx: ImportContext, name: str, entry: dict[str, Any], *, label: str) -> Service:
    """Create or change one service (dependencies are set separately, once all exist)."""
    service = lookup_service(ctx.db, ctx.workspace, name)
    created = service is None
    if service is None:
        try:
            service = new_service(ctx.db, ctx.workspace, name, now=ctx.now)
        except UserError as e:
            raise ConfigError(f"{label}.name", e.message) from None
        ctx.db.flush()
    ctx.info.setdefault("before", {})[name] = None if created else describe_service(service)
    apply_fields(ctx, service, entry, label=label)
    ctx.info.setdefault("created", set()).update({name} if created else set())
    return service


def record_service_changes(ctx: ImportContext, services: list[Service], action: str) -> None:
    """After dependencies are set: report and audit what changed."""
    ctx.db.flush()
    for service in services:
        before = ctx.info["before"][service.name]
        after = describe_service(service)
        created = service.name in ctx.info["created"]
        if created or before != after:
            service.updated_at = ctx.now
            catalog_changed(ctx.workspace)
            audit(
                ctx.db,
                workspace=ctx.workspace,
                actor=ctx.actor,
                action=action,
                subject=service.name,
                now=ctx.now,
                before=before,
                after=after,
                team=service.team,
            )
        ctx.report.record(f"service {service.name}", created, before != after)


class ServicesSection:
    key = "services"

    def load(self, ctx: ImportContext, entries: list[dict[str, Any]]) -> None:
        seen: set[str] = set()
        loaded: list[tuple[Service, dict, str]] = []
        for i, entry in enumerate(entries):
            check_fields(self.key, i, entry, FIELDS)
            name = require(self.key, i, entry, "name")
            if name in seen:
                raise ConfigError(where(self.key, i, entry, "name"), "appears twice")
            seen.add(name)
            label = where(self.key, i, entry)
            loaded.append((upsert(ctx, name, entry, label=label), entry, label))
        ctx.db.flush()
        for service, entry, label in loaded:
            if "depends_on" in entry:
                set_dependencies(ctx, service, entry["depends_on"], label=label)
        record_service_changes(ctx, [s for s, _, _ in loaded], "service.import")

    def dump(self, db: Session, workspace: Workspace) -> list[dict[str, Any]]:
        out = []
        for service in services_of(db, workspace):
            entry = {"name": service.name, **describe_service(service)}
            if entry["lifecycle"] == "production":
                del entry["lifecycle"]
            out.append({k: v for k, v in entry.items() if v not in (None, [], "")})
        return out


# -- Backstage --

SERVICE_KINDS = {"Component", "Resource"}
KNOWN_KINDS = SERVICE_KINDS | {"System", "Group"}
USER_ANNOTATION = "slack.com/user-id"


def ref_name(ref: Any, kinds: tuple[str, ...] = ("group", "component", "resource")) -> str | None:
    """`group:default/payments`, `payments`, `component:ledger` -> the entity's name."""
    if not isinstance(ref, str) or not ref.strip():
        return None
    kind, sep, rest = ref.strip().partition(":")
    if sep and kind.lower() not in (*kinds, "user", "system", "api"):
        return None
    name = rest if sep else kind
    return name.rsplit("/", 1)[-1].lower()


def link_kind(link: dict[str, Any]) -> str | None:
    words = f"{link.get('type', '')} {link.get('title', '')} {link.get('url', '')}".lower()
    for kind, hints in (
        ("runbook", ("runbook", "playbook")),
        ("dashboard", ("dashboard", "grafana", "datadog")),
        ("repo", ("repo", "github.com", "gitlab", "source")),
        ("docs", ("doc", "wiki", "confluence")),
    ):
        if any(h in words for h in hints):
            return kind
    return None


def import_backstage(
    db: Session,
    workspace: Workspace,
    documents: list[Any],
    *,
    now: datetime,
    lookup: UserLookup | None,
) -> Report:
    """`upkeep import --format backstage catalog-info.yaml`: Components and Resources become
    services, Groups teams' owners, Systems tags; other kinds are skipped and reported."""
    ctx = ImportContext(db, workspace, now, lookup)
    services: list[tuple[Service, list[str], str]] = []
    for i, doc in enumerate(documents):  # Groups first: services name them as owners
        if isinstance(doc, dict) and doc.get("kind") == "Group":
            meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
            name = str(meta.get("name") or "").lower()
            label = f"document {i + 1} (Group {name})"
            if not name:
                raise ConfigError(f"{label}.metadata.name", "is required")
            import_group(ctx, name, doc.get("spec") or {}, label=label)
    db.flush()
    for i, doc in enumerate(documents):
        label = f"document {i + 1}"
        if not isinstance(doc, dict) or not isinstance(doc.get("metadata"), dict):
            raise ConfigError(label, "is not a Backstage entity (no metadata)")
        kind = doc.get("kind")
        name = str(doc["metadata"].get("name") or "").lower()
        label = f"document {i + 1} ({kind} {name})"
        if not name:
            raise ConfigError(f"{label}.metadata.name", "is required")
        spec = doc.get("spec") or {}
        if kind == "System":
            continue  # its name becomes a `system:` tag on its components
        if kind == "Group":
            continue  # read first, below
        if kind not in SERVICE_KINDS:
            ctx.report.skipped.append(f"{kind} {name}")
            continue
        entry = service_entry(ctx, doc, spec, label=label)
        service = upsert(ctx, name, entry, label=label)
        depends = [n for n in (ref_name(r) for r in spec.get("dependsOn") or []) if n]
        services.append((service, depends, label))
    db.flush()
    for service, depends, label in services:
        set_dependencies(ctx, service, depends, label=label)
    record_service_changes(ctx, [s for s, _, _ in services], "service.import")
    return ctx.report


def service_entry(ctx: ImportContext, doc: dict, spec: dict, *, label: str) -> dict[str, Any]:
    meta = doc["metadata"]
    entry: dict[str, Any] = {
        "title": meta.get("title") or "",
        "description": meta.get("description") or "",
        "lifecycle": spec.get("lifecycle") or "production",
    }
    tags = [str(t) for t in meta.get("tags") or []]
    if spec.get("system"):
        tags.append(f"system:{ref_name(spec['system'])}")
    tier = next((t for t in tags if t.startswith("tier-")), None)
    if tier is not None:
        entry["tier"] = tier
    entry["tags"] = tags
    owner = spec.get("owner")
    if isinstance(owner, str) and owner.lower().startswith("user:"):
        person = backstage_user(ctx, ref_name(owner) or "")
        if person is not None:
            entry["dri"] = person.slack_user_id
    else:
        team_name = ref_name(owner)
        if team_name and find_team(ctx.db, ctx.workspace, team_name) is not None:
            entry["team"] = team_name
        elif team_name:
            ctx.report.skipped.append(f"owner {owner} of {meta['name']} (no such team)")
    for link in meta.get("links") or []:
        if isinstance(link, dict) and (kind := link_kind(link)) and kind not in entry:
            entry[kind] = link.get("url")
    slug = (meta.get("annotations") or {}).get("github.com/project-slug")
    if slug and "repo" not in entry:
        entry["repo"] = f"https://github.com/{slug}"
    return entry


def backstage_user(ctx: ImportContext, name: str) -> Person | None:
    """A Backstage user name matched to a person Upkeep knows by their Slack handle."""
    return ctx.db.scalar(
        select(Person).where(Person.workspace_id == ctx.workspace.id, Person.name == name)
    )


def import_group(ctx: ImportContext, name: str, spec: dict, *, label: str) -> None:
    """A Backstage Group is a team: created when Upkeep doesn't know it (zone UTC, no channel:
    set them under `teams:`), and its members added when they match people Upkeep knows by their
    Slack handle. Members are only added, never removed: `teams:` stays the source of truth."""
    team = find_team(ctx.db, ctx.workspace, name)
    created = team is None
    if team is None:
        if not TEAM_NAME.match(name):
            raise ConfigError(f"{label}.metadata.name", "must be a slug: lowercase, digits, - _")
        team = Team(workspace_id=ctx.workspace.id, name=name, tz="UTC", created_at=ctx.now)
        ctx.db.add(team)
        ctx.db.flush()
    members = [p for p in team.members]
    added = False
    for ref in spec.get("members") or []:
        handle = ref_name(ref, ("user",)) or ""
        person = backstage_user(ctx, handle)
        if person is None:
            ctx.report.skipped.append(f"member {handle} of Group {name} (no such Slack handle)")
        elif person not in members:
            members.append(person)
            added = True
    if added:
        set_team_people(team, MEMBER, members)
    ctx.report.record(f"team {name}", created, added and not created)
