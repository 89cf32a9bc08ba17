"""`/oncall load`: the page-load figures on demand, for a team and a window (7, 30 or 90 days).
The webhooks are in `http.py`, the classification buttons in `actions.py`, `upkeep hooks` in
`cli.py`."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.commands import Subcommands
from bot.deps import CommandRequest
from bot.render import Reply, context
from handlers.pages.blocks import load_blocks, load_text
from models.alerts.figures import alert_figures, describe_figures
from models.core.errors import UserError
from models.core.people import find_team, get_team, relevant_teams
from models.core.workspace import Team
from models.pages.load import WINDOWS, load

# `/oncall load`: pages' figures, on the on-call command (listed in FEATURE.subcommands).
oncall = Subcommands("/oncall")
LOAD_USAGE = "/oncall load [team] [7d|30d|90d]"
WINDOW_LIKE = re.compile(r"\d+[a-z]?")


@oncall.sub("load", LOAD_USAGE, "page load: pages per person, sleep and off-hours, noisiest alerts")
def load_command(req: CommandRequest, args: list[str]) -> Reply:
    days, names = 7, []
    for word in (a.lower() for a in args):
        if word in WINDOWS:
            days = WINDOWS[word]
        elif WINDOW_LIKE.fullmatch(word) and find_team(req.db, req.workspace, word) is None:
            *some, last = WINDOWS
            known = f"{', '.join(some)} or {last}"
            raise UserError(f"`{word}` isn't a window I know: {known}.", LOAD_USAGE)
        else:
            names.append(word)
    if len(names) > 1:
        raise UserError("Name one team at most.", LOAD_USAGE)
    team = _team(req, names[0] if names else None)
    now = req.now()
    start = now - timedelta(days=days)
    figures = load(req.db, team, start=start, end=now)
    blocks = load_blocks(figures)
    alerts = alert_figures(req.db, start=start, end=now, team_id=team.id)
    if alerts.groups:
        blocks.append(context(describe_figures(alerts)))
    return Reply(text=load_text(figures), blocks=blocks)


def _team(req: CommandRequest, name: str | None) -> Team:
    if name:
        return get_team(req.db, req.workspace, name, LOAD_USAGE)
    teams = relevant_teams(req.db, req.workspace, req.channel_id, req.person)
    if len(teams) == 1:
        return teams[0]
    if not teams:
        raise UserError("Which team? You're in none, and this channel belongs to none.", LOAD_USAGE)
    raise UserError(f"Which team: {', '.join(t.name for t in teams)}?", LOAD_USAGE)
