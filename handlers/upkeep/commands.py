"""`/upkeep`: what Upkeep can do, and whether it is healthy."""

from __future__ import annotations

from bot import __version__
from bot.commands import Command, no_extra_words
from bot.db import database_kind
from bot.deps import CommandRequest
from bot.render import Reply, context, header, section, worker_status
from models.core.runtime import worker_health


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


@upkeep.sub("status", "/upkeep status", "version, database and when the worker last ticked")
def status(req: CommandRequest, args: list[str]) -> Reply:
    no_extra_words(args, upkeep.usage("status"))
    health = worker_health(req.db, req.now(), req.settings.worker_tick_seconds)
    worker = worker_status(health, req.tz)
    kind = database_kind(req.settings.database_url)
    text = f"Upkeep {__version__}\nDatabase: {kind}\nWorker: {worker}"
    return Reply(text=text, blocks=[section(text)])
