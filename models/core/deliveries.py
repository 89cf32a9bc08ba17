"""Deliveries (what the scheduler sent, exactly once) and where the scheduler got to.

A `Delivery` is one claimed unique key: the scheduler inserts it before posting, so a second
worker, a retry or a restart never posts twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Integer, String, Text, case, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.core.base import Base, UTCDateTime, dialect_insert

CLAIMED = "claimed"  # being sent, or waiting for a retry (next_attempt_at)
SENT = "sent"
FAILED = "failed"  # permanently: not retried
DROPPED = "dropped"  # too late to be useful


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


def existing_keys(db: Session, keys: list[str]) -> set[str]:
    """Which of these keys were claimed before (one query per thousand keys)."""
    found: set[str] = set()
    for i in range(0, len(keys), 1000):
        chunk = keys[i : i + 1000]
        found.update(db.scalars(select(Delivery.key).where(Delivery.key.in_(chunk))))
    return found


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


def prune_kind(db: Session, kind: str, before: datetime) -> int:
    """Forget deliveries of `kind` due before `before`: for kinds whose keys are never used
    again (work a request deferred is `later:<id>`), the record has served its purpose."""
    stale = delete(Delivery).where(Delivery.kind == kind, Delivery.due_at < before)
    return db.execute(stale).rowcount
