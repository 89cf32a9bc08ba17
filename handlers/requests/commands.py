"""`/ask` (a request to a team: the text, or a form; alone, your open requests) and
`/requests` (a team's queue by age and state, with filters)."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.commands import (
    Command,
    no_extra_words,
    parse_channel,
    truncate_word,
    usage_on_errors,
)
from bot.deps import CommandRequest
from bot.render import Reply, section
from handlers.requests.blocks import ask_form, my_requests, queue, queue_lines, said
from handlers.requests.tell import confirm_to_asker, post_request
from models.core.errors import UserError
from models.core.people import find_team, relevant_teams
from models.core.workspace import Team
from models.requests import triage, urgent
from models.requests.requests import Request, RequestSettings

ask = Command("/ask", "ask a team for something: its shield triages it", free_text=True)
requests_command = Command("/requests", "a team's requests: its queue, oldest first")
ASK_USAGE = "/ask <team> <what you need>"
QUEUE_USAGE = "/requests [team] [mine|unassigned|breaching]"


def today_for(req: CommandRequest) -> date:
    return req.now().astimezone(ZoneInfo(req.tz)).date()


def teams_taking_requests(req: CommandRequest) -> list[str]:
    return list(
        req.db.scalars(
            select(Team.name)
            .join(RequestSettings, RequestSettings.team_id == Team.id)
            .where(Team.workspace_id == req.workspace.id)
            .order_by(Team.name)
        )
    )


def made(req: CommandRequest, request: Request) -> Reply:
    """A new request: its card and the asker's DM after the answer, audited."""
    req.later(post_request(request_id=request.id))
    req.later(confirm_to_asker(request))
    urgent.start_urgent_alert(req.db, request, req.now())  # sent by alerting's next tick
    req.audit("request.ask", request.label, after={"source": request.source}, team=request.team)
    text = (
        f"Asked {request.team.name}, as *{request.label}*: its shield will triage it in "
        f"<#{request.channel_id}>, and I'll keep you posted.\n> {said(request)}"
    )
    return Reply(text=text, blocks=[section(text)])


@ask.fallback(ASK_USAGE, "ask a team (a form when you give no text); alone: your open requests")
def ask_team(req: CommandRequest, args: list[str]) -> Reply:
    if not args:
        text, blocks = my_requests(triage.open_requests_of(req.db, req.person), req.now())
        return Reply(text=text, blocks=blocks)
    with usage_on_errors(ASK_USAGE):
        channel = parse_channel(args[0])
        if channel:
            settings = triage.team_of_channel(req.db, req.workspace, channel)
        else:
            settings = triage.team_taking_requests(req.db, req.workspace, args[0])
        if len(args) == 1:
            form = ask_form(settings.team.name, [], metadata={"team": settings.team.name})
            req.client.views_open(trigger_id=req.trigger_id, view=form)
            return Reply(text=f"Opening the form to ask {settings.team.name}…")
        request, _ = triage.make_request(
            req.db,
            settings,
            req.person,
            title=" ".join(args[1:]),
            now=req.now(),
            today=today_for(req),
            source="command",
        )
    return made(req, request)


@requests_command.fallback(QUEUE_USAGE, "the team's open requests, oldest first")
def team_requests(req: CommandRequest, args: list[str]) -> Reply:
    only = None
    words = [w.lower() for w in args]
    if words and words[-1] in triage.QUEUE_FILTERS:
        only = words.pop()
    team = queue_team(req, words)
    found = triage.team_queue(req.db, team.id, person_id=req.person.id, now=req.now(), only=only)
    text, blocks = queue(team.name, found, req.now(), only)
    return Reply(text=text, blocks=blocks)


def queue_team(req: CommandRequest, words: list[str]) -> Team:
    if words:
        no_extra_words(words[1:], QUEUE_USAGE)
        team = find_team(req.db, req.workspace, words[0])
        if team is None:
            raise UserError(f"There is no team called `{truncate_word(words[0])}`.", QUEUE_USAGE)
        return team
    teams = relevant_teams(req.db, req.workspace, req.channel_id, req.person)
    if len(teams) == 1:
        return teams[0]
    if not teams:
        raise UserError(
            "Name the team: this channel isn't a team's, and you're in none.", QUEUE_USAGE
        )
    names = ", ".join(t.name for t in teams)
    raise UserError(f"Which team? Name it (one of {names}).", QUEUE_USAGE)


def home_blocks(req: CommandRequest) -> list[dict]:
    """App Home: your open requests, and the queues of the teams you're in."""
    blocks = []
    mine = triage.open_requests_of(req.db, req.person)
    if mine:
        lines = queue_lines(mine[:10], req.now())
        blocks.append(section("*Your requests*\n" + "\n".join(lines)))
    for team in relevant_teams(req.db, req.workspace, None, req.person):
        found = triage.team_queue(req.db, team.id, person_id=req.person.id, now=req.now())
        if found:
            lines = queue_lines(found[:10], req.now())
            more = (
                f"\n…and {len(found) - 10} more: `/requests {team.name}`" if len(found) > 10 else ""
            )
            blocks.append(section(f"*Requests for {team.name}*\n" + "\n".join(lines) + more))
    return blocks
