"""One registry of slash commands and their subcommands.

A feature declares a `Command` and decorates its subcommands; the registry produces
`/<command> help`, the usage shown on a wrong subcommand, `/upkeep help` and the manifest check.
"""

from __future__ import annotations

import difflib
import re
import shlex
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.render.text import escape, from_slack
from models.core.errors import UserError

if TYPE_CHECKING:
    from bot.render import Reply

MAX_TEXT = 4000
_SMART_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‚": "'"})
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
USER_REF = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$|^([UW][A-Z0-9]{2,})$")
CHANNEL_REF = re.compile(r"^<#([CGD][A-Z0-9]+)(?:\|[^>]*)?>$|^([CGD][A-Z0-9]{2,})$")


# A subcommand's handler: (req: bot.deps.CommandRequest, args: list[str]) -> Reply.
Handler = Callable[..., "Reply"]


@dataclass(frozen=True)
class Subcommand:
    name: str
    usage: str
    summary: str
    func: Handler
    aliases: tuple[str, ...] = ()


class Subcommands:
    """Named subcommands of a slash command. A `Command` is one; a feature that adds subcommands
    to another feature's command declares its own group (`Subcommands("/oncall")`, pages'
    `/oncall load`) in its FEATURE, and the group is joined to the command when the app is built
    (`all_commands`)."""

    def __init__(self, name: str):
        if not name.startswith("/"):
            raise ValueError("command names start with /")
        self.name = name
        self.subcommands: dict[str, Subcommand] = {}
        self._lookup: dict[str, Subcommand] = {}

    def sub(self, name: str, usage: str, summary: str, *, aliases: tuple[str, ...] = ()):
        def decorator(func: Handler) -> Handler:
            self._add(Subcommand(name, usage, summary, func, aliases))
            return func

        return decorator

    def _add(self, sub: Subcommand) -> None:
        self.subcommands[sub.name] = sub
        for key in (sub.name, *sub.aliases):
            self._lookup[key] = sub

    def usage(self, sub: str | None = None) -> str:
        if sub and sub in self._lookup:
            return self._lookup[sub].usage
        return "  ·  ".join(f"`{s.usage}`" for s in self.subcommands.values())


class Command(Subcommands):
    """A slash command such as `/oncall`: a summary, subcommands, and an optional default handler
    for text that starts with no subcommand name (`/oncall billing-api`)."""

    def __init__(
        self,
        name: str,
        summary: str,
        *,
        usage_hint: str = "",
        help: Handler | None = None,
        free_text: bool = False,
    ):
        super().__init__(name)
        self.summary = summary
        self.usage_hint = usage_hint
        self.default: Subcommand | None = None
        self.custom_help = help
        # Words as typed, quotes and apostrophes kept (`/ask payments it doesn't "work"`),
        # rather than grouped by quotes like a shell.
        self.free_text = free_text

    def include(self, group: Subcommands) -> None:
        """Take in another feature's subcommands of this command (the same ones again: no-op)."""
        if group.name != self.name:
            raise ValueError(f"{group.name} subcommands can't join {self.name}")
        for sub in group.subcommands.values():
            self._add(sub)

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

    def run(self, req: Any, text: str) -> Reply:  # req: bot.deps.CommandRequest
        from bot.render import Reply, header, section

        try:
            args = split_args(text, free=self.free_text)
        except UserError as error:
            error.usage = self.usage()
            raise
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
    """A word that was typed, to quote in code: shown literally, cut to `limit`."""
    word = word.replace("`", "'")
    return escape(word if len(word) <= limit else word[: limit - 1] + "…")


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
    """A command's or a message's text as typed (Slack's escaping undone), its control
    characters spaces and its curly quotes straight."""
    text = _CONTROL.sub(" ", from_slack(text or "")).translate(_SMART_QUOTES)
    return text.strip()


_SHELL_SPECIAL = frozenset("\"'\\\t\r\n")  # what makes shlex read more than words between spaces


def split_args(text: str, usage: str | None = None, *, free: bool = False) -> list[str]:
    """Split command text like a shell: quotes group words. Slack's curly quotes count as quotes.
    `free`: at whitespace only, every character kept."""
    text = clean_text(text)
    if len(text) > MAX_TEXT:
        raise UserError(f"That's {len(text):,} characters; I read at most {MAX_TEXT:,}.", usage)
    if free:
        return text.split()
    if not _SHELL_SPECIAL.intersection(text):  # most commands: plain words (shlex is slow)
        return [word for word in text.split(" ") if word]
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


def split_fields(args: list[str], usage: str | None = None, *, example: str) -> dict[str, str]:
    """`checkpoint=friday 16:00 survey=jan,jul` -> {"checkpoint": "friday 16:00", "survey":
    "jan,jul"} (keys lowercased): words without `=` belong to the field before them, so values
    need no quotes. `example` is the field to name when a word comes before any."""
    found: dict[str, str] = {}
    key = None
    for word in args:
        name, sep, value = word.partition("=")
        if sep and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", name):
            key = name.lower()
            if key in found:
                raise UserError(f"`{key}=` is given twice.", usage)
            found[key] = value
        elif key is None:
            raise UserError(
                f"`{truncate_word(word)}`: say which field, like `{example}="
                f"{truncate_word(word, 20)}`.",
                usage,
            )
        else:
            found[key] = f"{found[key]} {word}".strip()
    return found
