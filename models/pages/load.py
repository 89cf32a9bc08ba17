"""Page load: how often a team was paged, whom it hit, at what hours, and by what.

Every count is aggregated in SQL (GROUP BY over the window's pages); Python only walks the
groups and the on-call shifts, never the pages themselves."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from models.core.time import local_instant
from models.core.workspace import Person, Team, Workspace
from models.oncall.rotations import rotations_of
from models.oncall.shifts import shifts
from models.pages.integrations import Integration
from models.pages.pages import (
    BUSINESS,
    NO_ACTION,
    OFF,
    SLEEP,
    SLEEP_END,
    SLEEP_START,
    Page,
    WorkHours,
    hour_class,
    work_hours,
)
from models.rituals.rituals import Ritual, plans_with_default

WINDOWS = {"7d": 7, "30d": 30, "90d": 90}
WEEKEND = "weekend"
TOP = 5
SUGGESTION_WINDOW = timedelta(weeks=4)
DIGEST = "pageload-digest"
DIGEST_DAYS, DIGEST_AT = "1", time(9, 0)  # Mondays at 09:00 in the team's zone


@dataclass
class OnCallHours:
    business: float = 0.0
    off: float = 0.0
    weekend: float = 0.0

    @property
    def total(self) -> float:
        return self.business + self.off + self.weekend


@dataclass
class PersonLoad:
    person: Person | None  # None: pages no one on call was known for
    pages: int = 0
    off_hours: int = 0
    sleep: int = 0
    on_call: OnCallHours = field(default_factory=OnCallHours)


@dataclass
class Load:
    team: Team
    start: datetime
    end: datetime
    total: int
    previous: int  # the same length of time just before
    by_class: dict[str, int]
    people: list[PersonLoad]
    alerts: list[tuple[str, int]]
    services: list[tuple[str, int]]
    uncatalogued: list[tuple[str, int]]  # services the catalog doesn't know
    classified: int
    no_action: int
    per_day: dict[date, dict[str, int]]

    @property
    def change(self) -> int:
        return self.total - self.previous

    @property
    def days(self) -> int:
        return round((self.end - self.start) / timedelta(days=1))


def _in(team: Team, start: datetime, end: datetime):
    return (Page.team_id == team.id, Page.started_at >= start, Page.started_at < end)


def _count_of(kind: str):
    return func.sum(case((Page.hour_class == kind, 1), else_=0))


def load(db: Session, team: Team, *, start: datetime, end: datetime, top: int = TOP) -> Load:
    """The team's page load in [start, end): five grouped queries over the window's pages (the
    totals per hour class come from the days, the classifications with the services)."""
    where = _in(team, start, end)
    previous = db.scalar(
        select(func.count()).select_from(Page).where(*_in(team, start - (end - start), start))
    )
    services: dict[str, list[int]] = {}  # name -> [pages, a catalog id or 0]
    classes: dict[str, int] = {}
    for name, kind, n, service_id in db.execute(
        select(Page.service_name, Page.classification, func.count(), func.max(Page.service_id))
        .where(*where)
        .group_by(Page.service_name, Page.classification)
    ):
        if name is not None:
            entry = services.setdefault(name, [0, 0])
            entry[0] += n
            entry[1] = max(entry[1], service_id or 0)
        if kind is not None:
            classes[kind] = classes.get(kind, 0) + n
    ranked = sorted(services.items(), key=lambda item: (-item[1][0], item[0]))
    days = per_day(db, team, start=start, end=end)
    by_class = {kind: sum(day[kind] for day in days.values()) for kind in (SLEEP, OFF, BUSINESS)}
    return Load(
        team=team,
        start=start,
        end=end,
        total=sum(by_class.values()),
        previous=previous or 0,
        by_class=by_class,
        people=people_load(db, team, start=start, end=end),
        alerts=noisiest_alerts(db, team, start=start, end=end, top=top),
        services=[(name, n) for name, (n, _) in ranked[:top]],
        uncatalogued=[(name, n) for name, (n, sid) in ranked if not sid],
        classified=sum(classes.values()),
        no_action=sum(n for kind, n in classes.items() if kind in NO_ACTION),
        per_day=days,
    )


def noisiest_alerts(
    db: Session, team: Team, *, start: datetime, end: datetime, top: int = TOP
) -> list[tuple[str, int]]:
    rows = db.execute(
        select(Page.alert_name, func.count())
        .where(*_in(team, start, end))
        .group_by(Page.alert_name)
        .order_by(func.count().desc(), Page.alert_name)
        .limit(top)
    )
    return [(name, n) for name, n in rows]


def per_day(
    db: Session, team: Team, *, start: datetime, end: datetime
) -> dict[date, dict[str, int]]:
    """Pages per local day (in the paged person's zone) and hour class; every day of the window
    is there, quiet ones with zeros."""
    tz = ZoneInfo(team.tz)
    first, last = start.astimezone(tz).date(), (end - timedelta(microseconds=1)).astimezone(tz)
    days: dict[date, dict[str, int]] = {}
    day = first
    while day <= last.date():
        days[day] = {SLEEP: 0, OFF: 0, BUSINESS: 0}
        day += timedelta(days=1)
    rows = db.execute(
        select(Page.local_date, Page.hour_class, func.count())
        .where(*_in(team, start, end))
        .group_by(Page.local_date, Page.hour_class)
    )
    for day, kind, n in rows:  # a day read in another zone may fall just outside: clamp it
        days[min(max(day, first), last.date())][kind] += n
    return days


def people_load(db: Session, team: Team, *, start: datetime, end: datetime) -> list[PersonLoad]:
    """Pages per paged person, and everyone's on-call hours from the team's rotations."""
    rows = db.execute(
        select(Page.person_id, func.count(), _count_of(OFF), _count_of(SLEEP))
        .where(*_in(team, start, end))
        .group_by(Page.person_id)
    ).all()
    hours = on_call_hours(db, team, start=start, end=end)
    ids = {pid for pid, *_ in rows if pid is not None} | set(hours)
    people = {p.id: p for p in db.scalars(select(Person).where(Person.id.in_(ids)))} if ids else {}
    out = {pid: PersonLoad(people.get(pid) if pid else None) for pid in ids}
    for pid, n, off, sleep in rows:
        entry = out.setdefault(pid, PersonLoad(None))
        entry.pages, entry.off_hours, entry.sleep = n, off or 0, sleep or 0
    for pid, split in hours.items():
        out[pid].on_call = split
    return sorted(
        out.values(),
        key=lambda p: (
            p.person is None,
            -p.sleep,
            -p.pages,
            p.person.display_name if p.person else "",
        ),
    )


# -- on-call hours ---------------------------------------------------------------------------


def on_call_hours(
    db: Session, team: Team, *, start: datetime, end: datetime
) -> dict[int, OnCallHours]:
    """Hours each person was on call for the team's rotations in [start, end), split in their
    own zone into business hours, off-hours (evenings and nights of work days) and weekends
    (days they don't work, and their public holidays).

    The shifts are the ones the rules in force at the time gave (after overrides), from each
    rotation's start, cut to the window. Hours are wall-clock time on call: someone on call in
    two of the team's rotations at once counts those hours once, so nobody has more hours than
    the window is long."""
    workspace = db.get(Workspace, team.workspace_id)
    spans: dict[int, list[tuple[datetime, datetime]]] = {}
    people: dict[int, Person] = {}
    for rotation in rotations_of(db, workspace, [team]):
        for shift in shifts(db, rotation, start, end=end):
            lo, hi = max(shift.start, start), min(shift.end, end)
            if shift.person is None or lo >= hi:
                continue
            spans.setdefault(shift.person.id, []).append((lo, hi))
            people[shift.person.id] = shift.person
    out: dict[int, OnCallHours] = {}
    for pid, pieces in spans.items():
        person = people[pid]
        split = out[pid] = OnCallHours()
        for lo, hi in union(pieces):
            work = work_hours(person, (team.holiday_country, team.holiday_region))
            add_hours(split, start=lo, end=hi, zone=person.tz or team.tz, work=work)
    return out


def union(spans: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Overlapping or touching spans as one."""
    out: list[tuple[datetime, datetime]] = []
    for lo, hi in sorted(spans):
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def add_hours(
    split: OnCallHours, *, start: datetime, end: datetime, zone: str, work: WorkHours
) -> None:
    """Walk [start, end) from one boundary (midnight, working hours, sleep hours) to the next."""
    cursor = start
    while cursor < end:
        local = cursor.astimezone(ZoneInfo(zone))
        day = local.date()
        marks = [
            local_instant(day, t, zone) for t in (work.start, work.end, SLEEP_END, SLEEP_START)
        ]
        marks.append(local_instant(day + timedelta(days=1), time(0), zone))
        step_end = min([m for m in marks if m > cursor] + [end])
        hours = (step_end - cursor) / timedelta(hours=1)
        if not work.is_working_day(day):
            split.weekend += hours
        elif hour_class(local, work) == BUSINESS:
            split.business += hours
        else:
            split.off += hours
        cursor = step_end


# -- for other features ------------------------------------------------------------------------


def service_counts(db: Session, team: Team, end: datetime) -> dict[str, int]:
    """Pages per service in the 4 weeks before `end` (for priorities' suggestions)."""
    rows = db.execute(
        select(Page.service_name, func.count())
        .where(*_in(team, end - SUGGESTION_WINDOW, end), Page.service_name.is_not(None))
        .group_by(Page.service_name)
    )
    return {name: n for name, n in rows}


def unclassified_sleep_pages(
    db: Session, team: Team, before: datetime, *, limit: int, since: datetime | None = None
) -> tuple[list[Page], int]:
    """Sleep-hour pages no one has classified yet that started before `before` (and from
    `since`): the oldest first, up to `limit`, and how many."""
    where = [
        Page.team_id == team.id,
        Page.hour_class == SLEEP,
        Page.classification.is_(None),
        Page.started_at < before,
    ]
    if since is not None:
        where.append(Page.started_at >= since)
    total = db.scalar(select(func.count()).select_from(Page).where(*where)) or 0
    pages = db.scalars(select(Page).where(*where).order_by(Page.started_at).limit(limit))
    return list(pages), total


@dataclass(frozen=True)
class ShiftPages:
    """The pages of a rotation's shift, for the handoff post: how many, when, the noisiest."""

    total: int = 0
    sleep: int = 0
    off_hours: int = 0
    noisiest: str = ""  # an alert name, as its sender wrote it
    noisiest_count: int = 0


def outgoing_shift_pages(
    db: Session,
    rotation_name: str,
    start: datetime,
    end: datetime,
    *,
    workspace_id: int | None = None,
) -> ShiftPages:
    """The pages of a rotation's shift [start, end)."""
    where = [Page.rotation == rotation_name, Page.started_at >= start, Page.started_at < end]
    if workspace_id is not None:
        where.append(Page.workspace_id == workspace_id)
    total, off, sleep = db.execute(
        select(func.count(), _count_of(OFF), _count_of(SLEEP)).where(*where)
    ).one()
    if not total:
        return ShiftPages()
    name, n = db.execute(
        select(Page.alert_name, func.count())
        .where(*where)
        .group_by(Page.alert_name)
        .order_by(func.count().desc(), Page.alert_name)
        .limit(1)
    ).one()
    return ShiftPages(total, sleep or 0, off or 0, name, n)


# -- the weekly digest -----------------------------------------------------------------------


def digest_plans(db: Session) -> list[tuple[Team, Ritual]]:
    """Teams that get a page-load digest, with when: their `pageload-digest` ritual if they have
    one (disabled means no digest), else Mondays 09:00 team time for teams with an alert
    integration."""
    return plans_with_default(
        db, DIGEST, select(Integration.team_id), days=DIGEST_DAYS, at=DIGEST_AT
    )


def digest_window(team: Team, day: date) -> tuple[datetime, datetime]:
    """The 7 local days before a digest's date, midnight to midnight in the team's zone."""
    return (
        local_instant(day - timedelta(days=7), time(0), team.tz),
        local_instant(day, time(0), team.tz),
    )
