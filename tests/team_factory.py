"""A workspace and a team with people, for tests that need one."""

from __future__ import annotations

from models.core.people import set_team_people
from models.core.workspace import LEAD, MEMBER, Person, Team, Workspace
from tests.conftest import START


def add_person(db, ws: Workspace, uid: str, name: str, tz: str | None = "Europe/Berlin") -> Person:
    person = Person(workspace_id=ws.id, slack_user_id=uid, name=name, real_name=name, tz=tz)
    db.add(person)
    db.flush()
    return person


def make_team(
    db,
    slack_team_id: str,
    leads: dict[str, str],
    members: dict[str, str],
    tz: str = "Europe/Berlin",
) -> Team:
    """`payments` (channel C0PAYMENTS) in a new workspace; people given as {uid: name}."""
    ws = Workspace(slack_team_id=slack_team_id, created_at=START)
    db.add(ws)
    db.flush()
    team = Team(
        workspace_id=ws.id, name="payments", channel_id="C0PAYMENTS", tz=tz, created_at=START
    )
    db.add(team)
    for role, people in ((LEAD, leads), (MEMBER, members)):
        set_team_people(team, role, [add_person(db, ws, uid, name) for uid, name in people.items()])
    db.flush()
    return team
