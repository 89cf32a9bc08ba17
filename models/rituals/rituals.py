"""Rituals: what recurs, when, in which zone.

A `Ritual` is a team's recurring thing: a kind (`standup`, `retro`, ...), ISO weekdays, a local
wall-clock time, a cadence in weeks and options. The scheduler's jobs read them as `Plan`s. Each
kind is declared by the domain package that runs it (`models/standup`, `models/retro`, ...);
`models/config.py` tells the `rituals:` section which kinds there are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Time,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from sqlalchemy.sql import Select

from models.core.base import Base, UTCDateTime
from models.core.time import local_instant, monday_of
from models.core.working_days import WorkCalendar, calendar_for
from models.core.workspace import MEMBER, Person, Team, TeamMember

DEFAULT_DAYS = "12345"


class Ritual(Base):
    """A team's recurring ritual: on `days` (ISO weekdays, Mon=1) at local time `at`, every
    `cadence_weeks` weeks counted from the week of `start_date`."""

    __tablename__ = "rituals"
    __table_args__ = (UniqueConstraint("team_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    days: Mapped[str] = mapped_column(String(7), default=DEFAULT_DAYS)
    at: Mapped[time] = mapped_column(Time)
    cadence_weeks: Mapped[int] = mapped_column(Integer, default=1)
    start_date: Mapped[date | None] = mapped_column(Date)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    team: Mapped[Team] = relationship(lazy="joined")

    @property
    def schedule(self) -> Schedule:
        return Schedule(self.days, self.at, self.cadence_weeks, self.start_date)

    def occurrences(
        self, zone: str, start: datetime, end: datetime, *, days_before: int = 0
    ) -> list[tuple[date, datetime]]:
        return self.schedule.occurrences(zone, start, end, days_before=days_before)

    def next_run(self, zone: str, after: datetime, *, days_before: int = 0) -> datetime | None:
        return self.schedule.next_run(zone, after, days_before=days_before)


@dataclass(frozen=True)
class Schedule:
    """When a ritual happens: on `days` (ISO weekdays, Mon=1) at local time `at`, every
    `cadence_weeks` weeks counted from the week of `start_date`."""

    days: str
    at: time
    cadence_weeks: int = 1
    start_date: date | None = None

    def on_date(self, day: date) -> bool:
        """Whether the ritual happens on this (local) date."""
        if str(day.isoweekday()) not in self.days:
            return False
        if self.start_date is not None and day < self.start_date:
            return False
        if self.cadence_weeks <= 1 or self.start_date is None:
            return True
        weeks = (monday_of(day) - monday_of(self.start_date)).days // 7
        return weeks % self.cadence_weeks == 0

    def occurrences(
        self, zone: str, start: datetime, end: datetime, *, days_before: int = 0
    ) -> list[tuple[date, datetime]]:
        """(ritual date, UTC instant) for each occurrence whose instant is in (start, end]; with
        `days_before`, the instant is that many local days before the ritual date, same time."""
        return list(_occurrences(self, zone, start, end=end, days_before=days_before))

    def next_run(self, zone: str, after: datetime, *, days_before: int = 0) -> datetime | None:
        """The first occurrence after `after` (within a year)."""
        step = timedelta(days=7 * max(self.cadence_weeks, 1) + 1)
        start = after
        for _ in range(53):
            found = self.occurrences(zone, start, start + step, days_before=days_before)
            if found:
                return found[0][1]
            start += step
        return None


@lru_cache(maxsize=16384)
def _occurrences(
    schedule: Schedule, zone: str, start: datetime, *, end: datetime, days_before: int
) -> tuple[tuple[date, datetime], ...]:
    # Cached: in a tick, the teams and members that share a schedule and a zone share this.
    tz = ZoneInfo(zone)
    day = start.astimezone(tz).date() - timedelta(days=1)
    last = end.astimezone(tz).date() + timedelta(days=1)
    out = []
    while day <= last:
        ritual_day = day + timedelta(days=days_before)
        if schedule.on_date(ritual_day):
            instant = local_instant(day, schedule.at, zone)
            if start < instant <= end:
                out.append((ritual_day, instant))
        day += timedelta(days=1)
    return tuple(out)


@dataclass(frozen=True)
class Member:
    id: int
    slack_user_id: str
    tz: str | None
    work_days: str | None = None
    holidays: tuple[str | None, str | None] = (None, None)  # their own (country, region)


@dataclass(frozen=True)
class Plan:
    """A ritual as the scheduler needs it, read without building ORM objects (a tick reads
    every ritual of a kind, with every member)."""

    ritual_id: int
    kind: str
    team_id: int
    team_name: str
    team_tz: str
    channel_id: str | None
    schedule: Schedule
    options: dict[str, Any]
    members: tuple[Member, ...]
    team_holidays: tuple[str | None, str | None] = (None, None)  # (country, region)

    def zone_of(self, member: Member) -> str:
        return member.tz or self.team_tz

    def calendar_of(self, member: Member) -> WorkCalendar:
        return calendar_for(member.work_days, member.holidays, self.team_holidays)


def plans(db: Session, kind: str) -> list[Plan]:
    """Every enabled ritual of a kind with its team's askable members. Read once per session (a
    tick's session), since every job of the kind asks."""
    cache = db.info.setdefault("ritual_plans", {})
    if kind in cache:
        return cache[kind]
    rows = db.execute(
        select(
            Ritual.id,
            Ritual.team_id,
            Team.name,
            Team.tz,
            Team.channel_id,
            Ritual.days,
            Ritual.at,
            Ritual.cadence_weeks,
            Ritual.start_date,
            Ritual.options,
            Team.holiday_country,
            Team.holiday_region,
        )
        .join(Team, Team.id == Ritual.team_id)
        .where(Ritual.kind == kind, Ritual.enabled.is_(True))
        .order_by(Ritual.id)
    ).all()
    members: dict[int, list[Member]] = {}
    for team_id, pid, uid, tz, days, country, region in db.execute(
        select(
            TeamMember.team_id,
            Person.id,
            Person.slack_user_id,
            Person.tz,
            Person.work_days,
            Person.holiday_country,
            Person.holiday_region,
        )
        .join(Person, Person.id == TeamMember.person_id)
        .join(Ritual, Ritual.team_id == TeamMember.team_id)
        .where(
            Ritual.kind == kind,
            Ritual.enabled.is_(True),
            TeamMember.role == MEMBER,
            Person.deleted.is_(False),
            Person.is_bot.is_(False),
        )
        .order_by(TeamMember.team_id, Person.slack_user_id)
    ):
        members.setdefault(team_id, []).append(Member(pid, uid, tz, days, (country, region)))
    cache[kind] = [
        Plan(
            rid,
            kind,
            team_id,
            name,
            tz,
            channel,
            Schedule(days, at, cadence, start),
            options or {},
            tuple(members.get(team_id, ())),
            (holidays[0], holidays[1]),
        )
        for rid, team_id, name, tz, channel, days, at, cadence, start, options, *holidays in rows
    ]
    return cache[kind]


# -- rituals -------------------------------------------------------------------------------


def rituals_of_kind(db: Session, kind: str) -> list[Ritual]:
    return list(
        db.scalars(
            select(Ritual).where(Ritual.kind == kind, Ritual.enabled.is_(True)).order_by(Ritual.id)
        )
    )


def find_ritual(db: Session, team: Team, kind: str) -> Ritual | None:
    return db.scalar(select(Ritual).where(Ritual.team_id == team.id, Ritual.kind == kind))


def workspace_rituals(db: Session, workspace_id: int) -> list[Ritual]:
    return list(
        db.scalars(
            select(Ritual)
            .join(Team, Team.id == Ritual.team_id)
            .where(Ritual.workspace_id == workspace_id)
            .order_by(Team.name, Ritual.kind)
        )
    )


def plans_with_default(
    db: Session, kind: str, teams_with: Select, *, days: str, at: time
) -> list[tuple[Team, Ritual]]:
    """Each team that has a `kind` ritual or is among `teams_with` (a select of team ids), with
    its ritual, or `days` at `at` every week when it has none; a disabled ritual means none."""
    rituals = {r.team_id: r for r in db.scalars(select(Ritual).where(Ritual.kind == kind))}
    teams = db.scalars(
        select(Team).where(Team.id.in_(teams_with) | Team.id.in_(list(rituals))).order_by(Team.id)
    )
    out = []
    for team in teams:
        ritual = rituals.get(team.id) or Ritual(
            workspace_id=team.workspace_id,
            team_id=team.id,
            kind=kind,
            days=days,
            at=at,
            cadence_weeks=1,
            start_date=None,
            options={},
            enabled=True,
        )
        if ritual.enabled:
            out.append((team, ritual))
    return out
