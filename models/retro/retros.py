"""Retros: topics collected before the retro (kept without names) and action items with an owner
and an optional due date, followed up until they are done."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Date, ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.core.base import Base, UTCDateTime
from models.core.errors import NotFound, PermissionDenied, UserError
from models.core.people import is_lead
from models.core.workspace import Person, Team
from models.rituals.rituals import Ritual

RETRO_KIND = "retro"  # the ritual's kind
RETRO_CADENCE_WEEKS = 4  # a retro every four weeks, unless the config says otherwise
SNOOZE = timedelta(days=3)
MAX_TEXT = 500


class RetroTopic(Base):
    """A topic for the next retro. Who suggested it is not stored: topics are anonymous."""

    __tablename__ = "retro_topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(MAX_TEXT))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RetroAction(Base):
    __tablename__ = "retro_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(MAX_TEXT))
    owner_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    due: Mapped[date | None] = mapped_column(Date, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    owner: Mapped[Person] = relationship(foreign_keys=[owner_id], lazy="joined")
    team: Mapped[Team] = relationship(lazy="joined")

    def overdue(self, today: date) -> bool:
        return self.done_at is None and self.due is not None and self.due < today


def clean(text: str) -> str:
    text = " ".join(text.split())
    if not text:
        raise UserError("Say what it is.")
    if len(text) > MAX_TEXT:
        raise UserError(f"Keep it to {MAX_TEXT} characters.")
    return text


def add_topic(db: Session, team: Team, text: str, *, now: datetime) -> RetroTopic:
    topic = RetroTopic(team_id=team.id, text=clean(text), created_at=now)
    db.add(topic)
    return topic


def add_action(
    db: Session,
    team: Team,
    text: str,
    *,
    owner: Person,
    due: date | None,
    creator: Person,
    now: datetime,
    today: date,
) -> RetroAction:
    if due is not None and due < today:
        raise UserError(f"{due:%a %d %b %Y} is in the past.")
    action = RetroAction(
        team_id=team.id,
        text=clean(text),
        owner_id=owner.id,
        owner=owner,
        due=due,
        created_by_id=creator.id,
        created_at=now,
    )
    db.add(action)
    return action


def open_actions(db: Session, team: Team) -> list[RetroAction]:
    return list(
        db.scalars(
            select(RetroAction)
            .where(RetroAction.team_id == team.id, RetroAction.done_at.is_(None))
            .order_by(RetroAction.due.is_(None), RetroAction.due, RetroAction.id)
        )
    )


def open_actions_of(db: Session, person: Person) -> list[RetroAction]:
    """A person's open action items, from every team, soonest due first."""
    return list(
        db.scalars(
            select(RetroAction)
            .where(RetroAction.owner_id == person.id, RetroAction.done_at.is_(None))
            .order_by(RetroAction.due.is_(None), RetroAction.due, RetroAction.id)
        )
    )


def overdue_for(db: Session, person: Person, today: date) -> list[RetroAction]:
    return list(
        db.scalars(
            select(RetroAction)
            .where(
                RetroAction.owner_id == person.id,
                RetroAction.done_at.is_(None),
                RetroAction.due < today,
            )
            .order_by(RetroAction.due, RetroAction.id)
        )
    )


def due_between(db: Session, first: date, last: date) -> list[RetroAction]:
    return list(
        db.scalars(
            select(RetroAction).where(
                RetroAction.done_at.is_(None), RetroAction.due >= first, RetroAction.due <= last
            )
        )
    )


def topics_since(db: Session, team: Team, since: datetime | None) -> list[RetroTopic]:
    query = select(RetroTopic).where(RetroTopic.team_id == team.id)
    if since is not None:
        query = query.where(RetroTopic.created_at > since)
    return list(db.scalars(query.order_by(RetroTopic.id)))


def get_action(db: Session, workspace_id: int, action_id: int) -> RetroAction:
    action = db.get(RetroAction, action_id)
    if action is None or action.team.workspace_id != workspace_id:
        raise NotFound(f"There is no action item #{action_id}.")
    return action


def may_change(action: RetroAction, person: Person) -> None:
    if person.id != action.owner_id and not person.is_admin and not is_lead(action.team, person):
        raise PermissionDenied(
            f"Only {action.owner.mention} or {action.team.possessive} leads can change "
            f"#{action.id}.",
            team=action.team,
        )


def complete(action: RetroAction, person: Person, now: datetime) -> bool:
    """Mark done; False if it already was."""
    may_change(action, person)
    if action.done_at is not None:
        return False
    action.done_at = now
    return True


def snooze(action: RetroAction, person: Person, today: date) -> date:
    """Due again `SNOOZE` from today, or on the owner's next working day after that (the due
    date's DM comes at the start of their working day)."""
    may_change(action, person)
    if action.done_at is not None:
        raise UserError(f"#{action.id} is already done.")
    due = today + SNOOZE
    working = action.owner.work_days or "12345"
    for _ in range(6):
        if str(due.isoweekday()) in working:
            break
        due += timedelta(days=1)
    action.due = due
    return action.due


def previous_retro(ritual: Ritual, before: datetime) -> datetime | None:
    """The start of the last retro before `before` (within its cadence and a week)."""
    span = timedelta(weeks=ritual.cadence_weeks + 1)
    found = ritual.occurrences(ritual.team.tz, before - span, before - timedelta(microseconds=1))
    return found[-1][1] if found else None
