"""The weekly priorities checkpoint: what moved, what is stuck, the top items and the budget."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.core.workspace import Team
from models.priorities.backlog import IN_PROGRESS, BacklogItem, closed_count, ranked
from models.priorities.budget import Budget, budget

STUCK_AFTER = timedelta(days=14)


@dataclass
class Checkpoint:
    moved: list[BacklogItem]  # status changed since the last checkpoint
    stuck: list[BacklogItem]  # in progress, unchanged for STUCK_AFTER
    top: list[BacklogItem]
    budget: Budget
    closed: int = 0  # items done or dropped


def checkpoint(db: Session, team: Team, since: datetime, *, now: datetime) -> Checkpoint:
    items = db.scalars(select(BacklogItem).where(BacklogItem.team_id == team.id)).all()
    moved = [i for i in items if since < i.status_changed_at <= now]
    stuck = [i for i in items if i.status == IN_PROGRESS and i.updated_at <= now - STUCK_AFTER]
    return Checkpoint(
        moved=sorted(moved, key=lambda i: i.number),
        stuck=sorted(stuck, key=lambda i: i.updated_at),
        top=ranked(db, team)[:5],
        budget=budget(db, team),
        closed=closed_count(db, team),
    )
