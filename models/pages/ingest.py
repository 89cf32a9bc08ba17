"""Pages: alerts that woke (or interrupted) someone, attributed at ingest and kept.

An `Integration` is one sender (Alertmanager, PagerDuty, Opsgenie or the generic JSON) feeding
one team, with its own token. A `Page` is one alert firing: who was on call when it started (so
later rotation edits never rewrite history), which service, and the hour class in the paged
person's own zone: sleep hours (22:00-08:00 every day) beat off-hours, which beat business hours
(08:00-18:00 Monday to Friday, or the person's own working hours when they set them)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    and_,
    bindparam,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import (
    Mapped,
    Session,
    joinedload,
    lazyload,
    mapped_column,
    relationship,
)

from models.catalog.services import Service, match_service
from models.core.base import Base, UTCDateTime
from models.core.errors import NotFound, PermissionDenied, UserError
from models.core.people import is_lead, is_member
from models.core.workspace import Person, Team, Workspace
from models.oncall.overrides import Override
from models.oncall.rotations import Rotation, find_rotation
from models.oncall.schedule import Timeline
from models.pages.formats import SOURCES, Alert

SLEEP = "sleep"
OFF = "off"
BUSINESS = "business"
HOUR_CLASSES = (SLEEP, OFF, BUSINESS)
SLEEP_START, SLEEP_END = time(22, 0), time(8, 0)
BUSINESS_START, BUSINESS_END, BUSINESS_DAYS = time(8, 0), time(18, 0), "12345"
# A person whose working hours are still the model's defaults has not set them.
UNSET_WORK_HOURS = (time(9, 0), time(18, 0), "12345")

CLASSIFICATIONS = {
    "action_taken": "action taken",
    "threshold_wrong": "threshold wrong",
    "check_faulty": "check faulty",
    "downtime_not_set": "downtime not set",
    "duplicate": "duplicate",
}
NO_ACTION = tuple(k for k in CLASSIFICATIONS if k != "action_taken")
DEFAULT_SEVERITIES = {
    "alertmanager": "page,critical",
    "pagerduty": "high",
    "opsgenie": "P1,P2",
    "generic": "page,critical",
}
ANY_SEVERITY = "*"
TOKEN_PREFIX = "upk_"


class Integration(Base):
    """A sender feeding one team's pages. Only a hash of the token is kept."""

    __tablename__ = "page_integrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(16))
    rotation: Mapped[str | None] = mapped_column(String(80))  # a rotation's name
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_prefix: Mapped[str] = mapped_column(String(12))
    severities: Mapped[str] = mapped_column(String(200))  # comma-separated; "*" for any
    signing_secret: Mapped[str | None] = mapped_column(String(200))  # PagerDuty only
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    team: Mapped[Team] = relationship(lazy="joined")
    workspace: Mapped[Workspace] = relationship()

    def accepts(self, severity: str) -> bool:
        return severity_wanted(self.severities, severity)


def severity_wanted(severities: str, severity: str) -> bool:
    wanted = {s.strip().lower() for s in severities.split(",") if s.strip()}
    return ANY_SEVERITY in wanted or severity.lower() in wanted


@dataclass(frozen=True)
class CatalogRef:
    """Enough of a workspace to match service names (`models.catalog.name_index`)."""

    id: int
    catalog_version: int


@dataclass(frozen=True)
class Hook:
    """An integration as the webhook path keeps it between requests (`bot.hooks.TOKEN_TTL`):
    what ingest needs, without reading the integration again for every batch."""

    id: int
    workspace_id: int
    team_id: int
    source: str
    rotation: str | None
    severities: str
    signing_secret: str | None
    workspace: CatalogRef

    @classmethod
    def of(cls, integration: Integration) -> Hook:
        workspace = integration.workspace
        return cls(
            integration.id,
            integration.workspace_id,
            integration.team_id,
            integration.source,
            integration.rotation,
            integration.severities,
            integration.signing_secret,
            CatalogRef(workspace.id, workspace.catalog_version or 0),
        )

    def accepts(self, severity: str) -> bool:
        return severity_wanted(self.severities, severity)


class Page(Base):
    """One alert firing, attributed when it arrived."""

    __tablename__ = "pages"
    __table_args__ = (
        UniqueConstraint("integration_id", "external_key"),
        Index("ix_pages_team_started", "team_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    integration_id: Mapped[int] = mapped_column(
        ForeignKey("page_integrations.id", ondelete="CASCADE")
    )
    source: Mapped[str] = mapped_column(String(16))
    external_key: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    alert_name: Mapped[str] = mapped_column(String(200))
    severity: Mapped[str] = mapped_column(String(40))
    service_name: Mapped[str | None] = mapped_column(String(120))
    service_id: Mapped[int | None] = mapped_column(Integer)  # the catalog's Service, if matched
    rotation: Mapped[str | None] = mapped_column(String(80))
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hour_class: Mapped[str] = mapped_column(String(8))
    local_date: Mapped[date] = mapped_column(Date)  # in the zone the hour class was read in
    classification: Mapped[str | None] = mapped_column(String(24))
    classified_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL")
    )
    classified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    team: Mapped[Team] = relationship()
    person: Mapped[Person | None] = relationship(foreign_keys=[person_id])
    classified_by: Mapped[Person | None] = relationship(foreign_keys=[classified_by_id])


# -- integrations and tokens -----------------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_source(source: str) -> str:
    source = source.strip().lower()
    if source not in SOURCES:
        raise UserError(f"`{source}` is not a source I read. Sources: {', '.join(SOURCES)}.")
    return source


def check_severities(text: str) -> str:
    values = [s.strip() for s in text.split(",") if s.strip()]
    if not values or any(len(v) > 40 for v in values):
        raise UserError("Give severities as a comma-separated list (like page,critical), or *.")
    return ",".join(values)[:200]


def add_integration(
    db: Session,
    workspace: Workspace,
    team: Team,
    source: str,
    now: datetime,
    *,
    rotation: str | None = None,
    severities: str | None = None,
    signing_secret: str | None = None,
) -> tuple[Integration, str]:
    """A new integration and its token (shown once; only its hash is stored)."""
    source = check_source(source)
    if rotation:
        rotation = rotation.strip().lower()
        rotation = find_rotation(db, workspace, rotation).name
    if signing_secret and source != "pagerduty":
        raise UserError("Only PagerDuty signs its webhooks; leave the signing secret out.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(24)
    integration = Integration(
        workspace_id=workspace.id,
        team_id=team.id,
        team=team,
        source=source,
        rotation=rotation or None,
        token_hash=hash_token(token),
        token_prefix=token[:10],
        severities=check_severities(severities or DEFAULT_SEVERITIES[source]),
        signing_secret=signing_secret or None,
        created_at=now,
    )
    db.add(integration)
    db.flush()
    return integration, token


def integrations_of(db: Session, workspace: Workspace) -> list[Integration]:
    return list(
        db.scalars(
            select(Integration)
            .where(Integration.workspace_id == workspace.id)
            .order_by(Integration.id)
        )
    )


# Statements built once (a webhook is answered in a few milliseconds; building costs too).
_BY_TOKEN = (
    select(Integration)
    .options(lazyload(Integration.team), joinedload(Integration.workspace))
    .where(Integration.token_hash == bindparam("hash"))
)
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


@dataclass(frozen=True)
class _Kept:
    """A rotation's timeline over [start, end), as it was at `version`."""

    version: int
    start: datetime
    end: datetime
    timeline: Timeline

    def serves(self, version: int, first: datetime, last: datetime) -> bool:
        return self.version == version and self.start <= first <= last < self.end


class KeptTimelines:
    """Rotation id -> its timeline as last read, for one database (the webhook app keeps one).
    Alerts mostly started minutes ago: a week back and a day ahead of a batch's alerts covers
    the next batches too."""

    BEFORE, AFTER = timedelta(days=7), timedelta(days=1)

    def __init__(self) -> None:
        self._kept: dict[int, _Kept] = {}
        self._lock = threading.Lock()

    def get(self, rotation_id: int, version: int, first: datetime, last: datetime):
        with self._lock:
            kept = self._kept.get(rotation_id)
        return kept.timeline if kept is not None and kept.serves(version, first, last) else None

    def put(self, rotation_id: int, kept: _Kept) -> None:
        with self._lock:
            self._kept[rotation_id] = kept

    def batch(self) -> KeptInBatch:
        return KeptInBatch(self)


class KeptInBatch:
    """What one transaction read: kept for the next ones only once it committed (a rollback
    expires the objects it loaded, and what it read may not have been so)."""

    def __init__(self, kept: KeptTimelines):
        self.kept = kept
        self.fresh: dict[int, _Kept] = {}

    def get(self, rotation_id: int, version: int, first: datetime, last: datetime):
        mine = self.fresh.get(rotation_id)
        if mine is not None and mine.serves(version, first, last):
            return mine.timeline
        return self.kept.get(rotation_id, version, first, last)

    def put(self, rotation_id: int, kept: _Kept) -> None:
        self.fresh[rotation_id] = kept

    def committed(self) -> None:
        for rotation_id, kept in self.fresh.items():
            self.kept.put(rotation_id, kept)


_pages = Page.__table__.c
_EXISTING = select(_pages.id, _pages.external_key, _pages.started_at, _pages.resolved_at).where(
    _pages.integration_id == bindparam("integration"),
    _pages.external_key.in_(bindparam("keys", expanding=True)),
)


def integration_by_token(db: Session, token: str) -> Integration | None:
    if not token:
        return None
    return db.scalar(_BY_TOKEN, {"hash": hash_token(token)})


def pagerduty_signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    """`X-PagerDuty-Signature: v1=<hex>[,v1=<hex>...]` (several while a secret is rotated):
    HMAC-SHA256 of the raw body. Any one matching signature is enough."""
    if not header:
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    for part in header.split(","):
        version, _, signature = part.strip().partition("=")
        if version == "v1" and hmac.compare_digest(signature.strip().lower(), expected):
            return True
    return False


# -- hour classes --------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkHours:
    start: time
    end: time
    days: str  # ISO weekdays, Mon=1


DEFAULT_WORK = WorkHours(BUSINESS_START, BUSINESS_END, BUSINESS_DAYS)


def work_hours(person: Person | None) -> WorkHours:
    if person is None:
        return DEFAULT_WORK
    own = (person.work_start, person.work_end, person.work_days)
    if None in own or own == UNSET_WORK_HOURS:
        return DEFAULT_WORK
    return WorkHours(*own)


def hour_class(local: datetime, work: WorkHours = DEFAULT_WORK) -> str:
    """Sleep beats off-hours beats business hours, for a local (zoned or wall-clock) time."""
    t = local.time().replace(tzinfo=None)
    if t >= SLEEP_START or t < SLEEP_END:
        return SLEEP
    if str(local.isoweekday()) in work.days and work.start <= t < work.end:
        return BUSINESS
    return OFF


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
        self._services: dict[str, Service | None] = {}
        self._team_tz: str | None = None

    def service(self, alert: Alert) -> Attribution:
        """The service (the first candidate the catalog knows; else the first candidate name,
        kept as "not in the catalog") and the rotation to ask who was on call: the
        integration's, else the service's."""
        rotation = self.integration.rotation
        for candidate in alert.services:
            if candidate not in self._services:
                found = match_service(self.db, self.integration.workspace, candidate)
                self._services[candidate] = found
            service = self._services[candidate]
            if service is not None:
                if rotation is None and service.rotation is not None:
                    rotation = service.rotation.name
                return Attribution(service.name, service.id, rotation)
        return Attribution(alert.services[0] if alert.services else None, None, rotation)

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
            timeline = self.kept.get(rotation_id, version, first, last)
            if timeline is not None:
                return timeline
        start, end = first - KeptTimelines.BEFORE, last + KeptTimelines.AFTER
        rows = self.db.execute(_ROTATION, {"id": rotation_id, "start": start, "end": end})
        rows = rows.unique().all()
        timeline = Timeline(rows[0][0], [o for _, o in rows if o is not None])
        if self.kept is not None:
            timeline.schedule.load_everyone(self.db)
            self.kept.put(rotation_id, _Kept(version, start, end, timeline))
        return timeline

    def rows(self, alerts: list[tuple[Alert, datetime]]) -> list[dict]:
        """New pages' rows, attributed now and kept; `now` is when each arrived."""
        where = [self.service(alert) for alert, _ in alerts]
        people = self.on_call(
            [(w.rotation, alert.started_at) for w, (alert, _) in zip(where, alerts, strict=True)]
        )
        return [
            self.row(alert, now, w, person)
            for (alert, now), w, person in zip(alerts, where, people, strict=True)
        ]

    def row(self, alert: Alert, now: datetime, where: Attribution, person: Person | None):
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
            "hour_class": hour_class(local, work_hours(person)),
            "local_date": local.date(),
            "created_at": now,
        }

    def zone(self, person: Person | None) -> str:
        """The paged person's zone; the team's when no one (or no zone) is known."""
        if person is not None and person.tz:
            return person.tz
        if self._team_tz is None:
            tz = self.db.scalar(select(Team.tz).where(Team.id == self.integration.team_id))
            self._team_tz = tz or "UTC"
        return self._team_tz


# -- ingest --------------------------------------------------------------------------------


@dataclass
class IngestResult:
    created: int = 0
    resolved: int = 0
    repeated: int = 0
    ignored: int = 0  # below the severity filter, or an event that isn't a page

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def ingest(db: Session, integration: Integration, alerts: list[Alert], now: datetime):
    """Store what is new, resolve what was resolved; a repeat changes nothing. The caller
    commits (`ingest_batch` does, for webhooks)."""
    return ingest_requests(db, integration, [(alerts, now)])[0]


def ingest_requests(
    db: Session,
    integration: Integration | Hook,
    requests: list[tuple[list[Alert], datetime]],
    kept: KeptInBatch | None = None,
) -> list[IngestResult]:
    """`ingest` for several requests to one integration at once, in order, with one result
    each. Firing alerts (the usual case) cost one query per rotation to attribute them and one
    `INSERT ... ON CONFLICT DO NOTHING RETURNING` that tells which were new; resolves first read
    which keys are stored. (Core statements, not ORM objects: a webhook is answered fast.)"""
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
    if not new:
        return results
    rows = Attributor(db, integration, kept).rows([(alert, now) for alert, now, _ in new.values()])
    for row in rows:
        if row["resolved_at"] is None and row["external_key"] in resolved_later:
            at = resolved_later[row["external_key"]][0]
            row["resolved_at"] = max(at, row["started_at"])
    if not returning:
        db.execute(insert(Page), rows)
        return results
    insert_new = _INSERT_NEW[db.get_bind().dialect.name]
    stored = {key for (key,) in db.execute(insert_new, rows)}
    resolves = {row["external_key"]: row["resolved_at"] for row in rows}
    for key in new.keys() - stored:  # a concurrent request stored it first
        _stored_first(db, integration, key, resolves[key], new[key][2], resolved_later.get(key))
    return results


def _stored_first(
    db: Session,
    integration: Integration | Hook,
    key: str,
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


# INSERT pages ... ON CONFLICT (integration, key) DO NOTHING RETURNING the keys stored, built
# once per dialect (building the statement costs more than running it).
_INSERT_NEW = {
    name: upsert(Page.__table__)
    .on_conflict_do_nothing(index_elements=["integration_id", "external_key"])
    .returning(Page.__table__.c.external_key)
    for name, upsert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}


IngestJob = tuple[Hook, list[Alert], datetime]  # the integration, alerts, when they arrived


def _all_firing(alert_lists: Iterable[list[Alert]]) -> bool:
    """No alert resolves anything: such alerts are stored by inserts alone."""
    return all(alert.resolved_at is None for alerts in alert_lists for alert in alerts)


def one_write(jobs: list[IngestJob]) -> bool:
    """Whether `ingest_batch` stores these with a single statement: one integration's firing
    alerts (no resolves) are one `INSERT ... ON CONFLICT DO NOTHING`, so they need no
    transaction around them."""
    return len({hook.id for hook, _, _ in jobs}) == 1 and _all_firing(a for _, a, _ in jobs)


def ingest_batch(
    db: Session, jobs: list[IngestJob], kept: KeptTimelines | None = None
) -> list[IngestResult]:
    """Several requests' alerts in one transaction, committed: one result per request, as if
    each had been ingested alone in order. A concurrent writer that inserted the same page first
    makes it a repeat (on a database without RETURNING, the batch is retried once in a fresh
    transaction)."""
    for attempt in range(2):
        results: list[IngestResult | None] = [None] * len(jobs)
        staged = kept.batch() if kept is not None else None
        try:
            by_integration: dict[int, list[int]] = {}
            for i, (hook, _, _) in enumerate(jobs):
                by_integration.setdefault(hook.id, []).append(i)
            for indexes in by_integration.values():
                requests = [(jobs[i][1], jobs[i][2]) for i in indexes]
                stored = ingest_requests(db, jobs[indexes[0]][0], requests, staged)
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


# -- classification ------------------------------------------------------------------------


def check_classification(kind: str) -> str:
    if kind not in CLASSIFICATIONS:
        raise UserError(f"`{kind}` is not a classification ({', '.join(CLASSIFICATIONS)}).")
    return kind


def get_page(db: Session, workspace: Workspace, page_id: int) -> Page:
    page = db.get(Page, page_id)
    if page is None or page.workspace_id != workspace.id:
        raise NotFound("That page is gone.")
    return page


def may_classify(page: Page, person: Person) -> bool:
    """The page's team (members and leads), the person it paged, and workspace admins."""
    return (
        person.id == page.person_id
        or is_member(page.team, person)
        or is_lead(page.team, person)
        or person.is_admin
    )


def classify(page: Page, kind: str, person: Person, now: datetime) -> None:
    if not may_classify(page, person):
        raise PermissionDenied(
            f"Only {page.team.name}'s members, leads, the person it paged or a workspace admin "
            "can classify this page. It's left as it was."
        )
    page.classification = check_classification(kind)
    page.classified_by_id = person.id
    page.classified_by = person
    page.classified_at = now
