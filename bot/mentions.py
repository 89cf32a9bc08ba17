"""`@upkeep ...` in a channel, answered in thread, and direct messages to the app (its Messages
tab), answered in the DM: matched to an intent by keywords.

Features declare what they answer (`Feature.mentions`, `bot.feature.Intent`); the first intent
that matches answers."""

from __future__ import annotations

import re

from bot.commands import clean_text
from bot.deps import CommandRequest, Deps, command_request
from bot.later import post_message
from bot.render import Reply

BOT_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")
# `@upkeep`, `@upkeep help`, `@upkeep what can you do?`: what may be asked.
HELP = re.compile(r"^\W*(?:help(?: me)?|commands|what can you do|what do you do)?\W*$")


def strip_mentions(text: str, bot_user_id: str | None) -> str:
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", " ", text)
    return clean_text(text)


def register_mentions(app, deps: Deps) -> None:
    @app.event("app_mention")
    def on_mention(event: dict, context) -> None:
        text = strip_mentions(event.get("text", ""), context.bot_user_id)
        req = command_request(deps, context, channel_id=event.get("channel", ""))
        reply = answer(deps, req, text)
        req.later(
            post_message(
                channel=event["channel"],
                thread_ts=event.get("thread_ts") or event["ts"],
                text=reply.text,
                blocks=reply.blocks,
            )
        )

    @app.event("message")
    def on_direct_message(event: dict, context) -> None:
        """What someone writes to the app in its Messages tab (`message.im`); the app's own
        messages, edits and other subtypes are not questions."""
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        text = strip_mentions(event.get("text", ""), context.bot_user_id)
        req = command_request(deps, context, channel_id=event.get("channel", ""))
        reply = answer(deps, req, text)
        req.later(post_message(channel=event["channel"], text=reply.text, blocks=reply.blocks))


def answer(deps: Deps, req: CommandRequest, text: str) -> Reply:
    lowered = text.lower()
    known = deps.intents
    examples = "\n".join(f"• `@upkeep {i.example}`" for i in known)
    if HELP.match(lowered):
        return Reply(
            text=f"Ask me in a channel, and I answer in thread:\n{examples}\n"
            "Every command: `/upkeep help`."
        )
    for intent in known:
        match = intent.pattern.search(lowered)
        if match:
            return intent.answer(req, match)
    tail = f"\nTry:\n{examples}" if examples else ""
    return Reply(
        text=f"I didn't catch that.{tail}\nEvery command: `/upkeep help`.",
    )
