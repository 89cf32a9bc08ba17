"""Heartbeats: a team can expect an always-firing alert (Alertmanager's `Watchdog`) from its
alerting pipeline. When none arrives for its minutes, the team's channel is told once that the
pipeline may be down; when one arrives again, it is told once that it is back.

Both are computed from the row alone: the silence is due `minutes` after the last beat (the
team's settings' change when none came yet), its key the instant it fell due; the return is
due when a beat ends a silence longer than the minutes (`back_at`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Integer, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.alerts.policies import Alerting, AlertSettings
from models.core.base import Base, UTCDateTime
from models.pages.formats import Alert
from models.pages.integrations import Hook


class PipelineHeartbeat(Base):
    __tablename__ = "alert_heartbeats"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), unique=True, index=True
    )
    integration_id: Mapped[int | None] = mapped_column(Integer)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    silent_from: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the beat before a gap
    back_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def beat_seen(db: Session, hook: Hook, alerting: Alerting, alert: Alert, now: datetime) -> bool:
    """Whether `alert` is the team's heartbeat (kept as one; it pages no one)."""
    if alerting.heartbeat is None or alert.alert_name != alerting.heartbeat[0]:
        return False
    if alert.resolved_at is not None:
        return True  # a heartbeat that stops firing is a silence, told when it lasts
    minutes = alerting.heartbeat[1]
    row = db.scalar(select(PipelineHeartbeat).where(PipelineHeartbeat.team_id == hook.team_id))
    if row is None:
        db.add(PipelineHeartbeat(team_id=hook.team_id, integration_id=hook.id, last_seen_at=now))
        return True
    if now - row.last_seen_at > timedelta(minutes=minutes):
        row.silent_from, row.back_at = row.last_seen_at, now
    row.last_seen_at = max(row.last_seen_at, now)
    return True


@dataclass(frozen=True)
class Silence:
    team_id: int
    since: datetime  # the last beat
    due_at: datetime  # when it is told: when the silence began, or when the beat came back
    back: bool  # a return, not a silence
    gap_at: datetime  # when the silence began (its `missing_key`)


def missing_key(team_id: int, due_at: datetime) -> str:
    return f"heartbeat-missing:{team_id}:{due_at.isoformat()}"


def silences_between(db: Session, start: datetime, end: datetime) -> list[Silence]:
    """Silences that began, and returns that came, in (start, end]."""
    rows = db.execute(
        select(AlertSettings.team_id, AlertSettings.heartbeat_minutes, AlertSettings.updated_at)
        .where(AlertSettings.heartbeat_minutes.is_not(None))
        .order_by(AlertSettings.team_id)
    ).all()
    beats = {
        b.team_id: b
        for b in db.scalars(
            select(PipelineHeartbeat).where(PipelineHeartbeat.team_id.in_([r[0] for r in rows]))
        )
    }
    out = []
    for team_id, minutes, updated_at in rows:
        beat = beats.get(team_id)
        last = max(beat.last_seen_at, updated_at) if beat is not None else updated_at
        due = last + timedelta(minutes=minutes)
        if start < due <= end:
            out.append(Silence(team_id, last, due, False, due))
        if beat is not None and beat.back_at is not None and start < beat.back_at <= end:
            assert beat.silent_from is not None
            gap = max(beat.silent_from, updated_at) + timedelta(minutes=minutes)
            out.append(Silence(team_id, beat.silent_from, beat.back_at, True, gap))
    return out


def next_silence_at(db: Session, after: datetime) -> datetime | None:
    found = [s.due_at for s in silences_between(db, after, after + timedelta(days=1))]
    return min(found) if found else None
