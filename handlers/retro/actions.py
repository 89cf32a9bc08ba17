"""The Done and Snooze buttons on an action item's due-date DM: its owner (or a lead) closes it
or moves it three days on."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.deps import Deps
from bot.later import update_message
from bot.render import section, user_text
from handlers.retro.blocks import DONE_ACTION, SNOOZE_ACTION
from models.core.people import audit
from models.retro import retros as model


def listeners(app, deps: Deps) -> None:
    def answer(body: dict, context, text: str) -> None:
        container = body.get("container") or {}
        context["later"](
            update_message(
                channel=container["channel_id"],
                ts=container["message_ts"],
                text=text,
                blocks=[section(text)],
            )
        )

    def find(context, body: dict) -> model.RetroAction:
        value = body["actions"][0]["value"]
        return model.get_action(context["db"], context["workspace"].id, int(value))

    @app.action(DONE_ACTION)
    def done(ack, body: dict, context) -> None:
        ack()
        item = find(context, body)
        now = deps.clock.now()
        if model.complete(item, context["person"], now):
            audit(
                context["db"],
                workspace=context["workspace"],
                actor=context["person"],
                action="retro.done",
                subject=f"#{item.id}",
                now=now,
                team=item.team,
            )
        answer(body, context, f":white_check_mark: Done: #{item.id} {user_text(item.text)}")

    @app.action(SNOOZE_ACTION)
    def snooze(ack, body: dict, context) -> None:
        ack()
        item = find(context, body)
        person = context["person"]
        now = deps.clock.now()
        new_due = model.snooze(item, person, now.astimezone(ZoneInfo(person.zone())).date())
        audit(
            context["db"],
            workspace=context["workspace"],
            actor=person,
            action="retro.snooze",
            subject=f"#{item.id}",
            now=now,
            after={"due": new_due.isoformat()},
            team=item.team,
        )
        said = user_text(item.text)
        answer(body, context, f":zzz: Snoozed: #{item.id} {said}, now due {new_due:%a %d %b}.")
