"""Replies in a request's thread: one by the team is the request's first response, as a
decision is. Which channels hold requests' threads, for the app to skip all others unread."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models.core.workspace import Person
from models.requests.requests import OPEN, Request, RequestSettings
from models.requests.triage import of_team


def answered_in_thread(
    db: Session, workspace_id: int, channel: str, thread_ts: str, person: Person, now: datetime
) -> Request | None:
    """A reply in a request's thread by one of its team (not the asker) is its first response,
    as a decision is: the request waiting for one, now answered; else None."""
    request = db.scalar(
        select(Request).where(
            Request.workspace_id == workspace_id,
            Request.channel_id == channel,
            Request.thread_ts == thread_ts,
            Request.state == OPEN,
            Request.first_response_at.is_(None),
        )
    )
    if request is None or person.id == request.asker_id or not of_team(db, request, person):
        return None
    answered = db.execute(
        update(Request)
        .where(Request.id == request.id, Request.first_response_at.is_(None))
        .values(first_response_at=now)
        .execution_options(synchronize_session=False)
    )
    db.refresh(request)
    return request if answered.rowcount == 1 else None


def thread_channels(db: Session) -> frozenset[str]:
    """The channels whose threads may hold requests: every team's request channel, and those of
    requests still waiting for a first response (a team may have moved its channel since)."""
    settings = select(RequestSettings.channel_id)
    waiting = select(Request.channel_id).where(
        Request.state == OPEN, Request.first_response_at.is_(None)
    )
    return frozenset(db.scalars(settings.union(waiting)))
