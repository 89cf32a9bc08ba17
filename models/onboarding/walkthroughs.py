"""Walkthroughs: a hire's first two weeks as steps sent by DM, one at a time. The records (the
walkthrough, its steps copied from a template, the on-call shifts the hire shadows) and the
queries the commands, the scheduler and `/oncall` ask of them. How a walkthrough is started and
changed is `lifecycle`."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

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
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.core.base import Base, UTCDateTime
from models.core.errors import NotFound, UserError
from models.core.working_days import WorkCalendar, work_calendar
from models.core.workspace import Person, Team, Workspace
from models.onboarding.templates import TITLE_LIMIT

ACTIVE, PAUSED, CANCELLED, DONE = "active", "paused", "cancelled", "done"
CURRENT = (ACTIVE, PAUSED)


# -- records -----------------------------------------------------------------------------------


class Walkthrough(Base):
    """One hire's onboarding: their steps, their buddy and lead, where they got to."""

    __tablename__ = "walkthroughs"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    hire_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    buddy_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    template: Mapped[str] = mapped_column(String(80))
    tz: Mapped[str] = mapped_column(String(64))  # the hire's zone when last planned
    start_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=ACTIVE, index=True)
    welcome_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    welcome_plan: Mapped[int] = mapped_column(Integer, default=0)
    welcome_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    needs_attention: Mapped[bool] = mapped_column(Boolean, default=False)
    attention_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    feedback: Mapped[str | None] = mapped_column(Text)
    feedback_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    team: Mapped[Team] = relationship(lazy="joined")
    hire: Mapped[Person] = relationship(foreign_keys=[hire_id], lazy="joined")
    lead: Mapped[Person | None] = relationship(foreign_keys=[lead_id], lazy="joined")
    buddy: Mapped[Person | None] = relationship(foreign_keys=[buddy_id], lazy="joined")
    steps: Mapped[list[WalkthroughStep]] = relationship(
        back_populates="walkthrough",
        cascade="all, delete-orphan",
        order_by="WalkthroughStep.index",
        lazy="selectin",
    )

    @property
    def calendar(self) -> WorkCalendar:
        """The hire's working days and public holidays in the team: what the steps skip."""
        return work_calendar(self.hire, self.team)

    @property
    def done_count(self) -> int:
        return sum(1 for s in self.steps if s.done_at is not None)

    def next_step(self) -> WalkthroughStep | None:
        return next((s for s in self.steps if s.done_at is None), None)

    def overdue(self, now: datetime) -> list[WalkthroughStep]:
        return [s for s in self.steps if s.is_overdue(now)]

    def snapshot(self) -> dict[str, Any]:
        return {
            "hire": self.hire.slack_user_id,
            "team": self.team.name,
            "template": self.template,
            "start": self.start_date.isoformat(),
            "buddy": self.buddy.slack_user_id if self.buddy else None,
            "lead": self.lead.slack_user_id if self.lead else None,
            "status": self.status,
        }


class WalkthroughStep(Base):
    """A step copied from the template, with its due instant in the hire's zone."""

    __tablename__ = "walkthrough_steps"
    __table_args__ = (UniqueConstraint("walkthrough_id", "index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    walkthrough_id: Mapped[int] = mapped_column(
        ForeignKey("walkthroughs.id", ondelete="CASCADE"), index=True
    )
    index: Mapped[int] = mapped_column(Integer)
    day: Mapped[int] = mapped_column(Integer)
    at: Mapped[time] = mapped_column(Time)
    title: Mapped[str] = mapped_column(String(TITLE_LIMIT))
    body: Mapped[str] = mapped_column(Text)
    links: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    checklist: Mapped[list[str]] = mapped_column(JSON, default=list)
    checked: Mapped[list[int]] = mapped_column(JSON, default=list)  # the items ticked off
    shadow: Mapped[bool] = mapped_column(Boolean, default=False)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    overdue_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    plan: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    help_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    walkthrough: Mapped[Walkthrough] = relationship(back_populates="steps")

    @property
    def is_last(self) -> bool:
        return self.index == len(self.walkthrough.steps) - 1

    def is_overdue(self, now: datetime) -> bool:
        return self.sent_at is not None and self.done_at is None and self.overdue_at <= now


class Shadow(Base):
    """A hire shadowing an on-call rotation for a shift: shown with the rotation, never paged."""

    __tablename__ = "onboarding_shadows"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    walkthrough_id: Mapped[int | None] = mapped_column(
        ForeignKey("walkthroughs.id", ondelete="SET NULL")
    )
    rotation: Mapped[str] = mapped_column(String(80), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship(lazy="joined")


# -- queries -----------------------------------------------------------------------------------


def current_walkthrough(db: Session, workspace_id: int, hire: Person) -> Walkthrough | None:
    return db.scalar(
        select(Walkthrough)
        .where(
            Walkthrough.workspace_id == workspace_id,
            Walkthrough.hire_id == hire.id,
            Walkthrough.status.in_(CURRENT),
        )
        .order_by(Walkthrough.id.desc())
        .limit(1)
    )


def latest_walkthrough(db: Session, workspace: Workspace, hire: Person) -> Walkthrough:
    found = db.scalar(
        select(Walkthrough)
        .where(Walkthrough.workspace_id == workspace.id, Walkthrough.hire_id == hire.id)
        .order_by(Walkthrough.id.desc())
        .limit(1)
    )
    if found is None:
        raise NotFound(
            f"{hire.mention} has no onboarding. Start one with `/onboard {hire.mention}`."
        )
    return found


def require_current_of(db: Session, workspace: Workspace, hire: Person) -> Walkthrough:
    found = current_walkthrough(db, workspace.id, hire)
    if found is None:
        latest_walkthrough(db, workspace, hire)  # NotFound when there never was one
        raise UserError(f"{hire.possessive} onboarding is over; nothing to change.")
    return found


def followed_by(db: Session, person: Person) -> list[Walkthrough]:
    """Current walkthroughs this person leads or is the buddy of, oldest start first."""
    return list(
        db.scalars(
            select(Walkthrough)
            .where(
                Walkthrough.status.in_(CURRENT),
                (Walkthrough.lead_id == person.id) | (Walkthrough.buddy_id == person.id),
            )
            .order_by(Walkthrough.start_date, Walkthrough.id)
        )
    )


def team_walkthroughs(db: Session, team: Team) -> list[Walkthrough]:
    return list(
        db.scalars(
            select(Walkthrough)
            .where(Walkthrough.team_id == team.id, Walkthrough.status.in_(CURRENT))
            .order_by(Walkthrough.start_date, Walkthrough.id)
        )
    )


def welcomes_due(db: Session, start: datetime, end: datetime) -> list[Walkthrough]:
    """Active walkthroughs whose welcome is due in (start, end] and not sent."""
    return list(
        db.scalars(
            select(Walkthrough)
            .where(
                Walkthrough.status == ACTIVE,
                Walkthrough.welcome_sent_at.is_(None),
                Walkthrough.welcome_at > start,
                Walkthrough.welcome_at <= end,
            )
            .order_by(Walkthrough.welcome_at, Walkthrough.id)
        )
    )


def _active_steps(db: Session, instant, start: datetime, end: datetime, *where) -> list:
    return list(
        db.scalars(
            select(WalkthroughStep)
            .join(Walkthrough)
            .where(Walkthrough.status == ACTIVE, instant > start, instant <= end, *where)
            .order_by(instant, WalkthroughStep.walkthrough_id, WalkthroughStep.index)
        )
    )


def steps_due(db: Session, start: datetime, end: datetime) -> list[WalkthroughStep]:
    """Steps of active walkthroughs due in (start, end] and not sent."""
    return _active_steps(db, WalkthroughStep.due_at, start, end, WalkthroughStep.sent_at.is_(None))


def steps_overdue(db: Session, start: datetime, end: datetime) -> list[WalkthroughStep]:
    """Steps sent, not done, that became overdue in (start, end]."""
    return _active_steps(
        db,
        WalkthroughStep.overdue_at,
        start,
        end,
        WalkthroughStep.sent_at.is_not(None),
        WalkthroughStep.done_at.is_(None),
    )


# -- filling in the text -----------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{(hire|buddy|lead|team|channel)\}")


def fill(text: str, w: Walkthrough) -> str:
    """Fill {hire}, {buddy}, {lead}, {team} and {channel}; other braces stay as written."""
    values = {
        "hire": w.hire.mention,
        "buddy": w.buddy.mention if w.buddy else "your buddy",
        "lead": w.lead.mention if w.lead else "your lead",
        "team": w.team.name,
        "channel": f"<#{w.team.channel_id}>" if w.team.channel_id else "the team's channel",
    }
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], text)
