"""`/upkeep`: what Upkeep can do, and whether it is healthy."""

from __future__ import annotations

from datetime import timedelta

from bot import __version__
from bot.commands import Command, CommandRequest, no_extra_words
from bot.db import database_kind
from bot.render import Reply, context, header, local_time, section
from models.runtime import last_beat


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
    "/upkeep", "help, status and the rituals Upkeep runs", usage_hint="help", help=help_all
)
COMMANDS = [upkeep]

WORKER = "worker"


@upkeep.sub("status", "/upkeep status", "version, database and the worker's heartbeat")
def status(req: CommandRequest, args: list[str]) -> Reply:
    no_extra_words(args, upkeep.usage("status"))
    beat = last_beat(req.db, WORKER)
    now = req.now()
    if beat is None:
        worker = "never seen: is `upkeep worker` (or `upkeep run`) running?"
    else:
        age = now - beat
        stale = " :warning: stale" if age > timedelta(minutes=5) else ""
        worker = f"{local_time(beat, req.tz)} ({_ago(age)}){stale}"
    kind = database_kind(req.settings.database_url)
    text = f"Upkeep {__version__}\nDatabase: {kind}\nWorker heartbeat: {worker}"
    return Reply(text=text, blocks=[section(text)])


def _ago(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 90:
        return f"{max(seconds, 0)} s ago"
    if seconds < 5400:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h ago"
