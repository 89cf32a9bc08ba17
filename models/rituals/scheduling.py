"""Rituals (what recurs, when, in which zone) and deliveries (what was sent, exactly once).

A `Ritual` is a team's recurring thing: a kind (`standup`, `retro`, ...), ISO weekdays, a local
wall-clock time, a cadence in weeks and options. A `Delivery` is one claimed unique key: the
scheduler inserts it before posting, so a second worker, a retry or a restart never posts twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
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
    Text,
    Time,
    UniqueConstraint,
    case,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.core.base import Base, UTCDateTime, dialect_insert
from models.core.errors import UserError
from models.core.workspace import MEMBER, Person, Team, TeamMember

CLAIMED = "claimed"  # being sent, or waiting for a retry (next_attempt_at)
SENT = "sent"
FAILED = "failed"  # permanently: not retried
DROPPED = "dropped"  # too late to be useful

# Rituals a team can configure (`rituals:` in the config file); features add theirs here.
RITUAL_KINDS = ["standup", "retro", "pageload-digest"]
DAY_NAMES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DEFAULT_DAYS = "12345"
_CADENCE = re.compile(r"^(\d{1,2})\s*w$")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


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
        weeks = (_monday(day) - _monday(self.start_date)).days // 7
        return weeks % self.cadence_weeks == 0

    def occurrences(
        self, zone: str, start: datetime, end: datetime, *, days_before: int = 0
    ) -> list[tuple[date, datetime]]:
        """(ritual date, UTC instant) for each occurrence whose instant is in (start, end]; with
        `days_before`, the instant is that many local days before the ritual date, same time."""
        return list(_occurrences(self, zone, start, end, days_before))

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
    schedule: Schedule, zone: str, start: datetime, end: datetime, days_before: int
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

    def zone_of(self, member: Member) -> str:
        return member.tz or self.team_tz


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
        )
        .join(Team, Team.id == Ritual.team_id)
        .where(Ritual.kind == kind, Ritual.enabled.is_(True))
        .order_by(Ritual.id)
    ).all()
    members: dict[int, list[Member]] = {}
    for team_id, pid, uid, tz in db.execute(
        select(TeamMember.team_id, Person.id, Person.slack_user_id, Person.tz)
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
        members.setdefault(team_id, []).append(Member(pid, uid, tz))
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
        )
        for rid, team_id, name, tz, channel, days, at, cadence, start, options in rows
    ]
    return cache[kind]


class Delivery(Base):
    """One claimed key. Claimed before sending; `sent`, `failed` or `dropped` afterwards."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), index=True
    )
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    ref: Mapped[str | None] = mapped_column(String(200))
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SchedulerState(Base):
    """Where the scheduler got to: due work is computed for (last_tick, now]."""

    __tablename__ = "scheduler_state"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_tick: Mapped[datetime] = mapped_column(UTCDateTime)


# -- time ----------------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def local_instant(day: date, at: time, zone: str) -> datetime:
    """A local wall-clock time on a date, as a UTC instant. A time that does not exist (spring
    forward) moves to the first valid instant after it; an ambiguous one takes its first
    occurrence."""
    tz = ZoneInfo(zone)
    naive = datetime.combine(day, at)
    first = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if first.astimezone(tz).replace(tzinfo=None) == naive:
        return first
    # In a gap: fold=1 reads the wall time with the later offset, an instant before the jump;
    # the first instant from there that has the later offset is where the gap ends.
    later = naive.replace(tzinfo=tz, fold=1).utcoffset()
    probe = naive.replace(tzinfo=tz, fold=1).astimezone(UTC).replace(second=0, microsecond=0)
    while probe < first and probe.astimezone(tz).utcoffset() != later:
        probe += timedelta(minutes=1)
    return probe


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def parse_days(text: str) -> str:
    """`mon-fri`, `mon,wed,fri`, `daily`, `weekdays` -> ISO weekday digits such as "12345"."""
    text = text.strip().lower()
    aliases = {"daily": "mon-sun", "weekdays": "mon-fri", "every day": "mon-sun"}
    text = aliases.get(text, text)
    found: set[int] = set()
    for part in filter(None, (p.strip() for p in text.split(","))):
        lo, sep, hi = part.partition("-")
        if lo[:3] not in DAY_NAMES or (sep and hi[:3] not in DAY_NAMES):
            raise UserError(f"`{part}` is not a day or a range of days (like mon-fri or mon,thu).")
        a = DAY_NAMES.index(lo[:3])
        b = DAY_NAMES.index(hi[:3]) if sep else a
        i = a
        while True:
            found.add(i + 1)
            if i == b:
                break
            i = (i + 1) % 7
    if not found:
        raise UserError("Give at least one day (like mon-fri).")
    return "".join(str(d) for d in sorted(found))


def format_days(days: str) -> str:
    """ "12345" -> "mon-fri"; "135" -> "mon,wed,fri"."""
    nums = sorted(int(d) for d in days)
    runs: list[list[int]] = []
    for n in nums:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    parts = []
    for run in runs:
        names = [DAY_NAMES[n - 1] for n in run]
        parts.append(f"{names[0]}-{names[-1]}" if len(run) > 2 else ",".join(names))
    return ",".join(parts)


def parse_time(text: str) -> time:
    match = _TIME.match(text.strip())
    if not match:
        raise UserError(f"`{text}` is not a time of day (like 09:30).")
    return time(int(match.group(1)), int(match.group(2)))


def parse_cadence(text: str | int) -> int:
    """`4w` (or 4) -> 4 weeks."""
    match = _CADENCE.match(str(text).strip().lower()) or re.match(r"^(\d{1,2})$", str(text))
    if not match or not 1 <= int(match.group(1)) <= 52:
        raise UserError(f"`{text}` is not a cadence in weeks (like 1w or 4w).")
    return int(match.group(1))


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


# -- deliveries ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    id: int
    key: str
    status: str


def claim(
    db: Session,
    key: str,
    kind: str,
    due_at: datetime,
    now: datetime,
    worker: str,
    *,
    team_id: int | None = None,
    status: str = CLAIMED,
    note: str | None = None,
) -> Claim | None:
    """Insert the key and commit; None when someone (another worker, an earlier run) has it."""
    row = Delivery(
        key=key,
        kind=kind,
        team_id=team_id,
        due_at=due_at,
        status=status,
        attempts=0,
        claimed_by=worker,
        claimed_at=now,
        last_error=note,
    )
    db.add(row)
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        return None
    return Claim(row.id, key, status)


def take_over(db: Session, delivery: Delivery, now: datetime, worker: str) -> bool:
    """Claim a delivery that is waiting for a retry or whose claimer vanished; False if another
    worker took it first (compare-and-set on `claimed_at`)."""
    result = db.execute(
        update(Delivery)
        .where(
            Delivery.id == delivery.id,
            Delivery.status == CLAIMED,
            Delivery.claimed_at == delivery.claimed_at,
        )
        .values(claimed_by=worker, claimed_at=now, next_attempt_at=None)
    )
    db.commit()
    return result.rowcount == 1


def reopen(db: Session, key: str, now: datetime, worker: str) -> Claim | None:
    """Claim again a key that failed for good or was dropped (it was never sent), and commit;
    None when it was sent, is being sent or waits for a retry, or does not exist."""
    result = db.execute(
        update(Delivery)
        .where(Delivery.key == key, Delivery.status.in_((FAILED, DROPPED)))
        .values(status=CLAIMED, claimed_by=worker, claimed_at=now, next_attempt_at=None)
    )
    db.commit()
    if result.rowcount != 1:
        return None
    row = delivery(db, key)
    assert row is not None
    return Claim(row.id, key, CLAIMED)


def due_for_retry(db: Session, now: datetime, lease: timedelta) -> list[Delivery]:
    """Claimed deliveries whose retry time has come, or whose claimer has held them longer than
    the lease (it crashed between claiming and posting)."""
    rows = db.scalars(
        select(Delivery).where(Delivery.status == CLAIMED).order_by(Delivery.due_at)
    ).all()
    return [
        d
        for d in rows
        if (d.next_attempt_at is not None and d.next_attempt_at <= now)
        or (d.next_attempt_at is None and d.claimed_at <= now - lease)
    ]


def mark_sent(db: Session, delivery_id: int, now: datetime, ref: str | None) -> None:
    row = db.get(Delivery, delivery_id)
    assert row is not None
    row.status = SENT
    row.attempts += 1
    row.sent_at = now
    row.ref = ref
    row.next_attempt_at = None


def mark_attempt_failed(
    db: Session, delivery_id: int, now: datetime, error: str, retry_at: datetime | None
) -> Delivery:
    """Record a failed attempt: retried at `retry_at`, or failed for good when it is None."""
    row = db.get(Delivery, delivery_id)
    assert row is not None
    row.attempts += 1
    row.last_error = error[:2000]
    row.claimed_by = None
    if retry_at is None:
        row.status = FAILED
        row.next_attempt_at = None
    else:
        row.next_attempt_at = retry_at
    return row


def release(db: Session, delivery_ids: list[int], now: datetime) -> None:
    """Hand back claims that were never sent (the worker is stopping): due for a retry now, so
    the next tick of any worker sends them without waiting out the lease."""
    if delivery_ids:
        db.execute(
            update(Delivery)
            .where(Delivery.id.in_(delivery_ids), Delivery.status == CLAIMED)
            .values(claimed_by=None, next_attempt_at=now)
        )


def mark_dropped(db: Session, delivery_id: int, reason: str) -> None:
    row = db.get(Delivery, delivery_id)
    assert row is not None
    row.status = DROPPED
    row.last_error = reason
    row.next_attempt_at = None


def delivery(db: Session, key: str) -> Delivery | None:
    return db.scalar(select(Delivery).where(Delivery.key == key))


def last_tick(db: Session, name: str) -> datetime | None:
    row = db.get(SchedulerState, name, populate_existing=True)
    return row.last_tick if row else None


def set_last_tick(db: Session, name: str, at: datetime) -> None:
    """Move the scheduler's last tick forward to `at` (never back): one upsert, so workers that
    tick at once (SQLite has no tick lock) don't fail on each other's first tick."""
    statement = dialect_insert(db)(SchedulerState).values(name=name, last_tick=at)
    later = case(
        (statement.excluded.last_tick > SchedulerState.last_tick, statement.excluded.last_tick),
        else_=SchedulerState.last_tick,
    )
    db.execute(
        statement.on_conflict_do_update(
            index_elements=[SchedulerState.name], set_={"last_tick": later}
        )
    )
