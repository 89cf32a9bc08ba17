"""A request's card is posted once in its channel, even when Slack answers after the client gave
up or the process dies between Slack taking the post and recording it: the post carries its
delivery's key (bot/jobs/marked.py), and is looked for, in its thread when it is a reply (the
emoji's door), before it is posted again."""

from __future__ import annotations

import signal
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.jobs.engine import LEASE, DeliveryEngine
from models.requests.requests import Request
from tests.bot.test_web import upkeep_serve
from tests.bot.test_worker_process import worker_env
from tests.conftest import SIGNING_SECRET
from tests.processes import poll, upkeep
from tests.requests.test_doors import reaction
from tests.slack_requests import Signer, SlackDriver

CHANNEL = "C0PAYREQ"


def cards(slack) -> list[dict]:
    return [m for m in slack.posted(CHANNEL) if m["text"].startswith("payments#1 from")]


def request_of(db) -> Request | None:
    db.expire_all()
    return db.scalars(select(Request)).one_or_none()


def through(door: str, driver, slack) -> None:
    """payments#1, asked through `door`: the command, or the emoji on a message (whose thread
    the card goes in)."""
    if door == "command":
        driver.command("/ask", "payments Export refunds", user="U0CHO", channel="C0SEARCH")
    else:
        message = slack.user_message(CHANNEL, "U0CHO", "Export refunds")
        driver.event(reaction(message), event_id="Ev0CARD1")


@pytest.mark.parametrize("door", ["command", "reaction"])
def test_a_card_slack_took_after_the_client_gave_up_is_not_posted_again(
    requests_workspace, driver, deps, slack, clock, db, door
):
    deps.client.timeout = 0.5
    held = slack.pause("chat.postMessage", CHANNEL)
    try:
        through(door, driver, slack)  # the card's post times out, and isn't there yet
    finally:
        held.set()
    assert slack.wait_for(lambda: len(cards(slack)) == 1)  # Slack took it after all
    assert request_of(db).card_ts is None
    clock.advance(minutes=2)  # the retry: it finds the card instead of posting it
    DeliveryEngine.from_deps(deps).tick()
    [card] = cards(slack)
    assert [c.body["channel"] for c in slack.calls_to("chat.postMessage")].count(CHANNEL) == 1
    request = request_of(db)
    assert request.card_ts == card["ts"]
    assert request.thread_ts == (card["ts"] if door == "command" else card["thread_ts"])


@pytest.mark.parametrize("door", ["command", "reaction"])
def test_a_card_whose_process_died_after_slack_took_it_is_not_posted_again(
    requests_workspace, slack, db_url, tmp_path, app, db, door
):
    with upkeep_serve(slack, db_url, tmp_path) as (url, proc):
        driver = SlackDriver(app, Signer(SIGNING_SECRET), base_url=url, settle=False)
        held = slack.pause("chat.postMessage", CHANNEL)
        try:
            through(door, driver, slack)
            assert slack.wait_for(lambda: bool(slack.calls_to("chat.postMessage")))
            proc.signal(signal.SIGKILL)
            proc.wait(10)
        finally:
            held.set()
    assert slack.wait_for(lambda: len(cards(slack)) == 1)
    assert request_of(db).card_ts is None  # nobody knows yet that it was posted

    start = datetime.now(UTC) + LEASE + timedelta(minutes=1)  # past the dead process's claim
    with upkeep(["worker"], worker_env(slack, db_url, start), tmp_path) as worker:
        assert poll(lambda: request_of(db).card_ts is not None, timeout=20), worker.output
    [card] = cards(slack)
    assert request_of(db).card_ts == card["ts"]
