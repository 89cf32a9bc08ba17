"""The Slack calls a request's changes make after the answer: the card in the team's request
channel (posted, then kept up to date), the thread under it, and the asker's DMs."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.jobs import SendContext
from bot.jobs.deferred import Deferred, deferrable
from bot.later import direct_message
from handlers.requests.blocks import asked, card, shield_batch
from models.requests.requests import Request, RequestDm

GONE = {"message_not_found", "cant_update_message", "channel_not_found", "is_archived"}


@deferrable
def post_request(ctx: SendContext, *, request_id: int) -> None:
    """The card in the team's request channel: its thread is the request's, unless the request
    is a message of that channel (the emoji's door): then the card goes in that message's
    thread, where the asker already is."""
    request = ctx.db.get_one(Request, request_id)
    text, blocks = card(request)
    thread = {"thread_ts": request.thread_ts} if request.thread_ts else {}
    posted = ctx.client.chat_postMessage(
        channel=request.channel_id, text=text, blocks=blocks, **thread
    )
    request.card_ts = posted["ts"]
    request.thread_ts = request.thread_ts or posted["ts"]


def confirm_to_asker(request: Request) -> Deferred:
    """The asker's DM: the request is in, and the buttons they have."""
    text, blocks = asked(request)
    return direct_message(user=request.asker.slack_user_id, text=text, blocks=blocks)


@deferrable
def announce(ctx: SendContext, *, request_id: int, text: str, to_asker: str | None = None) -> None:
    """`text` in the request's thread, the card brought up to date, and `to_asker` (else
    `text`) to the asker by DM."""
    request = ctx.db.get_one(Request, request_id)
    if request.thread_ts:
        ctx.client.chat_postMessage(
            channel=request.channel_id, thread_ts=request.thread_ts, text=text
        )
    if request.card_ts:
        summary, blocks = card(request)
        ctx.client.chat_update(
            channel=request.channel_id, ts=request.card_ts, text=summary, blocks=blocks
        )
    dm = to_asker or text
    ctx.client.chat_postMessage(channel=request.asker.slack_user_id, text=dm)


@deferrable
def update_dms(ctx: SendContext, *, request_id: int) -> None:
    """The DMs that told of the request (the shield's, the leads'), each brought up to date:
    what became of each of its requests and by whom, the buttons that still apply; a request
    moved away shows where it went. A DM that is gone is let be."""
    places = ctx.db.execute(
        select(RequestDm.channel_id, RequestDm.ts).where(RequestDm.request_id == request_id)
    ).all()
    for channel, ts in dict.fromkeys(places):
        told = ctx.db.scalars(
            select(RequestDm)
            .where(RequestDm.channel_id == channel, RequestDm.ts == ts)
            .order_by(RequestDm.id)
        ).all()
        shield = told[0].shield_user
        text, blocks = shield_batch(
            [t.request for t in told],
            f"<@{shield}>" if shield else None,
            {t.request_id: t.label for t in told},
        )
        try:
            ctx.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
        except SlackApiError as error:
            if error.response.get("error") not in GONE:
                raise
