"""`/oncall page <rotation|team|@person> <message>`: a page by hand, notified and escalated
like an alert (on the on-call command: listed in FEATURE.subcommands)."""

from __future__ import annotations

from bot.commands import Subcommands, parse_user
from bot.deps import CommandRequest
from bot.render import Reply
from bot.render.text import from_slack, user_text
from handlers.alerts.jobs import notify_now
from models.alerts.groups import plan_steps
from models.alerts.manual import page_by_hand
from models.alerts.policies import team_alerting
from models.core.errors import UserError
from models.core.people import find_person, find_team, relevant_teams, teams_of_person
from models.core.workspace import Team
from models.oncall.rotations import lookup_rotation

oncall = Subcommands("/oncall")
PAGE_USAGE = "/oncall page <rotation|team|@person> <message>"


@oncall.sub("page", PAGE_USAGE, "page a rotation's on-call, a team or a person by hand")
def page_command(req: CommandRequest, args: list[str]) -> Reply:
    if len(args) < 2:
        raise UserError("Say whom to page and why.", PAGE_USAGE)
    who, message = args[0], from_slack(" ".join(args[1:])).strip()
    uid = parse_user(who)
    name = who.lower()
    if uid is not None:
        person = find_person(req.db, req.workspace, uid)
        if person is None or person.deleted or person.is_bot:
            raise UserError(f"I don't know <@{uid}>.", PAGE_USAGE)
        team = _team_of(req, teams_of_person(req.db, person))
        group = page_by_hand(team, message=message, by=req.person, now=req.now(), person=person)
        whom = f"<@{uid}>"
    elif (rotation := lookup_rotation(req.db, req.workspace, name)) is not None:
        team = rotation.team
        group = page_by_hand(
            team, message=message, by=req.person, now=req.now(), rotation=rotation.name
        )
        whom = f"whoever is on call in *{rotation.name}*"
    elif (found := find_team(req.db, req.workspace, name)) is not None:
        team = found
        policy = team_alerting(req.db, team.id).default
        group = page_by_hand(team, message=message, by=req.person, now=req.now(), policy=policy)
        whom = f"team *{team.name}*"
    else:
        raise UserError(f"`{name[:40]}` is no rotation, team or person I know.", PAGE_USAGE)
    req.db.add(group)
    plan_steps(req.db, group)
    req.db.flush()
    req.audit("alert.page", f"alert {group.id}", after={"title": group.title}, team=team)
    req.later(notify_now(group_ids=[group.id]))
    return Reply(text=f":rotating_light: Paging {whom}: {user_text(message)}")


def _team_of(req: CommandRequest, teams: list[Team]) -> Team:
    """The paged person's team; when they are in several or none, the asker's here."""
    if len(teams) == 1:
        return teams[0]
    mine = relevant_teams(req.db, req.workspace, req.channel_id, req.person)
    if len(mine) == 1:
        return mine[0]
    raise UserError("Which team's channel should hear of it? Page from its channel.", PAGE_USAGE)
