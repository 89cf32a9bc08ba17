"""The classification buttons on sleep-hour pages (in the weekly digest): a click records why
the page fired, and the message it came from shows it classified, with its figures (the share
that needed no action, how many are left to classify) said again."""

from __future__ import annotations

import re
from datetime import date

from bot.deps import CommandRequest, Deps, command_request
from bot.later import update_message
from handlers.pages.blocks import (
    CLASSIFY_PREFIX,
    NOISE,
    PAGE_BLOCK,
    THIS_WEEK,
    classified_block,
    digest_part,
    noise_block,
    waiting_head,
)
from models.core.errors import UserError
from models.core.numbers import whole_number
from models.core.workspace import Team
from models.pages.load import digest_window, load, unclassified_sleep_pages
from models.pages.pages import Page, classify, get_page


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
            blocks = brought_up_to_date(req, message.get("blocks") or [], page, kind)
            text = message.get("text") or "Page load"
            req.later(update_message(channel=channel, ts=message["ts"], text=text, blocks=blocks))


def brought_up_to_date(
    req: CommandRequest, blocks: list[dict], page: Page, kind: str
) -> list[dict]:
    """The digest with the page's buttons replaced by who classified it as what, and what the
    classification changes said again: the share that needed no action, how many are left."""
    out = []
    for block in blocks:
        block_id = block.get("block_id") or ""
        part = digest_part(block_id)
        if block_id == f"{PAGE_BLOCK}{page.id}":
            block = classified_block(kind, req.person.slack_user_id)
        elif part is not None:
            block = _counted_again(req, page.team, *part) or block
        out.append(block)
    return out


def _counted_again(req: CommandRequest, team: Team, part: str, day: date) -> dict | None:
    start, end = digest_window(team, day)
    if part == NOISE:
        return noise_block(load(req.db, team, start=start, end=end), day)
    since, before = (start, end) if part == THIS_WEEK else (None, start)
    _, left = unclassified_sleep_pages(req.db, team, before, limit=0, since=since)
    return waiting_head(part, left, day)
