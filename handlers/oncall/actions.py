"""On-call buttons: accepting or cancelling a cover request, removing an override."""

from __future__ import annotations

from bot.deps import CommandRequest, Deps, command_request
from bot.later import respond_later, update_message
from bot.render import Reply
from handlers.oncall.blocks import (
    COVER_ACCEPT,
    COVER_CANCEL,
    REMOVE_OVERRIDE,
    cover_blocks,
    cover_text,
)
from handlers.oncall.commands import overrides_reply
from models.core.errors import NotFound
from models.oncall.cover import accept_cover, cancel_cover, get_cover_request
from models.oncall.overrides import get_override, remove_override


def listeners(app, deps: Deps) -> None:
    def cover_listener(accept: bool):
        def listener(ack, body: dict, context) -> None:
            ack()
            req = command_request(deps, context)
            decide_cover(req, body["actions"][0].get("value", ""), accept)

        listener.__name__ = "cover_accept" if accept else "cover_cancel"
        return listener

    app.action(COVER_ACCEPT)(cover_listener(True))
    app.action(COVER_CANCEL)(cover_listener(False))

    @app.action(REMOVE_OVERRIDE)
    def remove_listener(ack, body: dict, context) -> None:
        ack()
        req = command_request(deps, context)
        reply = remove_chosen_override(req, body["actions"][0].get("value", ""))
        req.later(
            respond_later(
                response_url=body.get("response_url", ""),
                replace_original=True,
                text=reply.text,
                blocks=reply.blocks,
            )
        )


def decide_cover(req: CommandRequest, value: str, accept: bool) -> None:
    try:
        request = get_cover_request(req.db, req.workspace, int(value))
    except ValueError:
        raise NotFound("That cover request no longer exists.") from None
    before = {"status": request.status}
    covered = None
    if accept:
        made = accept_cover(req.db, request, req.person, now=req.now())
        covered = [(o.start, o.end) for o in made]
        action = "oncall.cover.accept"
        after = {"status": request.status, "overrides": [o.id for o in made]}
    else:
        cancel_cover(req.db, request, req.person, now=req.now())
        action, after = "oncall.cover.cancel", {"status": request.status}
    req.audit(action, request.rotation.name, before=before, after=after, team=request.rotation.team)
    if request.channel_id and request.message_ts:
        req.later(
            update_message(
                channel=request.channel_id,
                ts=request.message_ts,
                text=cover_text(request, covered),
                blocks=cover_blocks(request, covered),
            )
        )


def remove_chosen_override(req: CommandRequest, value: str) -> Reply:
    try:
        item = get_override(req.db, req.workspace, int(value))
    except ValueError:
        raise NotFound("That override no longer exists.") from None
    rotation = item.rotation
    before = {
        "person": item.person.slack_user_id,
        "start": item.start.isoformat(),
        "end": item.end.isoformat(),
        "reason": item.reason,
    }
    remove_override(req.db, item, req.person)
    req.audit("oncall.override.remove", rotation.name, before=before, team=rotation.team)
    return overrides_reply(req, rotation)
