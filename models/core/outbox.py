"""What requests deferred until after their answer (`bot.later`), kept in the request's own
transaction: a process killed before it made those Slack calls leaves them here, and the worker
makes them (`bot.jobs.deferred`). A row goes when its work is done."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.core.base import Base, UTCDateTime


class DeferredWork(Base):
    __tablename__ = "deferred_work"
    # Its id names its delivery (`later:<id>`), so an id is never used twice, rows deleted or not.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    piece: Mapped[dict[str, Any]] = mapped_column(JSON)  # `Deferred.to_json()`
    response_url: Mapped[str] = mapped_column(String(1000), default="")


def keep(db: Session, pieces: list[dict[str, Any]], response_url: str, now: datetime) -> list[int]:
    """Store a request's deferred pieces, in order, in its transaction; their ids."""
    rows = [DeferredWork(created_at=now, piece=p, response_url=response_url) for p in pieces]
    db.add_all(rows)
    db.flush()
    return [row.id for row in rows]


def created_between(db: Session, start: datetime, end: datetime) -> list[DeferredWork]:
    """Rows made in (start, end], oldest first."""
    return list(
        db.scalars(
            select(DeferredWork)
            .where(DeferredWork.created_at > start, DeferredWork.created_at <= end)
            .order_by(DeferredWork.id)
        )
    )


def forget(db: Session, row_id: int) -> None:
    db.execute(delete(DeferredWork).where(DeferredWork.id == row_id))


def prune_deferred(db: Session, before: datetime) -> int:
    """Forget rows older than `before` whose work failed for good or came too late to do."""
    return db.execute(delete(DeferredWork).where(DeferredWork.created_at < before)).rowcount
