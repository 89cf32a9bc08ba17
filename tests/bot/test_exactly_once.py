"""Posted once even when Slack is slow or a worker dies: a delivery's message carries its key,
and when it is unclear whether Slack took a post, the conversation is read back first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.jobs import Due, SendContext
from bot.jobs.engine import DeliveryEngine
from bot.slack import build_client
from models.core.deliveries import SENT, Delivery
from tests.conftest import START

CHANNEL = "C0PAYMENTS"
DUE_AT = START + timedelta(minutes=30)
KEY = "reminder:2026-03-02T09:30"


class Reminder:
    """A job with one post due at DUE_AT; `die_after_post` plays a worker killed right after
    Slack took the post, before the delivery was recorded as sent."""

    kind = "reminder"

    def __init__(self, *, die_after_post: bool = False):
        self.die_after_post = die_after_post

    def due(self, db, start, end):
        if start < DUE_AT <= end:
            yield Due(key=KEY, kind=self.kind, due_at=DUE_AT, send=self.post)

    def post(self, ctx: SendContext) -> str:
        ts = ctx.client.chat_postMessage(channel=CHANNEL, text="Retro tomorrow")["ts"]
        if self.die_after_post:
            self.die_after_post = False
            raise SystemExit("killed between Slack's answer and the commit")
        return ts


def engine_for(session_factory, settings, clock, job, worker: str, timeout: float = 10):
    client = build_client(settings, clock)
    client.timeout = timeout
    return DeliveryEngine(session_factory, client, clock, settings, jobs=[job], worker=worker)


def stored(db) -> Delivery:
    db.expire_all()
    return db.scalars(select(Delivery).where(Delivery.key == KEY)).one()


def test_a_worker_killed_after_slack_took_the_post_is_not_followed_by_a_second_post(
    session_factory, settings, clock, slack, db
):
    job = Reminder(die_after_post=True)
    first = engine_for(session_factory, settings, clock, job, "w1")
    clock.set(START)
    first.tick()
    clock.set(DUE_AT)
    with pytest.raises(SystemExit):
        first.tick()
    posted = slack.posted(CHANNEL)
    assert len(posted) == 1
    assert posted[0]["metadata"] == {"event_type": "upkeep_delivery", "event_payload": {"key": KEY}}

    clock.advance(minutes=11)  # past the lease: another worker takes the delivery over
    report = engine_for(session_factory, settings, clock, job, "w2").tick()
    assert report.sent == [KEY]
    assert len(slack.posted(CHANNEL)) == 1
    assert (stored(db).status, stored(db).ref) == (SENT, posted[0]["ts"])


def test_slack_answering_after_the_client_gave_up_makes_one_message(
    session_factory, settings, clock, slack, db
):
    engine = engine_for(session_factory, settings, clock, Reminder(), "w1", timeout=0.5)
    clock.set(START)
    engine.tick()
    clock.set(DUE_AT)
    held = slack.pause("chat.postMessage")
    try:
        report = engine.tick()  # Slack holds the post past the client's timeout
    finally:
        held.set()
    assert report.retrying == [KEY]
    assert slack.wait_for(lambda: len(slack.posted(CHANNEL)) == 1)  # Slack took it after all

    clock.advance(minutes=2)  # the retry's time: it finds the message instead of posting
    assert engine.tick().sent == [KEY]
    assert len(slack.posted(CHANNEL)) == 1
    assert len(slack.calls_to("chat.postMessage")) == 1
    assert stored(db).status == SENT
