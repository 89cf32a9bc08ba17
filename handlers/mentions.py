"""`@upkeep ...` in a channel: matched to an intent by keywords, answered in thread.

Features add intents with `MENTIONS = [Intent(...)]`; the first that matches answers."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.app import Deps, command_request
from bot.commands import CommandRequest, clean_text
from bot.later import post_message
from bot.render import Reply
from handlers.upkeep import upkeep

BOT_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")


@dataclass(frozen=True)
class Intent:
    """`pattern` is searched in the lowercased text; `answer` gets the match."""

    pattern: re.Pattern[str]
    example: str
    answer: Callable[[CommandRequest, re.Match[str]], Reply]


def strip_mentions(text: str, bot_user_id: str | None) -> str:
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", " ", text)
    return clean_text(text)


def intents(deps: Deps) -> list[Intent]:
    return [i for feature in deps.features for i in getattr(feature, "MENTIONS", [])]


def register(app, deps: Deps) -> None:
    @app.event("app_mention")
    def on_mention(event: dict, context) -> None:
        text = strip_mentions(event.get("text", ""), context.bot_user_id)
        req = command_request(deps, context, upkeep, channel_id=event.get("channel", ""))
        reply = answer(deps, req, text)
        req.later(
            post_message(
                channel=event["channel"],
                thread_ts=event.get("thread_ts") or event["ts"],
                text=reply.text,
                blocks=reply.blocks,
            )
        )


def answer(deps: Deps, req: CommandRequest, text: str) -> Reply:
    lowered = text.lower()
    known = intents(deps)
    for intent in known:
        match = intent.pattern.search(lowered)
        if match:
            return intent.answer(req, match)
    examples = "\n".join(f"• `@upkeep {i.example}`" for i in known)
    tail = f"\nTry:\n{examples}" if examples else ""
    return Reply(
        text=f"I didn't catch that.{tail}\nEvery command: `/upkeep help`.",
    )
