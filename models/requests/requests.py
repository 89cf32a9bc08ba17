"""The tables of requests: each team's settings (its request channel, shield rotation, emojis,
first-response SLAs and working hours) and the requests themselves, numbered per team
(`payments#12`)."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.core.base import Base, UTCDateTime
from models.core.workspace import Person, Team
from models.oncall.rotations import Rotation

NORMAL = "normal"
URGENT = "urgent"
URGENCIES = (NORMAL, URGENT)
DEFAULT_SLA_MINUTES = {NORMAL: 4 * 60, URGENT: 60}

OPEN = "open"  # waiting for the shield
NEED_INFO = "need_info"  # waiting on the asker
ACCEPTED = "accepted"
DONE = "done"
DECLINED = "declined"
DUPLICATE = "duplicate"
WITHDRAWN = "withdrawn"
UNDECIDED = (OPEN, NEED_INFO)  # the shield may still triage these
STILL_OPEN = (OPEN, NEED_INFO, ACCEPTED)  # in the queue
STATE_WORDS = {
    OPEN: "new",
    NEED_INFO: "waiting on the asker",
    ACCEPTED: "accepted",
    DONE: "done",
    DECLINED: "declined",
    DUPLICATE: "duplicate",
    WITHDRAWN: "withdrawn",
}

MAX_TITLE = 3000  # what a Slack text input holds; a longer request is refused, not cut
MAX_WHY = 3000
MAX_REASON = 500


class RequestSettings(Base):
    """How a team takes requests; a team without a row (or a channel) takes none."""

    __tablename__ = "request_settings"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    channel_id: Mapped[str] = mapped_column(String(32))
    shield_rotation_id: Mapped[int | None] = mapped_column(
        ForeignKey("rotations.id", ondelete="SET NULL")
    )
    emoji: Mapped[str] = mapped_column(String(64), default="ticket")
    skip_emoji: Mapped[str] = mapped_column(String(64), default="mega")
    sla_normal: Mapped[int] = mapped_column(Integer, default=DEFAULT_SLA_MINUTES[NORMAL])
    sla_urgent: Mapped[int] = mapped_column(Integer, default=DEFAULT_SLA_MINUTES[URGENT])
    work_start: Mapped[time] = mapped_column(Time, default=time(9, 0))
    work_end: Mapped[time] = mapped_column(Time, default=time(18, 0))
    work_days: Mapped[str] = mapped_column(String(7), default="12345")
    last_number: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    team: Mapped[Team] = relationship(lazy="joined")
    shield: Mapped[Rotation | None] = relationship(lazy="joined")

    def sla_minutes(self, urgency: str) -> int:
        return self.sla_urgent if urgency == URGENT else self.sla_normal


class Request(Base):
    """Something someone outside a team asks of it."""

    __tablename__ = "requests"
    __table_args__ = (
        UniqueConstraint("team_id", "number"),
        UniqueConstraint("workspace_id", "source_key"),
        Index("ix_requests_channel_id_thread_ts", "channel_id", "thread_ts"),  # a reply's request
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    why: Mapped[str] = mapped_column(Text, default="")
    due: Mapped[date | None] = mapped_column(Date)
    urgency: Mapped[str] = mapped_column(String(16), default=NORMAL)
    state: Mapped[str] = mapped_column(String(16), default=OPEN, index=True)
    source: Mapped[str] = mapped_column(String(16))  # command, form, shortcut, reaction
    # A door that could make the same request twice (a reaction, a shortcut on a message) keys
    # it: `reaction:C1:1700000000.000100`; unique per workspace.
    source_key: Mapped[str | None] = mapped_column(String(120))
    source_link: Mapped[str | None] = mapped_column(String(300))
    asker_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(String(MAX_REASON))
    duplicate_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("requests.id", ondelete="SET NULL")
    )
    channel_id: Mapped[str] = mapped_column(String(32))
    # The request's thread in the channel: the card's, or for a message made a request with the
    # emoji, that message's own (the card is then its first reply).
    thread_ts: Mapped[str | None] = mapped_column(String(32))
    card_ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When the SLA clock starts (a move to another team starts it again) and its milestones,
    # in the team's working hours: the shield is told, nudged (50%), the leads too (80%), breach.
    clock_from: Mapped[datetime] = mapped_column(UTCDateTime)
    tell_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    nudge_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    escalate_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    breach_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    told_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    update_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    team: Mapped[Team] = relationship(lazy="joined")
    asker: Mapped[Person] = relationship(foreign_keys=[asker_id], lazy="joined")
    assignee: Mapped[Person | None] = relationship(foreign_keys=[assignee_id], lazy="joined")
    decided_by: Mapped[Person | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def label(self) -> str:
        """`payments#12`"""
        return f"{self.team.name}#{self.number}"

    @property
    def state_word(self) -> str:
        return STATE_WORDS.get(self.state, self.state)


class RequestDm(Base):
    """A request's card in a DM that told someone of it (the shield, else the leads): one DM may
    hold several requests' cards, all brought up to date when one of them changes."""

    __tablename__ = "request_dms"
    __table_args__ = (Index("ix_request_dms_channel_id_ts", "channel_id", "ts"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("requests.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(120))  # its label when told (a move changes it)
    shield_user: Mapped[str | None] = mapped_column(String(32))  # addressed as the shield

    request: Mapped[Request] = relationship(lazy="joined")


def request_settings(db: Session, team: Team) -> RequestSettings | None:
    return db.get(RequestSettings, team.id)


def next_number(db: Session, team_id: int) -> int:
    """The team's next request number, taken in one statement (two requests at once get two
    numbers: PostgreSQL holds the row for the second until the first commits)."""
    return db.execute(
        update(RequestSettings)
        .where(RequestSettings.team_id == team_id)
        .values(last_number=RequestSettings.last_number + 1)
        .returning(RequestSettings.last_number)
        .execution_options(synchronize_session=False)
    ).scalar_one()


def settings_by_channel(db: Session, workspace_id: int, channel_id: str) -> RequestSettings | None:
    return db.scalar(
        select(RequestSettings)
        .join(Team, Team.id == RequestSettings.team_id)
        .where(Team.workspace_id == workspace_id, RequestSettings.channel_id == channel_id)
        .order_by(Team.name)
        .limit(1)
    )
