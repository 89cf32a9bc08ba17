"""`/upkeep`: what Upkeep can do, whether it is healthy, and the audit log."""

from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo

from bot import __version__
from bot.commands import Command, no_extra_words, split_options
from bot.db import database_kind
from bot.deps import CommandRequest
from bot.render import Reply, context, header, section, worker_status
from handlers.upkeep.blocks import audit_reply
from models.core.audit import newest_entries, readable_teams
from models.core.errors import UserError
from models.core.people import get_team
from models.core.runtime import worker_health
from models.core.time import local_instant
from models.core.when import parse_date


def help_all(req: CommandRequest, args: list[str]) -> Reply:
    commands = "\n".join(f"`{c.name}` {c.summary}" for c in req.registry)
    own = "\n".join(upkeep.help_lines())
    return Reply(
        text=f"Upkeep commands:\n{commands}\n\n{own}",
        blocks=[
            header("Upkeep"),
            section("Who is on call, who owns what, what matters most, and the team's rituals."),
            section(commands),
            section(own),
            context("Type `/<command> help` for the details of any command."),
        ],
    )


upkeep = Command(
    "/upkeep",
    "help, status, the audit log and the rituals Upkeep runs",
    usage_hint="help",
    help=help_all,
)


@upkeep.sub("status", "/upkeep status", "version, database and when the worker last ticked")
def status(req: CommandRequest, args: list[str]) -> Reply:
    no_extra_words(args, upkeep.usage("status"))
    health = worker_health(req.db, req.now(), req.settings.worker_tick_seconds)
    worker = worker_status(health, req.tz)
    kind = database_kind(req.settings.database_url)
    text = f"Upkeep {__version__}\nDatabase: {kind}\nWorker: {worker}"
    return Reply(text=text, blocks=[section(text)])


AUDIT_USAGE = "/upkeep audit [team=<team>] [limit=<n>] [since=<date>]"
AUDIT_SHOWN, AUDIT_MOST = 20, 100  # entries shown, unless `limit=` says; the most it may say


@upkeep.sub(
    "audit", AUDIT_USAGE, "who changed what, and who was refused (admins; leads: their teams')"
)
def audit_log(req: CommandRequest, args: list[str]) -> Reply:
    words, options = split_options(args, AUDIT_USAGE)
    no_extra_words(words, AUDIT_USAGE)
    unknown = sorted(set(options) - {"team", "limit", "since"})
    if unknown:
        raise UserError(f"`{unknown[0]}=` is not something `/upkeep audit` takes.", AUDIT_USAGE)
    team = (
        get_team(req.db, req.workspace, options["team"], AUDIT_USAGE) if "team" in options else None
    )
    teams = readable_teams(req.db, req.person, team)
    limit = options.get("limit", str(AUDIT_SHOWN))
    if not (limit.isascii() and limit.isdigit() and 1 <= int(limit) <= AUDIT_MOST):
        raise UserError(f"`limit=` takes a number from 1 to {AUDIT_MOST}.", AUDIT_USAGE)
    today = req.now().astimezone(ZoneInfo(req.tz)).date()
    since_day = (
        parse_date(options["since"].split(), today, AUDIT_USAGE) if "since" in options else None
    )
    if since_day is not None and since_day > today:
        raise UserError("`since=` can't be after today.", AUDIT_USAGE)
    entries, total = newest_entries(
        req.db,
        req.workspace,
        team_ids=None if teams is None else [t.id for t in teams],
        since=local_instant(since_day, time(0), req.tz) if since_day else None,
        limit=int(limit),
    )
    scope = "all teams" if teams is None else ", ".join(t.name for t in teams)
    more = f"add `limit=<n>` (up to {AUDIT_MOST}), `team=` or `since=`"
    text, blocks = audit_reply(scope, entries, total, req.tz, since_day, more)
    return Reply(text=text, blocks=blocks)
