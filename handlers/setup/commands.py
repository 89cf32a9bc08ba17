"""`/upkeep setup`: a team from Slack, with the config file's rules (`teams:`); and what App Home
shows someone with no team, or the teams they lead."""

from __future__ import annotations

from slack_sdk import WebClient
from sqlalchemy import exists, select

from bot.commands import Subcommands, no_extra_words
from bot.deps import CommandRequest
from bot.jobs import SendContext
from bot.jobs.deferred import deferrable
from bot.later import direct_message, profiles_later
from bot.render import Reply, section, state_users, state_value
from bot.slack import channel_members, lookup_user
from handlers.setup.blocks import intro_blocks, led_teams_blocks, team_view
from models.core.config import ConfigError, ImportContext
from models.core.errors import PermissionDenied, UserError
from models.core.people import UserLookup, find_team, get_team, is_lead, teams_of_person
from models.core.teams_config import set_team
from models.core.workspace import LEAD, Person, Team, TeamMember, Workspace

team_setup = Subcommands("/upkeep")  # joined to `/upkeep` by FEATURE
SETUP = "/upkeep setup [<team>]"


@team_setup.sub("setup", SETUP, "set up a team, or change one, in a form (leads and admins)")
def setup(req: CommandRequest, args: list[str]) -> Reply:
    no_extra_words(args[1:], SETUP)
    team = get_team(req.db, req.workspace, args[0], SETUP) if args else None
    req.client.views_open(trigger_id=req.trigger_id, view=team_form(req, team))
    return Reply(text="Opening the form…")


def team_form(req: CommandRequest, team: Team | None) -> dict:
    """The team form, for those who may use it."""
    if not may_set_up(req, team):
        raise PermissionDenied(refusal(req, team), SETUP)
    return team_view(team, asker=req.person.slack_user_id, tz=req.tz)


def may_set_up(req: CommandRequest, team: Team | None) -> bool:
    """A team's leads and admins change it; admins and leads set up new teams, and so does the
    first person to set one up in a workspace with none."""
    if req.person.is_admin:
        return True
    if team is not None:
        return is_lead(team, req.person)
    return not has_teams(req) or leads_any(req)


def has_teams(req: CommandRequest) -> bool:
    return bool(req.db.scalar(select(exists().where(Team.workspace_id == req.workspace.id))))


def leads_any(req: CommandRequest) -> bool:
    led = select(TeamMember.person_id).where(
        TeamMember.person_id == req.person.id, TeamMember.role == LEAD
    )
    return bool(req.db.scalar(select(exists(led))))


def refusal(req: CommandRequest, team: Team | None) -> str:
    if team is not None:
        return f"Only {team.possessive} leads or a workspace admin can change it."
    return "Only team leads and workspace admins can set up teams. Ask one to add you to a team."


def save_team(req: CommandRequest, editing: str | None, values: dict) -> tuple[Team, bool, bool]:
    """The submitted form, saved with the rules of the config file's `teams:` section and
    audited; a wrong value is an error on its field. (the team, whether it is new, whether its
    members are still to come from its channel: that lookup, one Slack call per member, is
    made after the answer, `members_from_channel`)"""
    name = editing or state_value(values, "name").strip().lower()
    team = find_team(req.db, req.workspace, name) if name else None
    if editing is None and team is not None:
        raise UserError(
            f"There is already a team called {name}: `/upkeep setup {name}` changes it.",
            field="name",
        )
    if editing is not None and team is None:
        raise UserError(f"There is no team called {editing} any more.")
    if not may_set_up(req, team):
        raise PermissionDenied(refusal(req, team))
    channel = state_value(values, "channel") or None
    leads, members = state_users(values, "leads"), state_users(values, "members")
    if team is None and not req.person.is_admin and req.person.slack_user_id not in leads:
        leads.append(req.person.slack_user_id)  # whoever sets a team up leads it
    entry = {
        "channel": channel,
        "timezone": state_value(values, "timezone").strip() or req.tz,
        "holidays": state_value(values, "holidays").strip() or None,
        "leads": leads,
        "members": members,
    }
    ctx = ImportContext(req.db, req.workspace, req.now(), profiles_later(req), actor=req.person)
    try:
        saved = set_team(ctx, entry, name=name)
    except ConfigError as error:
        field = error.fieldname or "name"
        raise UserError(error.problem_sentence, field=field) from None
    return saved, team is None, bool(channel and not members)


def people_lookup(client: WebClient) -> UserLookup:
    """`users.info`, asked once per person."""
    known: dict[str, dict | None] = {}

    def lookup(uid: str) -> dict | None:
        if uid not in known:
            known[uid] = lookup_user(client, uid)
        return known[uid]

    return lookup


def saved_text(team: Team, created: bool) -> str:
    """What the team form's user is told once the team is saved."""
    channel = f" in <#{team.channel_id}>" if team.channel_id else ""
    verb = "is set up" if created else "is saved"
    return (
        f"Team *{team.name}* {verb}{channel}: {len(team.leads)} leads, "
        f"{len(team.members)} members, {team.tz}. Next: an on-call rotation (`/oncall set`, "
        "or the button on my App Home)."
    )


@deferrable
def members_from_channel(
    ctx: SendContext, *, team_id: int, channel: str, actor_id: int, created: bool
) -> None:
    """A team saved with no members gets its channel's people (bots and deactivated accounts
    left out), as a change of the person who saved it; then they are told. Nothing changes
    when the team was changed since (another channel, members of its own)."""
    team = ctx.db.get(Team, team_id)
    actor = ctx.db.get(Person, actor_id)
    if team is None or actor is None or team.channel_id != channel or team.members:
        return
    lookup = people_lookup(ctx.client)
    members = [uid for uid in channel_members(ctx.client, channel) if is_human(lookup(uid))]
    workspace = ctx.db.get_one(Workspace, team.workspace_id)
    entry = {
        "channel": channel,
        "timezone": team.tz,
        "leads": [p.slack_user_id for p in team.leads],
        "members": members,
    }
    set_team(
        ImportContext(ctx.db, workspace, ctx.clock.now(), lookup, actor=actor),
        entry,
        name=team.name,
    )
    text = saved_text(team, created)
    direct_message(user=actor.slack_user_id, text=text, blocks=[section(text)])(ctx)


def is_human(user: dict | None) -> bool:
    return bool(user) and not (user.get("is_bot") or user.get("deleted"))


def home_blocks(req: CommandRequest) -> list[dict]:
    teams = teams_of_person(req.db, req.person)
    if not teams:
        leads = []
        if not req.person.is_admin and has_teams(req):
            leads = sorted({p.mention for p in lead_people(req)})
        return intro_blocks(may_set_up=may_set_up(req, None), leads=leads)
    led = [t for t in teams if is_lead(t, req.person)]
    if not led:
        return []
    return led_teams_blocks(led, may_add=True)


def lead_people(req: CommandRequest) -> list[Person]:
    return list(
        req.db.scalars(
            select(Person)
            .join(TeamMember, TeamMember.person_id == Person.id)
            .join(Team, Team.id == TeamMember.team_id)
            .where(Team.workspace_id == req.workspace.id, TeamMember.role == LEAD)
            .limit(20)
        )
    )
