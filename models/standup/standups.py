"""Standups: who is asked when (each member at the team's time in their own zone), answers,
skips and out-of-office, and the day's summary."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, String, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.core.base import Base, UTCDateTime
from models.core.errors import UserError
from models.core.time import local_instant
from models.core.working_days import holiday_name, is_working_day
from models.core.workspace import Person, Team, Workspace
from models.rituals.rituals import Member, Plan, Ritual, plans

if TYPE_CHECKING:
    from models.catalog.services import Service

STANDUP_KIND = "standup"  # the ritual's kind, and its prompts' job

DEFAULT_QUESTIONS = [
    "What did you do yesterday?",
    "What will you do today?",
    "Anything blocking you?",
]
ONCALL_QUESTIONS = [
    "What paged you or interrupted you on call?",
    "What should we fix so it doesn't happen again?",
    "Anything blocking you?",
]
DEFAULT_REMIND_AFTER = 120  # minutes after the prompt
SKIP = "skip"
OOO = "ooo"


class StandupAnswer(Base):
    __tablename__ = "standup_answers"
    __table_args__ = (UniqueConstraint("team_id", "person_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    answers: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{"q": ..., "a": ...}]
    oncall: Mapped[bool] = mapped_column(Boolean, default=False)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship(lazy="joined")


class Absence(Base):
    """No standup prompts for a person from `start` to `end` (their local dates, inclusive)."""

    __tablename__ = "standup_absences"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # skip | ooo
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class Prompt:
    """One member's standup on one of their local dates, at `at` (UTC)."""

    plan: Plan
    member: Member
    day: date
    at: datetime


def member_zone(person: Person, team: Team) -> str:
    return person.tz or team.tz


def questions(options: dict[str, Any], oncall: bool) -> list[str]:
    key = "oncall_questions" if oncall else "questions"
    return list(options.get(key) or (ONCALL_QUESTIONS if oncall else DEFAULT_QUESTIONS))


YESTERDAY = re.compile(r"\byesterday\b(?!['’]s)", re.IGNORECASE)


def questions_on(db: Session, ritual: Ritual, person: Person, day: date, oncall: bool) -> list[str]:
    """The questions as asked on a day: "yesterday" only when the person's last standup was
    yesterday, else "since your last standup" (on a Monday, after a skip or time away)."""
    asked = questions(ritual.options, oncall)
    last = last_standup_day(ritual, day)
    yesterday = day - timedelta(days=1)
    if last == yesterday and not absent(db, {person.id}, {yesterday}):
        return asked
    return [YESTERDAY.sub(_since_last, q) for q in asked]


def _since_last(match: re.Match[str]) -> str:
    return "Since your last standup" if match.group(0)[0].isupper() else "since your last standup"


def last_standup_day(ritual: Ritual, day: date) -> date | None:
    """The ritual's last day before `day` (within its cadence and a week)."""
    for back in range(1, 7 * max(ritual.cadence_weeks, 1) + 8):
        before = day - timedelta(days=back)
        if ritual.schedule.on_date(before):
            return before
    return None


def remind_after(plan: Plan) -> timedelta:
    return timedelta(minutes=plan.options.get("remind_after", DEFAULT_REMIND_AFTER))


def askable(team: Team) -> list[Person]:
    return [p for p in team.members if not (p.deleted or p.is_bot)]


def prompts(
    db: Session,
    start: datetime,
    end: datetime,
    *,
    shift: Callable[[Plan], timedelta] | None = None,
) -> list[Prompt]:
    """Members' standups whose time plus `shift(plan)` falls in (start, end], days off,
    holidays and absences left out."""
    found: list[Prompt] = []
    for plan in plans(db, STANDUP_KIND):
        delta = shift(plan) if shift else timedelta(0)
        for member in plan.members:
            zone = plan.zone_of(member)
            for day, at in plan.schedule.occurrences(zone, start - delta, end - delta):
                found.append(Prompt(plan, member, day, at))
    return without_absent(db, found)


def without_absent(db: Session, found: list[Prompt]) -> list[Prompt]:
    """The prompts on their member's working days (not a day off, not a public holiday) and not
    in a skip or an out-of-office."""
    found = [p for p in found if p.plan.calendar_of(p.member).is_working_day(p.day)]
    away = absent(db, {p.member.id for p in found}, {p.day for p in found})
    return [p for p in found if (p.member.id, p.day) not in away]


def absent(db: Session, person_ids: set[int], days: set[date]) -> set[tuple[int, date]]:
    """(person id, day) pairs covered by a skip or an out-of-office."""
    if not person_ids or not days:
        return set()
    rows = db.scalars(
        select(Absence).where(
            Absence.person_id.in_(person_ids),
            Absence.end >= min(days),
            Absence.start <= max(days),
        )
    ).all()
    return {(a.person_id, d) for a in rows for d in days if a.start <= d <= a.end}


def absences(db: Session, person_ids: set[int], day: date) -> dict[int, str]:
    rows = db.scalars(
        select(Absence).where(
            Absence.person_id.in_(person_ids), Absence.start <= day, Absence.end >= day
        )
    ).all()
    return {a.person_id: a.kind for a in rows}


def away_on(db: Session, person: Person, day: date) -> Absence | None:
    """The skip or out-of-office covering `day`, the one that lasts longest."""
    return db.scalar(
        select(Absence)
        .where(Absence.person_id == person.id, Absence.start <= day, Absence.end >= day)
        .order_by(Absence.end.desc())
    )


def skip(db: Session, person: Person, day: date, *, now: datetime) -> None:
    db.add(Absence(person_id=person.id, kind=SKIP, start=day, end=day, created_at=now))


def out_of_office(db: Session, person: Person, today: date, *, until: date, now: datetime) -> None:
    if until < today:
        raise UserError(f"{until:%a %d %b %Y} is in the past.", "/standup ooo until <date>")
    if until > today + timedelta(days=366):
        raise UserError("That's more than a year away.", "/standup ooo until <date>")
    db.add(Absence(person_id=person.id, kind=OOO, start=today, end=until, created_at=now))


def back(db: Session, person: Person, today: date) -> int:
    """End every skip and out-of-office from today on; how many there were."""
    rows = db.scalars(
        select(Absence).where(Absence.person_id == person.id, Absence.end >= today)
    ).all()
    for row in rows:
        if row.start < today:
            row.end = today - timedelta(days=1)
        else:
            db.delete(row)
    return len(rows)


def answered(db: Session, team_ids: set[int], days: set[date]) -> set[tuple[int, int, date]]:
    if not team_ids or not days:
        return set()
    rows = db.execute(
        select(StandupAnswer.team_id, StandupAnswer.person_id, StandupAnswer.day).where(
            StandupAnswer.team_id.in_(team_ids), StandupAnswer.day.in_(days)
        )
    ).all()
    return {(t, p, d) for t, p, d in rows}


def record_answer(
    db: Session,
    team: Team,
    person: Person,
    *,
    day: date,
    pairs: list[dict[str, str]],
    oncall: bool,
    now: datetime,
) -> StandupAnswer:
    """Store (or replace) a member's answers for a day."""
    if not any(p["a"].strip() for p in pairs):
        raise UserError("Answer at least one question.")
    row = db.scalar(
        select(StandupAnswer).where(
            StandupAnswer.team_id == team.id,
            StandupAnswer.person_id == person.id,
            StandupAnswer.day == day,
        )
    )
    if row is None:
        row = StandupAnswer(team_id=team.id, person_id=person.id, day=day)
        db.add(row)
    row.answers = pairs
    row.oncall = oncall
    row.answered_at = now
    db.execute(
        delete(Absence).where(
            Absence.person_id == person.id, Absence.kind == SKIP, Absence.start == day
        )
    )
    return row


# -- on call and the catalog --------------------------------------------------------------


def on_call(db: Session, team: Team, at: datetime) -> set[int]:
    """Ids of the people on call for any of the team's rotations at `at`."""
    from models.oncall.rotations import Rotation
    from models.oncall.shifts import on_call_at

    people = set()
    for rotation in db.scalars(select(Rotation).where(Rotation.team_id == team.id)):
        person = on_call_at(db, rotation, at)
        if person is not None:
            people.add(person.id)
    return people


SERVICE_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{1,79}")


def blocker_owners(db: Session, team: Team, text: str) -> list[str]:
    """`service: @owner` for each catalogued service a blocker names."""
    from models.catalog.services import match_service

    workspace = db.get(Workspace, team.workspace_id)
    found: dict[str, str] = {}
    for word in SERVICE_WORD.findall(text or ""):
        service = match_service(db, workspace, word.strip(".,/"))
        if service is None or service.name in found:
            continue
        owners = _owners(service)
        if owners:
            found[service.name] = f"{service.name}: {' '.join(owners)}"
    return list(found.values())


def _owners(service: Service) -> list[str]:
    if service.dri is not None:
        return [service.dri.mention]
    return [p.mention for p in service.team.leads] if service.team else []


# -- the day's summary ---------------------------------------------------------------------


@dataclass
class Summary:
    team: Team
    day: date
    answers: list[StandupAnswer] = field(default_factory=list)
    waiting: list[Person] = field(default_factory=list)  # asked, and no answer yet
    later: list[tuple[Person, datetime]] = field(default_factory=list)  # not asked yet: when
    skipping: list[Person] = field(default_factory=list)
    away: list[Person] = field(default_factory=list)
    off: list[Person] = field(default_factory=list)  # not their working day, or a holiday
    owners: dict[int, list[str]] = field(default_factory=dict)  # answer id -> blocker owners


def day_summary(db: Session, team: Team, day: date, now: datetime) -> Summary:
    """The day's answers, who was asked by `now` and is still waited for, who is asked later
    (in their own zone, the same standup day), who skips, who is away and whose day off it
    is."""
    answers = list(
        db.scalars(
            select(StandupAnswer)
            .where(StandupAnswer.team_id == team.id, StandupAnswer.day == day)
            .order_by(StandupAnswer.answered_at)
        )
    )
    out = Summary(team, day, answers)
    done = {a.person_id for a in answers}
    members = askable(team)
    off = absences(db, {p.id for p in members}, day)
    at = standup_ritual(db, team).at
    for person in members:
        if person.id in done:
            continue
        kind = off.get(person.id)
        if kind is None and not is_working_day(person, team, day):
            out.off.append(person)
            continue
        asked_at = local_instant(day, at, member_zone(person, team))
        if kind == SKIP:
            out.skipping.append(person)
        elif kind == OOO:
            out.away.append(person)
        elif asked_at > now:
            out.later.append((person, asked_at))
        else:
            out.waiting.append(person)
    out.later.sort(key=lambda pair: (pair[1], pair[0].display_name))
    for answer in answers:
        blockers = " ".join(p["a"] for p in answer.answers if "block" in p["q"].lower())
        owners = blocker_owners(db, team, blockers)
        if owners:
            out.owners[answer.id] = owners
    return out


def team_holiday(plan: Plan, day: date) -> str | None:
    """The team's public holiday on `day`: no summary then (its members with their own
    calendars are still asked, and their answers shown if the summary is posted some other way)."""
    return holiday_name(*plan.team_holidays, day)


def standup_ritual(db: Session, team: Team) -> Ritual:
    ritual = db.scalar(select(Ritual).where(Ritual.team_id == team.id, Ritual.kind == STANDUP_KIND))
    if ritual is None:
        raise UserError(f"Team {team.name} has no standup set up.")
    return ritual
