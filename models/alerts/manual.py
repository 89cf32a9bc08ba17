"""A page by hand (`/oncall page <rotation|team|@person> <message>`): an alert group with no
source, urgent, notified and escalated like any other. Paging a rotation notifies whoever is on
call in it, then its team's leads; a person, them and then their team's leads; a team, its
default policy."""

from __future__ import annotations

import secrets
from datetime import datetime

from models.alerts.groups import AlertGroup, new_group
from models.alerts.policies import MANUAL, PERSON, ROTATION
from models.core.workspace import Person, Team

TITLE_LIMIT = 300


def page_by_hand(
    team: Team,
    *,
    message: str,
    by: Person,
    now: datetime,
    rotation: str | None = None,
    person: Person | None = None,
    policy: str | None = None,
) -> AlertGroup:
    """The group of a hand page (add it to the session): `rotation` or `person` paged, else
    the team's `policy`."""
    if rotation is not None:
        policy = f"{MANUAL}{ROTATION}:{rotation}"
    elif person is not None:
        policy = f"{MANUAL}{PERSON}:{person.slack_user_id}"
    return new_group(
        now,
        [],
        workspace_id=team.workspace_id,
        team_id=team.id,
        integration_id=None,
        group_key=f"manual:{secrets.token_hex(8)}",
        open_key=None,
        title=message[:TITLE_LIMIT],
        severity="page",
        labels={"paged_by": by.slack_user_id},
        rotation=rotation,
        policy=policy or "",
        urgent=True,
    )
