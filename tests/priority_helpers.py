"""A team to prioritise for: payments in #C0PAYMENTS (Berlin), lead Lea, members Ana and Ben."""

from __future__ import annotations

from models.core.workspace import LEAD, MEMBER, Person, Team, TeamMember, Workspace
from tests.conftest import PEOPLE, START
from tests.slack_requests import TEAM_ID


def make_team(db) -> Team:
    workspace = Workspace(slack_team_id=TEAM_ID, created_at=START)
    db.add(workspace)
    db.flush()
    team = Team(
        workspace_id=workspace.id,
        name="payments",
        channel_id="C0PAYMENTS",
        tz="Europe/Berlin",
        created_at=START,
    )
    db.add(team)
    for uid, role in [("U0LEAD", LEAD), ("U0ANA", MEMBER), ("U0BEN", MEMBER)]:
        name, tz, _ = PEOPLE[uid]
        person = Person(workspace_id=workspace.id, slack_user_id=uid, name=uid.lower(), tz=tz)
        person.real_name = name
        db.add(person)
        team.memberships.append(TeamMember(person=person, role=role))
    db.commit()
    return team
