"""Bookkeeping of the running system: processed Slack events and worker heartbeats."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, UTCDateTime


class ProcessedEvent(Base):
    """An Events API `event_id` already handled: Slack retries events, we answer each once."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Heartbeat(Base):
    """The last time a named process (the worker) said it was alive."""

    __tablename__ = "heartbeats"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime)


def claim_event(session: Session, event_id: str, now: datetime) -> bool:
    """Record an event id; False when it was handled before (a Slack retry)."""
    try:
        with session.begin_nested():
            session.add(ProcessedEvent(event_id=event_id, received_at=now))
    except IntegrityError:
        return False
    return True


def beat(session: Session, name: str, now: datetime) -> None:
    row = session.get(Heartbeat, name)
    if row is None:
        session.add(Heartbeat(name=name, beat_at=now))
    else:
        row.beat_at = now


def last_beat(session: Session, name: str) -> datetime | None:
    row = session.get(Heartbeat, name)
    return row.beat_at if row else None
