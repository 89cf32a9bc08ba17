"""One registry of slash commands and their subcommands.

A feature declares a `Command` and decorates its subcommands; the registry produces
`/<command> help`, the usage shown on a wrong subcommand, `/upkeep help` and the manifest check.
"""

from __future__ import annotations

import difflib
import re
import shlex
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from models.errors import UserError

if TYPE_CHECKING:
    from slack_sdk import WebClient
    from sqlalchemy.orm import Session

    from bot.clock import Clock
    from bot.later import Work
    from bot.render import Reply
    from bot.settings import Settings
    from models.workspace import Person, Workspace

MAX_TEXT = 4000
_SMART_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‚": "'"})
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
USER_REF = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$|^([UW][A-Z0-9]{2,})$")
CHANNEL_REF = re.compile(r"^<#([CGD][A-Z0-9]+)(?:\|[^>]*)?>$|^([CGD][A-Z0-9]{2,})$")


class CommandRequest:
    """Everything a subcommand needs: the unit of work, who asked, where, and when.

    `workspace` and `person` come either as values or from `who`, a mapping that loads them on
    first use (the request context), so a request that needs neither doesn't query for them."""

    def __init__(
        self,
        *,
        db: Session,
        clock: Clock,
        client: WebClient,
        settings: Settings,
        command: Command,
        workspace: Workspace | None = None,
        person: Person | None = None,
        who: Mapping[str, Any] | None = None,
        channel_id: str = "",
        trigger_id: str = "",
        response_url: str = "",
        registry: list[Command] | None = None,
        later: Callable[[Work], None],
    ):
        self.db = db
        self.clock = clock
        self.client = client
        self.settings = settings
        self.command = command
        self.channel_id = channel_id
        self.trigger_id = trigger_id
        self.response_url = response_url
        self.registry = registry or []  # every command the app answers
        self.later = later  # later(work): run work after the response (bot/later.py)
        self._who = {"workspace": workspace, "person": person} if who is None else who
        self._now: datetime | None = None

    @property
    def workspace(self) -> Workspace:
        return self._who["workspace"]

    @property
    def person(self) -> Person:
        return self._who["person"]

    def now(self) -> datetime:
        """The request's time: read once, so everything in one answer agrees on it."""
        if self._now is None:
            self._now = self.clock.now()
        return self._now

    @property
    def tz(self) -> str:
        return self.person.zone()


Handler = Callable[[CommandRequest, list[str]], "Reply"]


@dataclass(frozen=True)
class Subcommand:
    name: str
    usage: str
    summary: str
    func: Handler
    aliases: tuple[str, ...] = ()


class Command:
    """A slash command such as `/oncall`: a summary, subcommands, and an optional default handler
    for text that starts with no subcommand name (`/oncall billing-api`)."""

    def __init__(
        self, name: str, summary: str, *, usage_hint: str = "", help: Handler | None = None
    ):
        if not name.startswith("/"):
            raise ValueError("command names start with /")
        self.name = name
        self.summary = summary
        self.usage_hint = usage_hint
        self.subcommands: dict[str, Subcommand] = {}
        self._lookup: dict[str, Subcommand] = {}
        self.default: Subcommand | None = None
        self.custom_help = help

    def sub(self, name: str, usage: str, summary: str, *, aliases: tuple[str, ...] = ()):
        def decorator(func: Handler) -> Handler:
            sub = Subcommand(name, usage, summary, func, aliases)
            self.subcommands[name] = sub
            for key in (name, *aliases):
                self._lookup[key] = sub
            return func

        return decorator

    def fallback(self, usage: str, summary: str):
        """The handler for `/cmd` alone and for `/cmd <words>` that name no subcommand."""

        def decorator(func: Handler) -> Handler:
            self.default = Subcommand("", usage, summary, func)
            return func

        return decorator

    def usage(self, sub: str | None = None) -> str:
        if sub and sub in self._lookup:
            return self._lookup[sub].usage
        lines = []
        if self.default:
            lines.append(self.default.usage)
        lines += [s.usage for s in self.subcommands.values()]
        return "  ·  ".join(f"`{line}`" for line in lines)

    def help_lines(self) -> list[str]:
        lines = []
        if self.default:
            lines.append(f"`{self.default.usage}` {self.default.summary}")
        lines += [f"`{s.usage}` {s.summary}" for s in self.subcommands.values()]
        lines.append(f"`{self.name} help` this help")
        return lines

    def run(self, req: CommandRequest, text: str) -> Reply:
        from bot.render import Reply, header, section

        args = split_args(text, self.usage())
        first = args[0].lower() if args else ""
        if first in ("help", "-h", "--help", "?") or (not args and self.default is None):
            if self.custom_help is not None:
                return self.custom_help(req, args[1:])
            body = "\n".join(self.help_lines())
            return Reply(
                text=f"{self.name}: {self.summary}\n{body}",
                blocks=[header(f"{self.name}: {self.summary}"), section(body)],
            )
        sub = self._lookup.get(first)
        if sub is not None:
            return sub.func(req, args[1:])
        if self.default is not None:
            return self.default.func(req, args)
        guess = difflib.get_close_matches(first, list(self._lookup), n=1)
        hint = f" Did you mean `{self.name} {guess[0]}`?" if guess else ""
        raise UserError(
            f"`{self.name} {truncate_word(first)}` isn't something I know.{hint}", self.usage()
        )


def truncate_word(word: str, limit: int = 40) -> str:
    word = word.replace("`", "'")
    return word if len(word) <= limit else word[: limit - 1] + "…"


@contextmanager
def usage_on_errors(usage: str) -> Iterator[None]:
    """Checks made deeper down (in models, shared with the config file) know no command: a
    mistake they find is shown with this command's usage."""
    try:
        yield
    except UserError as error:
        if error.usage is None and type(error) is UserError:
            error.usage = usage
        raise


def no_extra_words(words: list[str], usage: str) -> None:
    """Refuse words a command doesn't take, rather than act as if they weren't there."""
    if words:
        raise UserError(
            f"I don't know what to do with `{truncate_word(' '.join(words), 60)}`.", usage
        )


def clean_text(text: str) -> str:
    text = _CONTROL.sub(" ", text or "").translate(_SMART_QUOTES)
    return text.strip()


def split_args(text: str, usage: str | None = None) -> list[str]:
    """Split command text like a shell: quotes group words. Slack's curly quotes count as quotes."""
    text = clean_text(text)
    if len(text) > MAX_TEXT:
        raise UserError(f"That's {len(text):,} characters; I read at most {MAX_TEXT:,}.", usage)
    try:
        return [word for word in shlex.split(text, posix=True) if word]
    except ValueError:
        raise UserError("That has an unbalanced quote; close it or leave it out.", usage) from None


def parse_user(token: str) -> str | None:
    """A user id from `<@U123|name>`, `<@U123>` or `U123`; None when the token is none of those."""
    match = USER_REF.match(token.strip())
    return (match.group(1) or match.group(2)) if match else None


def parse_channel(token: str) -> str | None:
    match = CHANNEL_REF.match(token.strip())
    return (match.group(1) or match.group(2)) if match else None


def split_options(args: list[str], usage: str | None = None) -> tuple[list[str], dict[str, str]]:
    """Positional words, and `key=value` options (keys lowercased; a repeated key is an error)."""
    positional: list[str] = []
    options: dict[str, str] = {}
    for arg in args:
        key, sep, value = arg.partition("=")
        if sep and key and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", key):
            key = key.lower()
            if key in options:
                raise UserError(f"`{key}=` is given twice.", usage)
            options[key] = value
        else:
            positional.append(arg)
    return positional, options


def all_commands(features: list[Any]) -> list[Command]:
    return [cmd for feature in features for cmd in getattr(feature, "COMMANDS", [])]
