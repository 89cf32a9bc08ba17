"""A workspace with the payments team and its rotation, as the on-call tests need them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy.orm import Session

from models.core.people import ensure_person, ensure_workspace, find_team, set_team_people
from models.core.workspace import LEAD, MEMBER, Person, Team, Workspace
from models.oncall.changes import reschedule, set_members
from models.oncall.rotations import Rotation
from tests.conftest import PEOPLE
from tests.slack_requests import TEAM_ID

CREATED = datetime(2026, 1, 1, tzinfo=UTC)


def person(db: Session, workspace: Workspace, uid: str) -> Person:
    p = ensure_person(db, workspace, uid, CREATED)
    name, tz, extra = PEOPLE.get(uid, (uid, "UTC", {}))
    p.real_name, p.tz, p.is_admin = name, tz, bool(extra.get("is_admin"))
    return p


def payments(db: Session) -> Team:
    workspace = ensure_workspace(db, TEAM_ID, CREATED)
    team = find_team(db, workspace, "payments")
    if team is None:
        team = Team(
            workspace_id=workspace.id,
            name="payments",
            channel_id="C0PAYMENTS",
            tz="Europe/Berlin",
            created_at=CREATED,
        )
        db.add(team)
        set_team_people(team, LEAD, [person(db, workspace, "U0LEAD")])
        members = [person(db, workspace, u) for u in ("U0ANA", "U0BEN", "U0CHO")]
        set_team_people(team, MEMBER, members)
        db.flush()
    return team


def make_rotation(
    db: Session,
    *,
    name: str = "payments-primary",
    tz: str = "Europe/Berlin",
    handoff: time = time(10, 0),
    weekday: int | None = 0,
    length: int = 1,
    unit: str = "w",
    anchor: date = date(2026, 3, 2),
    members: tuple[str, ...] = ("U0ANA", "U0BEN", "U0CHO"),
    away: tuple[str, ...] = (),
    channel: str | None = "C0PAYONCALL",
) -> Rotation:
    team = payments(db)
    workspace = db.get(Workspace, team.workspace_id)
    rotation = Rotation(
        workspace_id=team.workspace_id,
        team_id=team.id,
        team=team,
        name=name,
        tz=tz,
        handoff_time=handoff,
        handoff_weekday=weekday,
        shift_length=length,
        shift_unit=unit,
        anchor=anchor,
        channel_id=channel,
        reminder_hours=24,
        created_at=CREATED,
    )
    db.add(rotation)
    people = [person(db, workspace, uid) for uid in members]
    set_members(rotation, people, {p.id for p in people if p.slack_user_id in away})
    reschedule(rotation, CREATED)
    db.flush()
    return rotation


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)
