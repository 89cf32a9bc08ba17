"""What a feature package declares: `FEATURE = Feature(...)` in `handlers/<feature>/__init__.py`.

The app, the web server, the worker, the CLI, App Home and mentions read these records (the list
is `bot.features.FEATURES`); nothing is found by name or by looking for attributes."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

    from slack_bolt import App

    from bot.commands import Command, CommandRequest, Subcommands
    from bot.deps import Deps
    from bot.jobs import Job
    from bot.render import Reply

    WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


@dataclass(frozen=True)
class Intent:
    """Something `@upkeep ...` may be asked: `pattern` is searched in the lowercased text, and
    `answer` gets the match."""

    pattern: re.Pattern[str]
    example: str
    answer: Callable[[CommandRequest, re.Match[str]], Reply]


@dataclass(frozen=True)
class Feature:
    name: str
    # Slash commands the feature owns, and subcommands it adds to another feature's command
    # (pages' `/oncall load`): declared here, joined to that command when the app is built.
    commands: Sequence[Command] = ()
    subcommands: Sequence[Subcommands] = ()
    # Other listeners (buttons, forms, events): `listeners(app, deps)` registers them.
    listeners: Callable[[App, Deps], None] | None = None
    mentions: Sequence[Intent] = ()
    # Sections of the App Home tab for the person who opened it.
    home: Callable[[CommandRequest], list[dict]] | None = None
    # HTTP routes besides Slack's: {"/prefix/": factory(deps) -> WSGI app}.
    routes: Mapping[str, Callable[[Deps], WSGIApp]] = field(default_factory=dict)
    # Scheduled work: each job's `due(db, start, end)` is asked on every tick of the worker.
    jobs: Sequence[Job] = ()
    # `upkeep ...` command-line commands: `cli(subparsers)` adds them.
    cli: Callable[[argparse._SubParsersAction], None] | None = None
