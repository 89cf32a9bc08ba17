"""Personal notification webhooks, Slack side: `/oncall notify add|remove`, the test button, and
the POST each urgent notification makes to the address of whoever receives it. A redirect is
not followed (it could lead off https); a failure is kept and told to the person once, until a
call succeeds again."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.commands import Subcommands
from bot.deps import CommandRequest, Deps, command_request
from bot.jobs import SendContext
from bot.jobs.deferred import deferrable
from bot.render import Reply
from bot.render.text import escape, from_slack
from bot.settings import Settings
from handlers.alerts.outbound import Refused, check_public, post_json
from models.alerts.notify import (
    OK,
    check_notify_url,
    hook_of,
    record_outcome,
    remove_hook,
    set_hook,
)
from models.core.errors import UserError

# `/oncall notify` (listed in FEATURE.subcommands with `/oncall page`)
notify_group = Subcommands("/oncall")
NOTIFY_USAGE = "/oncall notify [add <https-url> | remove]"
TEST = "notify_test"
TIMEOUT = 5.0  # seconds a personal webhook may take


def call_hook(url: str, payload: dict[str, Any], settings: Settings) -> str:
    """POST `payload` as JSON; OK, or what went wrong, in a few words."""
    allow = settings.notify_webhooks_allow_private
    return post_json(url, payload, timeout=TIMEOUT, allow_private=allow)


def notify_person(ctx: SendContext, person_id: int, user_id: str, payload: dict, now: datetime):
    """Call the person's webhook, if they set one; tell them when it newly fails."""
    hook = hook_of(ctx.db, person_id)
    if hook is None:
        return
    outcome = call_hook(hook.url, payload, ctx.settings)
    if record_outcome(hook, outcome, now):
        ctx.client.chat_postMessage(channel=user_id, text=failed_text(outcome))


def failed_text(outcome: str) -> str:
    return (
        f":warning: Your notification webhook failed: {escape(outcome)}. Urgent alerts still "
        "reach you here. Check it with `/oncall notify`, or take it out with "
        "`/oncall notify remove`."
    )


def hook_blocks(url: str, last: str | None) -> list[dict]:
    state = "" if last is None else f" Last call: {'ok' if last == OK else escape(last)}."
    return [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": f"Urgent alerts you receive are also POSTed to `{escape(url)}`.{state}",
            },
            "accessory": {
                "type": "button",
                "text": {"type": "plain_text", "text": "Send a test"},
                "action_id": TEST,
                "value": "test",
            },
        }
    ]


@notify_group.sub("notify", NOTIFY_USAGE, "your own webhook for urgent alerts (push, SMS gateway)")
def notify_command(req: CommandRequest, args: list[str]) -> Reply:
    verb = args[0].lower() if args else ""
    if verb == "add" and len(args) == 2:
        url = check_notify_url(from_slack(args[1]), NOTIFY_USAGE)
        try:
            check_public(url, allow_private=req.settings.notify_webhooks_allow_private)
        except Refused as e:
            raise UserError(
                f"{e}: give an address on the public internet (like https://ntfy.sh/my-pages).",
                NOTIFY_USAGE,
            ) from None
        hook = set_hook(req.db, req.person, url, req.now())
        req.audit("alert.notify_hook", req.person.slack_user_id, after={"url": url})
        return Reply(text=f"Added. {_said(hook.url)}", blocks=hook_blocks(url, None))
    if verb == "remove" and len(args) == 1:
        if not remove_hook(req.db, req.person):
            raise UserError("You have no notification webhook.", NOTIFY_USAGE)
        req.audit("alert.notify_hook", req.person.slack_user_id, after={"url": None})
        return Reply(text="Removed: urgent alerts reach you in Slack only.")
    if args:
        raise UserError("Add an https address or remove yours.", NOTIFY_USAGE)
    hook = hook_of(req.db, req.person.id)
    if hook is None:
        return Reply(text=f"You have no notification webhook. Add one: `{NOTIFY_USAGE}`.")
    return Reply(text=_said(hook.url), blocks=hook_blocks(hook.url, hook.last_outcome))


def _said(url: str) -> str:
    return f"Urgent alerts you receive are also POSTed to {escape(url)}."


@deferrable
def test_hook(ctx: SendContext, *, person_id: int, user_id: str) -> None:
    hook = hook_of(ctx.db, person_id)
    if hook is None:
        return
    payload = {"title": "Upkeep test notification", "status": "test", "text": "It works."}
    outcome = call_hook(hook.url, payload, ctx.settings)
    record_outcome(hook, outcome, ctx.clock.now())
    text = (
        ":white_check_mark: The test reached your webhook."
        if outcome == OK
        else f":warning: The test failed: {escape(outcome)}."
    )
    ctx.client.chat_postMessage(channel=user_id, text=text)


def notify_listeners(app, deps: Deps) -> None:
    @app.action(TEST)
    def on_test(ack, context) -> None:
        ack()
        req = command_request(deps, context)
        if hook_of(req.db, req.person.id) is None:
            raise UserError("You have no notification webhook.", NOTIFY_USAGE)
        req.later(test_hook(person_id=req.person.id, user_id=req.person.slack_user_id))
