"""Page ingest, the write path: alerts attributed (service, rotation, who was on call, the hour
class) and stored, resolved or counted as repeats, several requests' alerts in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, lazyload

from models.catalog.services import Service, name_index
from models.core.workspace import Person, Team
from models.oncall.overrides import Override
from models.oncall.rotations import Rotation
from models.oncall.schedule import Timeline
from models.pages.formats import Alert
from models.pages.integrations import Hook, Integration
from models.pages.pages import Page, hour_class, work_hours
from models.pages.timelines import KeptInBatch, KeptTimeline, KeptTimelines
from models.pages.writes import Rider, insert_pages

# Statements built once (a webhook is answered in a few milliseconds; building costs too).
# A rotation with its members, rule versions and the overrides over a span, in one query.
_ROTATION = (
    select(Rotation, Override)
    .outerjoin(
        Override,
        and_(
            Override.rotation_id == Rotation.id,
            Override.start < bindparam("end"),
            Override.end > bindparam("start"),
        ),
    )
    .options(lazyload(Rotation.team), joinedload(Rotation.members), joinedload(Rotation.rules))
    .where(Rotation.id == bindparam("id"))
)
_rotations = Rotation.__table__.c  # Core, not ORM: these run for every webhook batch
_VERSION = select(_rotations.id, _rotations.schedule_version).where(
    _rotations.workspace_id == bindparam("workspace"), _rotations.name == bindparam("name")
)
_SERVICE = (  # a service's name and its rotation's name, for attribution
    select(Service.name, Rotation.name)
    .outerjoin(Rotation, Rotation.id == Service.rotation_id)
    .where(Service.id == bindparam("id"))
)
_pages = Page.__table__.c
_EXISTING = select(_pages.id, _pages.external_key, _pages.started_at, _pages.resolved_at).where(
    _pages.integration_id == bindparam("integration"),
    _pages.external_key.in_(bindparam("keys", expanding=True)),
)


# -- attribution ---------------------------------------------------------------------------


@dataclass
class Attribution:
    service_name: str | None
    service_id: int | None
    rotation: str | None


class Attributor:
    """Whom and what a new page is attributed to. Rotations and the team's zone are read once per
    request, and nothing loads the team's members (a webhook is answered fast)."""

    def __init__(
        self, db: Session, integration: Integration | Hook, kept: KeptInBatch | None = None
    ):
        self.db = db
        self.integration = integration
        self.kept = kept
        self._services: dict[str, Attribution | None] = {}
        self._team: tuple[str, str | None, str | None] | None = None  # zone, holidays

    def service(self, alert: Alert) -> Attribution:
        """The service (the first candidate the catalog knows; else the first candidate name,
        kept as "not in the catalog") and the rotation to ask who was on call: the
        integration's, else the service's."""
        rotation = self.integration.rotation
        for candidate in alert.services:
            if candidate not in self._services:
                self._services[candidate] = self._service(candidate)
            service = self._services[candidate]
            if service is not None:
                return replace(service, rotation=rotation or service.rotation)
        return Attribution(alert.services[0] if alert.services else None, None, rotation)

    def _service(self, candidate: str) -> Attribution | None:
        """The catalog's service of that name (`match_service`), its name, id and rotation's
        name alone: one small query, asked once per catalog version (kept with its index)."""
        index = name_index(self.db, self.integration.workspace)
        found = index.exact.get(candidate.strip().lower())
        if not found:
            return None
        service_id = min(found, key=lambda pair: pair[1])[0]
        key = ("attribution", service_id)
        if key not in index.derived:
            row = self.db.execute(_SERVICE, {"id": service_id}).first()
            index.derived[key] = None if row is None else Attribution(row[0], service_id, row[1])
        return index.derived[key]

    def on_call(self, wanted: list[tuple[str | None, datetime]]) -> list[Person | None]:
        """Who was on call for each (rotation name, instant): each rotation is read once, with
        its overrides over the span of its instants."""
        keys = [name.strip().lower() if name else None for name, _ in wanted]
        instants: dict[str, list[datetime]] = {}
        for key, (_, at) in zip(keys, wanted, strict=True):
            if key:
                instants.setdefault(key, []).append(at)
        timelines = {key: self.timeline(key, min(ats), max(ats)) for key, ats in instants.items()}
        return [
            timelines[key].at(at) if key and timelines[key] is not None else None
            for key, (_, at) in zip(keys, wanted, strict=True)
        ]

    def timeline(self, name: str, first: datetime, last: datetime) -> Timeline | None:
        """The rotation called `name` from `first` to `last` (inclusive); None if there is none.
        With `kept`, a timeline read before is used while the rotation's `schedule_version`
        stays the same: one small query, not a load of rules, members and overrides."""
        found = self.db.execute(
            _VERSION, {"workspace": self.integration.workspace_id, "name": name}
        ).first()
        if found is None:
            return None
        rotation_id, version = found
        if self.kept is not None:
            timeline = self.kept.get(rotation_id, version, first=first, last=last)
            if timeline is not None:
                return timeline
        start, end = first - KeptTimelines.BEFORE, last + KeptTimelines.AFTER
        rows = self.db.execute(_ROTATION, {"id": rotation_id, "start": start, "end": end})
        rows = rows.unique().all()
        timeline = Timeline(rows[0][0], [o for _, o in rows if o is not None])
        if self.kept is not None:
            timeline.schedule.load_everyone(self.db)
            self.kept.put(rotation_id, KeptTimeline(version, start, end, timeline))
        return timeline

    def rows(self, alerts: list[tuple[Alert, datetime]]) -> list[dict]:
        """New pages' rows, attributed now and kept; `now` is when each arrived."""
        where = [self.service(alert) for alert, _ in alerts]
        people = self.on_call(
            [(w.rotation, alert.started_at) for w, (alert, _) in zip(where, alerts, strict=True)]
        )
        return [
            self.row(alert, now, where=w, person=person)
            for (alert, now), w, person in zip(alerts, where, people, strict=True)
        ]

    def row(self, alert: Alert, now: datetime, *, where: Attribution, person: Person | None):
        integration = self.integration
        local = alert.started_at.astimezone(ZoneInfo(self.zone(person)))
        resolved = alert.resolved_at
        return {
            "workspace_id": integration.workspace_id,
            "team_id": integration.team_id,
            "integration_id": integration.id,
            "source": integration.source,
            "external_key": alert.key,
            "title": alert.title,
            "alert_name": alert.alert_name,
            "severity": alert.severity,
            "service_name": where.service_name,
            "service_id": where.service_id,
            "rotation": where.rotation,
            "person_id": person.id if person is not None else None,
            "started_at": alert.started_at,
            "resolved_at": max(resolved, alert.started_at) if resolved is not None else None,
            "hour_class": hour_class(local, work_hours(person, self.team_holidays())),
            "local_date": local.date(),
            "created_at": now,
        }

    def zone(self, person: Person | None) -> str:
        """The paged person's zone; the team's when no one (or no zone) is known."""
        if person is not None and person.tz:
            return person.tz
        return self._team_row()[0]

    def team_holidays(self) -> tuple[str | None, str | None]:
        """The team's public holidays (country, region): off-hours for whoever takes them."""
        return self._team_row()[1:]

    def _team_row(self) -> tuple[str, str | None, str | None]:
        if self._team is None and isinstance(self.integration, Hook):
            self._team = self.integration.team_row
        if self._team is None:
            row = self.db.execute(
                select(Team.tz, Team.holiday_country, Team.holiday_region).where(
                    Team.id == self.integration.team_id
                )
            ).first()
            tz, country, region = row if row is not None else (None, None, None)
            self._team = (tz or "UTC", country, region)
        return self._team


# -- ingest --------------------------------------------------------------------------------


@dataclass
class IngestResult:
    created: int = 0
    resolved: int = 0
    repeated: int = 0
    ignored: int = 0  # below the severity filter, or an event that isn't a page

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def ingest(db: Session, integration: Integration, alerts: list[Alert], *, now: datetime):
    """Store what is new, resolve what was resolved; a repeat changes nothing. The caller
    commits (`ingest_batch` does, for webhooks)."""
    return ingest_requests(db, integration, [(alerts, now)])[0]


def ingest_requests(
    db: Session,
    integration: Integration | Hook,
    requests: list[tuple[list[Alert], datetime]],
    *,
    kept: KeptInBatch | None = None,
    attributor: Attributor | None = None,
    rider: Rider | None = None,
) -> list[IngestResult]:
    """`ingest` for several requests to one integration at once, in order, with one result
    each. Firing alerts (the usual case) cost one query per rotation to attribute them and one
    `INSERT ... ON CONFLICT DO NOTHING RETURNING` that tells which were new (and stores the
    `rider`'s rows too); resolves first read which keys are stored. (Core statements, not ORM
    objects: a webhook is answered fast.)"""
    results = [IngestResult() for _ in requests]
    keys = list({a.key for alerts, _ in requests for a in alerts})
    returning = db.get_bind().dialect.insert_returning
    firing_only = returning and _all_firing(alerts for alerts, _ in requests)
    existing: dict[str, tuple[int, datetime, datetime | None]] = {}
    if keys and not firing_only:
        found = db.execute(_EXISTING, {"integration": integration.id, "keys": keys})
        existing = {key: (page_id, started, resolved) for page_id, key, started, resolved in found}
    new: dict[str, tuple[Alert, datetime, IngestResult]] = {}
    # A page new here whose resolve came later in this batch: when, and whose request it was.
    resolved_later: dict[str, tuple[datetime, IngestResult]] = {}
    for (alerts, now), result in zip(requests, results, strict=True):
        for alert in alerts:
            known = existing.get(alert.key)
            if alert.resolved_at is None and not integration.accepts(alert.severity):
                result.ignored += 1  # below the filter, stored before or not
            elif alert.key in new:
                first = new[alert.key][0]
                resolves = alert.resolved_at is not None and first.resolved_at is None
                if resolves and alert.key not in resolved_later:
                    resolved_later[alert.key] = (alert.resolved_at, result)
                    result.resolved += 1
                else:
                    result.repeated += 1
            elif known is None:
                if integration.accepts(alert.severity):
                    new[alert.key] = (alert, now, result)
                    result.created += 1
                else:
                    result.ignored += 1
            elif alert.resolved_at is not None and known[2] is None:
                resolved = max(alert.resolved_at, known[1])
                db.execute(update(Page).where(Page.id == known[0]).values(resolved_at=resolved))
                existing[alert.key] = (known[0], known[1], resolved)
                result.resolved += 1
            else:
                result.repeated += 1
    rows: list[dict] = []
    if new:
        attributor = attributor or Attributor(db, integration, kept)
        rows = attributor.rows([(alert, now) for alert, now, _ in new.values()])
    for row in rows:
        if row["resolved_at"] is None and row["external_key"] in resolved_later:
            at = resolved_later[row["external_key"]][0]
            row["resolved_at"] = max(at, row["started_at"])
    if not returning:
        if rows:
            db.execute(insert(Page), rows)
        if rider is not None:
            rider.store(db)
        return results
    stored = insert_pages(db, rows, rider)
    resolves = {row["external_key"]: row["resolved_at"] for row in rows}
    for key in new.keys() - stored:  # a concurrent request stored it first
        _stored_first(
            db,
            integration,
            key,
            resolved=resolves[key],
            creator=new[key][2],
            later=resolved_later.get(key),
        )
    return results


def _stored_first(
    db: Session,
    integration: Integration | Hook,
    key: str,
    *,
    resolved: datetime | None,
    creator: IngestResult,
    later: tuple[datetime, IngestResult] | None,
) -> None:
    """A page this batch meant to create was stored by a concurrent request first: creating it
    is a repeat, and a resolve it carried still resolves the stored page (once)."""
    creator.created -= 1
    done = 0
    if resolved is not None:
        done = db.execute(
            update(Page)
            .where(
                Page.integration_id == integration.id,
                Page.external_key == key,
                Page.resolved_at.is_(None),
            )
            .values(resolved_at=resolved)
        ).rowcount
    if later is not None:  # the resolve was another request's, counted there already
        creator.repeated += 1
        if not done:
            later[1].resolved -= 1
            later[1].repeated += 1
    elif done:
        creator.resolved += 1
    else:
        creator.repeated += 1


IngestJob = tuple[Hook, list[Alert], datetime]  # the integration, alerts, when they arrived
# What else a batch's alerts go to, in its transaction (alerting: `models.alerts.intake`): given
# one integration's requests before ingest stores them; the rows it starts (a `Rider`) are
# stored with the new pages. The batch's `Attributor` for the integration is shared (services
# are looked up once).
Intake = Callable[[Session, Hook, list[tuple[list[Alert], datetime]], Attributor], Rider | None]


def _all_firing(alert_lists: Iterable[list[Alert]]) -> bool:
    """No alert resolves anything: such alerts are stored by inserts alone."""
    return all(alert.resolved_at is None for alerts in alert_lists for alert in alerts)


def one_write(jobs: list[IngestJob]) -> bool:
    """Whether a batch can go without a transaction around it: one integration's firing alerts
    (no resolves) and the groups they start are one statement (`models.pages.writes`), and
    what alerting adds besides (repeats noted) holds on its own: storing the batch again after
    a failure half-way changes nothing twice (a page stored is a repeat, a group's alert key is
    known)."""
    return len({hook.id for hook, _, _ in jobs}) == 1 and _all_firing(a for _, a, _ in jobs)


def ingest_batch(
    db: Session,
    jobs: list[IngestJob],
    kept: KeptTimelines | None = None,
    intake: Intake | None = None,
) -> list[IngestResult]:
    """Several requests' alerts in one transaction, committed: one result per request, as if
    each had been ingested alone in order. A concurrent writer that inserted the same page first
    makes it a repeat; one that started the same alert group first makes the batch run again
    once, in a fresh transaction. `intake` gets each integration's requests first, in the same
    transaction, and the rows it starts are stored with the pages."""
    for attempt in range(2):
        results: list[IngestResult | None] = [None] * len(jobs)
        staged = kept.batch() if kept is not None else None
        try:
            by_integration: dict[int, list[int]] = {}
            for i, (hook, _, _) in enumerate(jobs):
                by_integration.setdefault(hook.id, []).append(i)
            for indexes in by_integration.values():
                hook = jobs[indexes[0]][0]
                requests = [(jobs[i][1], jobs[i][2]) for i in indexes]
                attributor = Attributor(db, hook, staged)
                rider = intake(db, hook, requests, attributor) if intake is not None else None
                stored = ingest_requests(
                    db, hook, requests, kept=staged, attributor=attributor, rider=rider
                )
                for i, result in zip(indexes, stored, strict=True):
                    results[i] = result
            db.commit()
            if staged is not None:
                staged.committed()
            return [r for r in results if r is not None]
        except IntegrityError:
            db.rollback()
            if attempt:
                raise
    raise AssertionError("unreachable")
