"""`/slo`: the channel's team's SLOs, lowest budget first, or one service's, each with what its
figures mean. Both read figures the worker stored; neither waits on Prometheus."""

from __future__ import annotations

import re

from bot.commands import Command, no_extra_words
from bot.deps import CommandRequest
from bot.feature import Intent
from bot.render import Reply, section
from handlers.slos.blocks import service_slos, slo_line, team_slos
from handlers.slos.form import SET, open_form
from models.catalog.services import find_service_id, load_service
from models.core.errors import UserError
from models.core.people import get_team, relevant_teams, teams_of_person
from models.slos.status import slo_statuses

slo = Command(
    "/slo",
    "SLOs and error budgets: the channel's team's, or one service's",
    usage_hint="[<service>] | team <team> | set [<slo>] | help",
)
LOOKUP = "/slo [<service>]"
TEAM = "/slo team <team>"


@slo.fallback(LOOKUP, "the channel's team's SLOs, lowest budget first; or one service's")
def lookup(req: CommandRequest, args: list[str]) -> Reply:
    if not args:
        teams = relevant_teams(req.db, req.workspace, req.channel_id, req.person)
        if not teams:
            raise UserError(
                "This channel has no team and you are in none: name a service or a team.",
                slo.usage(),
            )
        return team_reply(req, teams)
    workspace = req.asker.workspace
    service_id = find_service_id(req.db, workspace, " ".join(args), usage=LOOKUP)
    statuses = slo_statuses(req.db, workspace.id, service_id=service_id)
    name = statuses[0].service if statuses else load_service(req.db, service_id).name
    return service_slos(name, statuses, req.tz)


@slo.sub("team", TEAM, "a team's SLOs, lowest budget first")
def team_command(req: CommandRequest, args: list[str]) -> Reply:
    if not args:
        raise UserError("Which team?", TEAM)
    no_extra_words(args[1:], TEAM)
    return team_reply(req, [get_team(req.db, req.workspace, args[0], TEAM)])


@slo.sub("set", SET, "add an SLO, or change one, in a form (the owning team's leads, admins)")
def set_command(req: CommandRequest, args: list[str]) -> Reply:
    return open_form(req, args)


def team_reply(req: CommandRequest, teams) -> Reply:
    statuses = slo_statuses(req.db, req.workspace.id, team_ids=[t.id for t in teams])
    title = "SLOs of " + ", ".join(t.name for t in teams) + ", lowest budget first"
    return team_slos(title, statuses, req.tz)


HOME_SHOWN = 5


def home_blocks(req: CommandRequest) -> list[dict]:
    """App Home: the lowest budgets of the asker's teams' SLOs."""
    teams = teams_of_person(req.db, req.person)
    statuses = (
        slo_statuses(req.db, req.workspace.id, team_ids=[t.id for t in teams]) if teams else []
    )
    if not statuses:
        return []
    lines = [slo_line(s) for s in statuses[:HOME_SHOWN]]
    if len(statuses) > HOME_SHOWN:
        lines.append(f"… and {len(statuses) - HOME_SHOWN} more: `/slo`")
    return [section("*Your teams' SLOs, lowest budget first*\n" + "\n".join(lines))]


def answer_slos(req: CommandRequest, match: re.Match[str]) -> Reply:
    """`@upkeep how are our SLOs?`: the channel's team's; `... SLOs of ledger?`: a service's."""
    wanted = (match.group(1) or "").strip("?.,!`'\"")
    return lookup(req, [wanted] if wanted else [])


MENTIONS = [
    Intent(
        re.compile(
            r"\b(?:slos?|error budgets?)\b(?: (?:of|for) (?:the )?[`'\"]?([a-z0-9][a-z0-9._/-]*))?"
        ),
        "how are our SLOs? / SLOs of ledger?",
        answer_slos,
    ),
]
