"""Bookkeeping of the running system: processed Slack events and worker heartbeats."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.core.base import Base, UTCDateTime, dialect_insert


class ProcessedEvent(Base):
    """An Events API `event_id` already handled: Slack retries events, we answer each once."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


WORKER = "worker"  # the scheduler's heartbeat
# A worker ticks every WORKER_TICK_SECONDS (a minute by default): three ticks missed, and never
# less than three minutes, without a tick means it has stopped.
WORKER_STALE_AFTER = timedelta(minutes=3)
MISSED_TICKS = 3


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
    """Record that `name` is alive at `now`: one upsert, so workers that start together don't
    trip over each other's first beat."""
    statement = dialect_insert(session)(Heartbeat).values(name=name, beat_at=now)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[Heartbeat.name], set_={"beat_at": statement.excluded.beat_at}
        )
    )


def last_beat(session: Session, name: str) -> datetime | None:
    row = session.get(Heartbeat, name, populate_existing=True)
    return row.beat_at if row else None


@dataclass(frozen=True)
class WorkerHealth:
    """When the worker last ticked, as seen at `now`, and how often it is set to tick."""

    last_tick: datetime | None
    now: datetime
    every: timedelta = timedelta(minutes=1)

    @property
    def age(self) -> timedelta | None:
        return None if self.last_tick is None else self.now - self.last_tick

    @property
    def stale_after(self) -> timedelta:
        return max(WORKER_STALE_AFTER, MISSED_TICKS * self.every)

    @property
    def ticking(self) -> bool:
        return self.age is not None and self.age <= self.stale_after


def worker_health(session: Session, now: datetime, every: float = 60.0) -> WorkerHealth:
    """`every`: the seconds between ticks the worker is set to (WORKER_TICK_SECONDS)."""
    return WorkerHealth(last_beat(session, WORKER), now, timedelta(seconds=every))
