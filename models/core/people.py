"""Finding and creating workspaces, people and teams."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import and_, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.core.errors import NotFound, PermissionDenied, UserError
from models.core.hot import HotRead
from models.core.workspace import LEAD, MEMBER, AuditEntry, Person, Team, TeamMember, Workspace

# Looks a Slack user up (users.info's `user` object) or returns None when Slack doesn't know them.
UserLookup = Callable[[str], dict[str, Any] | None]

TEAM_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,31}$")
NOT_A_CHANNEL = "must be a channel id (like C0PAYMENTS)"


def is_channel(value: object) -> bool:
    """A channel id (C..., G...) as the config file and `channel=` take it; empty means none."""
    return not value or (isinstance(value, str) and bool(CHANNEL_ID.match(value)))


def valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


# One statement, compiled once: the workspace and (if known) the person behind a request.
_WHO = (
    select(Workspace, Person)
    .outerjoin(
        Person,
        and_(Person.workspace_id == Workspace.id, Person.slack_user_id == bindparam("user")),
    )
    .where(Workspace.slack_team_id == bindparam("team"))
)


def lookup_who(
    session: Session, slack_team_id: str, slack_user_id: str | None
) -> tuple[Workspace | None, Person | None]:
    """The workspace and the person of a request in one query; None for what isn't known yet."""
    row = session.execute(_WHO, {"team": slack_team_id, "user": slack_user_id or ""}).first()
    return (row[0], row[1]) if row else (None, None)


_WHO_BY_IDS = (
    select(Workspace, Person)
    .outerjoin(Person, Person.id == bindparam("person"))
    .where(Workspace.id == bindparam("workspace"))
)


def who_by_ids(
    session: Session, workspace_id: int, person_id: int | None
) -> tuple[Workspace | None, Person | None]:
    """A request's workspace and person, known by id, in one query."""
    row = session.execute(_WHO_BY_IDS, {"workspace": workspace_id, "person": person_id}).first()
    return (row[0], row[1]) if row else (None, None)


@dataclass(frozen=True)
class WorkspaceRef:
    """What a lookup needs of the workspace: its id, and the versions of its catalog and of
    its rotations' schedules (what this process keeps of them is good while they stay)."""

    id: int
    catalog_version: int
    schedule_version: int = 0
    slo_version: int = 0


@dataclass(frozen=True)
class Asker:
    """Who asks, as a lookup needs it: read in one small query, no ORM objects."""

    workspace: WorkspaceRef
    person_id: int | None
    tz: str
    is_admin: bool

    @classmethod
    def of(cls, workspace: Workspace, person: Person | None) -> Asker:
        ref = WorkspaceRef(
            workspace.id,
            workspace.catalog_version or 0,
            workspace.schedule_version or 0,
            workspace.slo_version or 0,
        )
        if person is None:
            return cls(ref, None, "UTC", False)
        return cls(ref, person.id, person.zone(), bool(person.is_admin))


_ASKER = HotRead(
    select(
        Workspace.id,
        Workspace.catalog_version,
        Workspace.schedule_version,
        Workspace.slo_version,
        Person.id,
        Person.tz,
        Person.is_admin,
    )
    .outerjoin(Person, Person.id == bindparam("person"))
    .where(Workspace.id == bindparam("workspace"))
)


def read_asker(session: Session, workspace_id: int, person_id: int | None) -> Asker:
    values = {"workspace": workspace_id, "person": person_id}
    w, catalog, schedule, slo, p, tz, admin = _ASKER.one(session, values)
    ref = WorkspaceRef(w, catalog or 0, schedule or 0, slo or 0)
    return Asker(ref, p, tz or "UTC", bool(admin))


def ensure_workspace(session: Session, slack_team_id: str, now: datetime) -> Workspace:
    workspace = session.scalar(select(Workspace).where(Workspace.slack_team_id == slack_team_id))
    if workspace is not None:
        return workspace
    try:
        with session.begin_nested():
            workspace = Workspace(slack_team_id=slack_team_id, created_at=now)
            session.add(workspace)
    except IntegrityError:  # created by a concurrent first request
        workspace = session.scalars(
            select(Workspace).where(Workspace.slack_team_id == slack_team_id)
        ).one()
    return workspace


# The workspace the CLI makes when it runs before any bot token is set (`upkeep import` on a
# fresh database): the bot token's workspace takes it over the first time one is used.
LOCAL_TEAM_ID = "T0LOCAL"


class OtherWorkspace(UserError):
    """The database holds another Slack workspace's data than the bot token's."""

    def __init__(self, ours: str, others: list[str]):
        held = ", ".join(others)
        super().__init__(
            f"This database holds the data of another Slack workspace ({held}), not of the one "
            f"the bot token belongs to ({ours}), and Upkeep never mixes them. Point DATABASE_URL "
            "at a database of this workspace's own (the console and the demo have their own "
            "and never use it)."
        )


def workspace_for_token(session: Session, team_id: str, now: datetime) -> Workspace:
    """The workspace of the bot token (`auth.test`'s team), made on first use or taken over from
    a local one; `OtherWorkspace` when the database holds another workspace's data."""
    held = list(session.scalars(select(Workspace).order_by(Workspace.id)))
    others = [w.slack_team_id for w in held if w.slack_team_id not in (team_id, LOCAL_TEAM_ID)]
    mine = [w for w in held if w.slack_team_id == team_id]
    local = [w for w in held if w.slack_team_id == LOCAL_TEAM_ID]
    if others or (mine and local):
        raise OtherWorkspace(team_id, others or [LOCAL_TEAM_ID])
    if mine:
        return mine[0]
    if local:
        local[0].slack_team_id = team_id
        session.flush()
        return local[0]
    return ensure_workspace(session, team_id, now)


def apply_profile(person: Person, user: dict[str, Any], now: datetime) -> None:
    """Copy what `users.info` (or a `user_change` event) says about a person."""
    profile = user.get("profile") or {}
    person.name = user.get("name") or person.name or ""
    person.real_name = (
        profile.get("display_name") or user.get("real_name") or profile.get("real_name") or ""
    )
    tz = user.get("tz")
    if tz and valid_zone(tz):
        person.tz = tz
    person.is_admin = bool(user.get("is_admin") or user.get("is_owner"))
    person.is_bot = bool(user.get("is_bot"))
    person.deleted = bool(user.get("deleted"))
    person.refreshed_at = now


def find_person(session: Session, workspace: Workspace, slack_user_id: str) -> Person | None:
    return session.scalar(
        select(Person).where(
            Person.workspace_id == workspace.id, Person.slack_user_id == slack_user_id
        )
    )


def ensure_person(
    session: Session,
    workspace: Workspace,
    slack_user_id: str,
    now: datetime,
    lookup: UserLookup | None = None,
) -> Person:
    """The person with this Slack id, created (and looked up in Slack, if we can) on first sight."""
    person = find_person(session, workspace, slack_user_id)
    if person is not None:
        return person
    user = lookup(slack_user_id) if lookup else None
    try:
        with session.begin_nested():
            person = Person(
                workspace_id=workspace.id, slack_user_id=slack_user_id, name=slack_user_id
            )
            if user:
                apply_profile(person, user, now)
            session.add(person)
    except IntegrityError:  # a concurrent request created them first
        person = find_person(session, workspace, slack_user_id)
        assert person is not None
    return person


def find_team(session: Session, workspace: Workspace, name: str) -> Team | None:
    return session.scalar(
        select(Team).where(Team.workspace_id == workspace.id, Team.name == name.lower())
    )


def get_team(session: Session, workspace: Workspace, name: str, usage: str | None = None) -> Team:
    team = find_team(session, workspace, name)
    if team is None:
        known = session.scalars(
            select(Team.name).where(Team.workspace_id == workspace.id).order_by(Team.name)
        ).all()
        hint = f" Teams: {', '.join(known)}." if known else " No teams are set up yet."
        raise NotFound(f"There is no team called `{name}`.{hint}", usage)
    return team


def teams_of_workspace(session: Session, workspace: Workspace) -> list[Team]:
    return list(
        session.scalars(select(Team).where(Team.workspace_id == workspace.id).order_by(Team.name))
    )


def teams_of_channel(session: Session, workspace: Workspace, channel_id: str) -> list[Team]:
    return list(
        session.scalars(
            select(Team)
            .where(Team.workspace_id == workspace.id, Team.channel_id == channel_id)
            .order_by(Team.name)
        )
    )


def teams_of_person(session: Session, person: Person) -> list[Team]:
    return list(
        session.scalars(
            select(Team)
            .join(TeamMember, TeamMember.team_id == Team.id)
            .where(TeamMember.person_id == person.id)
            .distinct()
            .order_by(Team.name)
        )
    )


def relevant_teams(session: Session, workspace: Workspace, channel_id: str | None, person: Person):
    """The channel's teams if it belongs to any, else the asker's own teams."""
    teams = teams_of_channel(session, workspace, channel_id) if channel_id else []
    return teams or teams_of_person(session, person)


def set_team_people(team: Team, role: str, people: Iterable[Person]) -> None:
    wanted = {p.id: p for p in people}
    team.memberships[:] = [m for m in team.memberships if m.role != role or m.person_id in wanted]
    have = {m.person_id for m in team.memberships if m.role == role}
    for pid, person in wanted.items():
        if pid not in have:
            team.memberships.append(TeamMember(person_id=pid, person=person, role=role))


def is_lead(team: Team, person: Person) -> bool:
    return any(m.person_id == person.id and m.role == LEAD for m in team.memberships)


def is_member(team: Team, person: Person) -> bool:
    return any(m.person_id == person.id and m.role == MEMBER for m in team.memberships)


def teams_led_by(session: Session, workspace: Workspace, person: Person) -> list[Team]:
    """The teams whose settings `person` may change: every team for a workspace admin, else the
    teams they lead."""
    if person.is_admin:
        return teams_of_workspace(session, workspace)
    return [t for t in teams_of_person(session, person) if is_lead(t, person)]


def require_lead(team: Team, person: Person, what: str) -> None:
    if not (person.is_admin or is_lead(team, person)):
        leads = ", ".join(p.mention for p in team.leads) or "a workspace admin"
        raise PermissionDenied(
            f"Only {team.possessive} leads or a workspace admin can {what}. Ask {leads}.", team=team
        )


def require_member(session: Session, team: Team, person: Person, what: str) -> None:
    """A team's members and leads, and workspace admins, may `what`; anyone else is refused and
    told which teams they can use."""
    if person.is_admin or is_member(team, person) or is_lead(team, person):
        return
    names = [t.name for t in teams_of_person(session, person)]
    if names:
        usable = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
        hint = f"You can use {usable}."
    else:
        hint = "You are in no team yet: ask a team's lead to add you."
    raise PermissionDenied(
        f"Only {team.possessive} members, leads or a workspace admin can {what}. {hint}", team=team
    )


def audit(
    session: Session,
    *,
    workspace: Workspace,
    actor: Person | None,
    action: str,
    subject: str,
    now: datetime,
    before: dict | None = None,
    after: dict | None = None,
    team: Team | None = None,
) -> None:
    """Record who changed what, and how (the audit log), in the session's transaction; `team`
    is the team it concerns, whose leads read it."""
    session.add(
        AuditEntry(
            workspace_id=workspace.id,
            actor_id=actor.id if actor else None,
            team_id=team.id if team is not None else None,
            action=action,
            subject=subject,
            before=before,
            after=after,
            at=now,
        )
    )


def audit_refusal(
    session: Session,
    *,
    workspace_id: int,
    actor_id: int | None,
    tried: str,
    error: PermissionDenied,
    now: datetime,
) -> None:
    """Record that someone tried something (`tried`: `/retro topic`, `button ...`) and was
    refused, with the team it concerned and why; never the words they gave."""
    session.add(
        AuditEntry(
            workspace_id=workspace_id,
            actor_id=actor_id,
            team_id=error.team_id,
            action=tried[:64],
            subject=error.team_name or "",
            after={"refused": error.message[:500]},
            at=now,
            refused=True,
        )
    )
