"""Workspaces, people and teams: what every feature builds on."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    String,
    Time,
    UniqueConstraint,
    event,
    false,
    inspect,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from sqlalchemy.orm.util import identity_key

from models.core.base import Base, UTCDateTime
from models.core.changes import changed
from models.core.words import possessive

LEAD = "lead"
MEMBER = "member"


class Workspace(Base):
    """A Slack workspace. Every other row belongs to one."""

    __tablename__ = "workspaces"

    id: Mapped[int] = mapped_column(primary_key=True)
    slack_team_id: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Bumped by every catalog change, so each process knows when its name index is stale.
    catalog_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Bumped with any rotation's `schedule_version`, and when a rotation is added, renamed or
    # removed: each process keeps the workspace's rotations by name while it stays the same.
    schedule_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Bumped when SLO figures are stored or an SLO changes: each process keeps a service card's
    # SLO line while it stays the same.
    slo_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


def bump_workspace_version(session: Session, field: str, workspace_ids: set[int]) -> None:
    """Add one to a workspace version (`catalog_version`, `schedule_version`, `slo_version`) in
    the session's transaction; the next read of it in this session sees the new number, and the
    commit tells the other processes (`models/core/changes.py`; a `before_commit` listener that
    bumps one is inserted before the one that tells them)."""
    changed(session)
    table = Workspace.__table__
    column = table.c[field]
    session.connection().execute(
        update(table).where(table.c.id.in_(sorted(workspace_ids))).values({column: column + 1})
    )
    for workspace_id in workspace_ids:
        held = session.identity_map.get(identity_key(Workspace, workspace_id))
        if held is not None:
            session.expire(held, [field])


class Person(Base):
    """A Slack user as Upkeep knows them: fetched from `users.info` on first sight."""

    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("workspace_id", "slack_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    slack_user_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200), default="")
    real_name: Mapped[str] = mapped_column(String(200), default="")
    tz: Mapped[str | None] = mapped_column(String(64))  # IANA zone; None until Slack told us
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    work_start: Mapped[time] = mapped_column(Time, default=time(9, 0))
    work_end: Mapped[time] = mapped_column(Time, default=time(18, 0))
    work_days: Mapped[str] = mapped_column(String(7), default="12345")  # ISO weekdays, Mon=1
    # Their own public holidays (`models.core.working_days`); None: their team's.
    holiday_country: Mapped[str | None] = mapped_column(String(8))
    holiday_region: Mapped[str | None] = mapped_column(String(40))
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    workspace: Mapped[Workspace] = relationship()

    @property
    def display_name(self) -> str:
        return self.real_name or self.name or self.slack_user_id

    @property
    def mention(self) -> str:
        return f"<@{self.slack_user_id}>"

    @property
    def possessive(self) -> str:
        """`<@U1>'s`, or `<@U1>'` for a name that ends in s: the mention shows as the name."""
        return possessive(self.display_name, self.mention)

    def zone(self, fallback: str = "UTC") -> str:
        return self.tz or fallback


# What who asks reads of a row (`models.core.people.read_asker`): a change to one, flushed by the
# ORM, is told to the other processes at commit (a new row is nobody's asker yet).
_ASKED = {
    Workspace: ("catalog_version", "schedule_version", "slo_version"),
    Person: ("tz", "is_admin"),
}


@event.listens_for(Session, "after_flush")
def _who_asks_changed(session: Session, _context) -> None:
    if any(type(obj) in _ASKED for obj in session.deleted) or any(
        _asked_field_changed(obj) for obj in session.dirty if type(obj) in _ASKED
    ):
        changed(session)


def _asked_field_changed(obj: Workspace | Person) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in _ASKED[type(obj)])


class Team(Base):
    """A team: a slug name, a home channel, a time zone, leads and members."""

    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    channel_id: Mapped[str | None] = mapped_column(String(32), index=True)
    tz: Mapped[str] = mapped_column(String(64), default="UTC")
    # The public holidays its members take off, unless they set their own; None: none.
    holiday_country: Mapped[str | None] = mapped_column(String(8))
    holiday_region: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    memberships: Mapped[list[TeamMember]] = relationship(
        back_populates="team", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def possessive(self) -> str:
        """`payments'`, `search's`."""
        return possessive(self.name)

    def people(self, role: str) -> list[Person]:
        return [m.person for m in self.memberships if m.role == role]

    @property
    def members(self) -> list[Person]:
        return self.people(MEMBER)

    @property
    def leads(self) -> list[Person]:
        return self.people(LEAD)


class TeamMember(Base):
    """A person's place in a team: as a lead, a member, or both (two rows)."""

    __tablename__ = "team_members"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(16), primary_key=True)

    team: Mapped[Team] = relationship(back_populates="memberships")
    person: Mapped[Person] = relationship(lazy="joined")


class AuditEntry(Base):
    """Who changed what, from what to what, and when; or who tried and was refused (`refused`,
    `action` says what they tried). `team` is the team it concerns, when there is one: its leads
    read it with `/upkeep audit`."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    refused: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    actor: Mapped[Person | None] = relationship(lazy="joined")
    team: Mapped[Team | None] = relationship(lazy="joined")
