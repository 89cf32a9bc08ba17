"""An urgent request in a team that has alerting (an `alerting:` entry) follows the team's
escalation for urgent requests: an alert group is started as `/oncall page` starts one, paging
the shield rotation's on-call, then the team's leads (the team's default policy when it names
no shield rotation); it is notified, escalated, acked and resolved like any alert, with its
buttons, sent by alerting's worker (see SETTLE). The request's first response (a triage
decision, or a reply in its thread by one of the team) acks it. Without alerting, the shield is
told at once, as ever."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.alerts.claims import claim_as_read
from models.alerts.groups import FIRING, AlertGroup, ack_group, plan_steps
from models.alerts.manual import page_by_hand
from models.alerts.policies import AlertSettings, team_alerting
from models.core.workspace import Person
from models.requests.requests import URGENT, Request, RequestSettings

# The first step falls due this long after the request: later than the request's commit, so the
# worker's tick that covers it reads the group (a tick that read before the commit and ended
# after the step's time would skip it). Requests' handlers don't reach into alerting's, so no
# one sends it at once, as `/oncall page` does.
SETTLE = timedelta(seconds=30)


def group_key(request: Request) -> str:
    return f"request:{request.id}"


def start_urgent_alert(db: Session, request: Request, now: datetime) -> int | None:
    """The alert group of a new urgent request (added and planned), when its team has
    alerting; None otherwise."""
    if request.urgency != URGENT:
        return None
    if db.scalar(select(AlertSettings.id).where(AlertSettings.team_id == request.team_id)) is None:
        return None
    team = request.team
    settings = db.get(RequestSettings, team.id)
    shield = settings.shield if settings is not None else None
    group = page_by_hand(
        team,
        message=f"Urgent request {request.label}: {request.title}",
        by=request.asker,
        now=now,
        rotation=shield.name if shield is not None else None,
        policy=None if shield is not None else team_alerting(db, team.id).default,
    )
    group.base_at = now + SETTLE
    group.group_key = group_key(request)
    group.labels = {**group.labels, "request": request.label}
    db.add(group)
    plan_steps(db, group)
    db.flush()
    return group.id


def ack_on_first_response(db: Session, request: Request, by: Person, now: datetime) -> int | None:
    """The request had its first response: its alert group, still firing, acked by `by` (its
    id; alerting's worker brings its messages up to date); None when there is none to ack."""
    if request.urgency != URGENT or request.first_response_at is None:
        return None
    group = db.scalar(
        select(AlertGroup).where(
            AlertGroup.workspace_id == request.workspace_id,
            AlertGroup.status == FIRING,
            AlertGroup.group_key == group_key(request),
        )
    )
    if group is None or not claim_as_read(db, group, now) or group.status != FIRING:
        return None
    ack_group(group, by, now)
    db.flush()
    return group.id
