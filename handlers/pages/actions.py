"""The classification buttons on sleep-hour pages (in the weekly digest): a click records why
the page fired, and the message it came from shows it classified."""

from __future__ import annotations

import re

from bot.deps import Deps, command_request
from bot.jobs.deferred import Deferred
from bot.later import update_message
from handlers.pages.blocks import CLASSIFY_PREFIX, classified_block
from models.core.errors import UserError
from models.core.numbers import whole_number
from models.pages.pages import classify, get_page


def listeners(app, deps: Deps) -> None:
    @app.action(re.compile(f"^{CLASSIFY_PREFIX}"))
    def on_classify(ack, body: dict, context) -> None:
        ack()
        action = body["actions"][0]
        kind = action["action_id"][len(CLASSIFY_PREFIX) :]
        page_id = whole_number(action.get("value", ""))
        if page_id is None:
            raise UserError("That button has lost its page.")
        req = command_request(deps, context)
        page = get_page(req.db, req.workspace, page_id)
        before = {"classification": page.classification}
        classify(page, kind, req.person, now=req.now())
        after = {"classification": kind}
        req.audit("page.classify", f"page {page.id}", before=before, after=after, team=page.team)
        message, channel = body.get("message"), (body.get("channel") or {}).get("id")
        if message and channel:
            req.later(marked_classified(message, channel, page.id, kind, req.person.slack_user_id))


def marked_classified(
    message: dict, channel: str, page_id: int, kind: str, user_id: str
) -> Deferred:
    """The message with the page's buttons replaced by who classified it as what."""
    marker = f"page_{page_id}"
    blocks = [
        classified_block(kind, user_id) if b.get("block_id") == marker else b
        for b in message.get("blocks") or []
    ]
    return update_message(
        channel=channel, ts=message["ts"], text=message.get("text") or "Page load", blocks=blocks
    )
