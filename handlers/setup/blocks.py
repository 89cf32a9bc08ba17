"""What someone with no team sees on App Home, and the team form. Pure: data in, blocks out."""

from __future__ import annotations

from bot.render import (
    actions,
    button,
    channel_input,
    modal,
    section,
    text_input,
    user_text,
    users_input,
)
from models.core.working_days import format_holidays
from models.core.workspace import Team

SET_UP_TEAM = "setup_team"  # a button: opens the team form (its value: the team to change)
TEAM_VIEW = "setup_team_view"

WHAT_UPKEEP_DOES = (
    "*Upkeep keeps a team's routines running in Slack*\n"
    "• *On call*: who is on call now and next (`/oncall`), handoffs, cover and overrides\n"
    "• *Ownership*: who owns each service, and what nobody does (`/owner`)\n"
    "• *Priorities*: a RICE-scored backlog and the engineering budget (`/priority`)\n"
    "• *Rituals*: standups, retros, a weekly page-load digest; onboarding walkthroughs"
)


def intro_blocks(*, may_set_up: bool, leads: list[str]) -> list[dict]:
    """App Home for someone in no team: what Upkeep does, and how to start."""
    blocks = [section(WHAT_UPKEEP_DOES)]
    if may_set_up:
        blocks.append(
            section(
                "Start with a team: its channel, its people and their time zone. Then add an "
                "on-call rotation, and `/oncall` in the team's channel answers."
            )
        )
        blocks.append(actions(button("Set up a team", SET_UP_TEAM, "", style="primary")))
    else:
        ask = ", ".join(leads[:5]) or "a workspace admin"
        blocks.append(section(f"You're in no team yet: ask a team lead ({ask}) to add you."))
    return blocks


def led_teams_blocks(teams: list[Team], *, may_add: bool) -> list[dict]:
    """App Home for a lead: their teams, each with a button to change it."""
    blocks = [section("*Teams you lead*")]
    for team in teams[:10]:
        where = f"<#{team.channel_id}>" if team.channel_id else "no channel"
        line = (
            f"*{user_text(team.name)}* · {where} · {team.tz} · {len(team.members)} members, "
            f"{len(team.leads)} leads"
        )
        blocks.append(section(line, accessory=button("Edit team", SET_UP_TEAM, team.name)))
    if may_add:
        blocks.append(actions(button("Set up another team", SET_UP_TEAM, "")))
    return blocks


def team_view(team: Team | None, *, asker: str, tz: str) -> dict:
    """The team form; changing a team, it shows what the team has now. Each input's block id is
    the config file's field (`teams:`)."""
    blocks = []
    if team is None:
        blocks.append(
            text_input(
                "name",
                "Team name",
                max_length=80,
                hint="Lowercase letters, digits, - and _, like backend",
            )
        )
    else:
        blocks.append(section(f"*{user_text(team.name)}*"))
    blocks += [
        channel_input(
            "channel",
            "The team's channel",
            team.channel_id if team else None,
            hint="/oncall and the others answer for this team in it",
        ),
        text_input("timezone", "Time zone", team.tz if team else tz, hint="Like Europe/Berlin"),
        text_input(
            "holidays",
            "Public holidays",
            format_holidays(team.holiday_country, team.holiday_region)
            if team and team.holiday_country
            else None,
            optional=True,
            hint="The days off of a country, or of its region: like DE, DE-BY or US-CA. "
            "Empty: none",
        ),
        users_input("leads", "Leads", [p.slack_user_id for p in team.leads] if team else [asker]),
        users_input(
            "members",
            "Members",
            [p.slack_user_id for p in team.members] if team else [],
            optional=True,
            hint="Leave empty for the channel's members",
        ),
    ]
    title = "Set up a team" if team is None else "Change the team"
    return modal(TEAM_VIEW, title, blocks, metadata={"team": team.name if team else None})
