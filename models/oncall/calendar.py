"""Calendar feeds: an unguessable token per feed, a rotation's shifts or a person's."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.core.base import Base, UTCDateTime
from models.core.workspace import Person, Workspace
from models.oncall.rotations import Rotation


class CalendarFeed(Base):
    """An unguessable token for one iCalendar feed: a rotation's, or a person's shifts."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    rotation_id: Mapped[int | None] = mapped_column(
        ForeignKey("rotations.id", ondelete="CASCADE"), unique=True
    )
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    rotation: Mapped[Rotation | None] = relationship(lazy="joined")
    person: Mapped[Person | None] = relationship(lazy="joined")


def feed_for(
    db: Session,
    workspace: Workspace,
    now: datetime,
    *,
    rotation: Rotation | None = None,
    person: Person | None = None,
) -> tuple[CalendarFeed, bool]:
    """The calendar feed of a rotation or a person, made on first use; (feed, created)."""
    query = select(CalendarFeed).where(CalendarFeed.workspace_id == workspace.id)
    if rotation is not None:
        query = query.where(CalendarFeed.rotation_id == rotation.id)
    else:
        assert person is not None
        query = query.where(CalendarFeed.person_id == person.id)
    feed = db.scalar(query)
    if feed is not None:
        return feed, False
    feed = CalendarFeed(
        workspace_id=workspace.id,
        token=secrets.token_urlsafe(24),
        rotation_id=rotation.id if rotation else None,
        rotation=rotation,
        person_id=person.id if person else None,
        person=person,
        created_at=now,
    )
    db.add(feed)
    db.flush()
    return feed, True


def feed_by_token(db: Session, token: str) -> CalendarFeed | None:
    return db.scalar(select(CalendarFeed).where(CalendarFeed.token == token))
