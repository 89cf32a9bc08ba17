"""What a feature package declares: `FEATURE = Feature(...)` in `handlers/<feature>/__init__.py`.

The app, the web server, the worker, the CLI, App Home and mentions read these records (the list
is `bot.features.FEATURES`); nothing is found by name or by looking for attributes."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import argparse

    from slack_bolt import App

    from bot.commands import Command, Subcommands
    from bot.jobs import Job
    from bot.render import Reply

    WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


@dataclass(frozen=True)
class Intent:
    """Something `@upkeep ...` may be asked: `pattern` is searched in the lowercased text, and
    `answer` gets the match."""

    pattern: re.Pattern[str]
    example: str
    answer: Callable[[Any, re.Match[str]], Reply]  # (req: CommandRequest, match)


@dataclass(frozen=True)
class Feature:
    name: str
    # Slash commands the feature owns, and subcommands it adds to another feature's command
    # (pages' `/oncall load`): declared here, joined to that command when the app is built.
    commands: Sequence[Command] = ()
    subcommands: Sequence[Subcommands] = ()
    # Other listeners (buttons, forms, events): `listeners(app, deps)` registers them.
    listeners: Callable[[App, Any], None] | None = None  # (app, deps: Deps)
    mentions: Sequence[Intent] = ()
    # Sections of the App Home tab for the person who opened it.
    home: Callable[[Any], list[dict]] | None = None  # (req: CommandRequest)
    # HTTP routes besides Slack's: {"/prefix/": factory(deps) -> WSGI app}.
    routes: Mapping[str, Callable[[Any], WSGIApp]] = field(default_factory=dict)  # (deps)
    # Scheduled work: each job's `due(db, start, end)` is asked on every tick of the worker.
    jobs: Sequence[Job] = ()
    # `upkeep ...` command-line commands: `cli(subparsers)` adds them.
    cli: Callable[[argparse._SubParsersAction], None] | None = None
    # Messages in channels (`message.channels`, `message.groups`) the feature listens to:
    # `channel_messages(deps, event)` says, cheaply (before the database is touched), whether
    # it wants this one; a channel message no feature wants is answered at once, nothing read.
    channel_messages: Callable[[Any, dict], bool] | None = None  # (deps: Deps, event)


def all_commands(features: Sequence[Feature]) -> list[Command]:
    """Every feature's commands, with the subcommands other features add to them."""
    commands = [command for feature in features for command in feature.commands]
    by_name = {command.name: command for command in commands}
    for feature in features:
        for group in feature.subcommands:
            if group.name not in by_name:
                raise ValueError(f"{feature.name} adds to {group.name}, which no feature has")
            by_name[group.name].include(group)
    return commands


def jobs_of(features: Sequence[Feature]) -> list[Job]:
    """Every feature's jobs, and the core's: the work requests deferred that their process
    didn't make (`bot.jobs.deferred`)."""
    from bot.jobs.deferred import LATER

    return [*(job for feature in features for job in feature.jobs), LATER]
