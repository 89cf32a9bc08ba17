"""On-call buttons and forms: accepting or cancelling a cover request, removing an override, the
rotation form (from App Home's Add a rotation, or `/oncall set` alone)."""

from __future__ import annotations

from collections.abc import Callable

from bot.deps import CommandRequest, Deps, command_request
from bot.home import home_view
from bot.later import (
    direct_message,
    post_ephemeral,
    post_message,
    publish_home,
    replace_message,
    update_message,
)
from bot.render import Reply, section
from handlers.oncall.blocks import (
    ADD_ROTATION,
    CANCEL_CHANGE,
    CONFIRM_CHANGE,
    COVER_ACCEPT,
    COVER_CANCEL,
    REMOVE_OVERRIDE,
    ROTATION_VIEW,
    Spans,
    cover_blocks,
    cover_decided_text,
    cover_text,
    spans_text,
    your,
)
from handlers.oncall.changes import (
    cancel_change,
    confirm_change,
    rotation_form,
    rotation_form_changes,
    save_rotation,
)
from handlers.oncall.commands import overrides_reply
from handlers.oncall.review import Review
from models.core.errors import NotFound
from models.oncall.cover import (
    ACCEPTED,
    CoverRequest,
    accept_cover,
    cancel_cover,
    get_cover_request,
)
from models.oncall.impact import on_call_elsewhere
from models.oncall.overrides import get_override, remove_override


def listeners(app, deps: Deps) -> None:
    rotation_listeners(app, deps)

    def cover_listener(accept: bool):
        def listener(ack, body: dict, context) -> None:
            ack()
            req = command_request(deps, context)
            decide_cover(req, body["actions"][0].get("value", ""), accept)

        listener.__name__ = "cover_accept" if accept else "cover_cancel"
        return listener

    app.action(COVER_ACCEPT)(cover_listener(True))
    app.action(COVER_CANCEL)(cover_listener(False))

    def replacing(answer: Callable[[CommandRequest, str], Reply]):
        """A button whose answer replaces the message it is on."""

        def listener(ack, body: dict, context) -> None:
            ack()
            req = command_request(deps, context)
            req.later(replace_message(body, answer(req, body["actions"][0].get("value", ""))))

        listener.__name__ = answer.__name__
        return listener

    app.action(REMOVE_OVERRIDE)(replacing(remove_chosen_override))
    app.action(CONFIRM_CHANGE)(replacing(confirm_change))
    app.action(CANCEL_CHANGE)(replacing(cancel_change))


def rotation_listeners(app, deps: Deps) -> None:
    @app.action(ADD_ROTATION)
    def open_rotation_form(ack, body: dict, context, client) -> None:
        ack()
        req = command_request(deps, context)
        view = rotation_form(req, body["actions"][0].get("value") or None)
        client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view(ROTATION_VIEW)
    def save_rotation_form(ack, body: dict, context) -> None:
        req = command_request(deps, context)
        name, changes = rotation_form_changes(body["view"]["state"]["values"])
        reply = save_rotation(req, name, changes, form=True)
        ack()
        user = req.person.slack_user_id
        req.later(direct_message(user=user, text=reply.text, blocks=reply.blocks))
        req.later(publish_home(user_id=user, view=home_view(deps, req)))


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
    tell_cover_decided(req, request, covered or [])
    if request.channel_id and request.message_ts:
        req.later(
            update_message(
                channel=request.channel_id,
                ts=request.message_ts,
                text=cover_text(request, covered),
                blocks=cover_blocks(request, covered),
            )
        )


def tell_cover_decided(req: CommandRequest, request: CoverRequest, covered: Spans) -> None:
    """Whoever's shift it is, and whoever asked for them, hear who took it or who cancelled it
    (unless they did it themselves); whoever takes it, that they are on call elsewhere then."""
    readers = {p.id: p for p in (request.person, request.asked_by) if p.id != req.person.id}
    for reader in readers.values():
        text = cover_decided_text(request, reader, req.person, covered)
        req.later(post_message(channel=reader.slack_user_id, text=text, blocks=[section(text)]))
    if request.status != ACCEPTED or not request.channel_id:
        return
    for start, end in covered:
        for other, spans in on_call_elsewhere(req.db, req.person, request.rotation, start, end):
            text = (
                f":warning: You're also on call in *{other.name}* then "
                f"({spans_text(spans, req.tz)}): two rotations at once."
            )
            req.later(
                post_ephemeral(channel=request.channel_id, user=req.person.slack_user_id, text=text)
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
    owner, now = item.person, req.now()
    start, end = max(item.start, now), max(item.end, now)
    review = Review(req, rotation, start=start, end=end, guarded=False)
    remove_override(req.db, item, req.person)
    review.made()
    actor = req.person.mention
    review.tell(
        lambda p: f"{actor} removed {your(p, owner)} override in *{rotation.name}*.",
        open_ended=False,
    )
    req.audit("oncall.override.remove", rotation.name, before=before, team=rotation.team)
    return overrides_reply(req, rotation)
