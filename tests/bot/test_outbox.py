"""What a request defers until after its answer is stored with the request's own data, so a
process that dies before making those Slack calls doesn't lose them: a worker makes them, once,
looking first for a post Slack may already have taken."""

from __future__ import annotations

import signal
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.jobs.deferred import GRACE, LATER
from bot.jobs.engine import LEASE, DeliveryEngine
from bot.later import post_message
from bot.slack import build_client
from models.core.deliveries import SENT, Delivery
from models.core.outbox import DeferredWork, keep
from tests.bot.test_web import upkeep_serve
from tests.bot.test_worker_process import worker_env
from tests.conftest import SIGNING_SECRET
from tests.processes import poll, upkeep
from tests.slack_requests import BOT_USER_ID, Signer, SlackDriver

CHANNEL = "C0PAYMENTS"


def replies(slack) -> list[dict]:
    return [m for m in slack.posted(CHANNEL) if "/upkeep" in m.get("text", "")]


def left(db) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(DeferredWork))


@pytest.mark.parametrize("slack_took_it", [True, False], ids=["slack-took-it", "never-posted"])
def test_a_reply_whose_process_was_killed_is_posted_once_by_the_worker(
    slack, db_url, tmp_path, app, db, slack_took_it
):
    """`upkeep serve` answers a mention, and is killed (SIGKILL) while Slack holds the reply it
    deferred: Slack then takes the post, or fails it. A worker later finds the reply stored and
    unsent, looks for it in the channel, and posts it only if it isn't there."""
    with upkeep_serve(slack, db_url, tmp_path) as (url, proc):
        driver = SlackDriver(app, Signer(SIGNING_SECRET), base_url=url, settle=False)
        if not slack_took_it:
            slack.fail("chat.postMessage", status=500)
        held = slack.pause("chat.postMessage")
        try:
            assert driver.mention(f"<@{BOT_USER_ID}> help").status == 200
            assert slack.wait_for(lambda: bool(slack.calls_to("chat.postMessage")))
            proc.signal(signal.SIGKILL)
            proc.wait(10)
        finally:
            held.set()
    if slack_took_it:
        assert slack.wait_for(lambda: len(replies(slack)) == 1)
    assert len(replies(slack)) == (1 if slack_took_it else 0)
    assert left(db) == 1  # the work is still stored: nobody knows yet whether it was done

    # A worker whose clock is past the claim's lease (it starts there, then runs on).
    start = datetime.now(UTC) + LEASE + timedelta(minutes=1)
    with upkeep(["worker"], worker_env(slack, db_url, start), tmp_path) as worker:
        assert poll(lambda: left(db) == 0, timeout=20), worker.output
    assert len(replies(slack)) == 1
    [delivery] = db.scalars(select(Delivery).where(Delivery.kind == "later")).all()
    assert delivery.status == SENT


def test_work_its_process_never_started_is_made_by_the_next_tick_after_the_grace(
    session_factory, settings, clock, slack, db
):
    """A request committed its work and its process died before running any of it."""
    engine = DeliveryEngine(
        session_factory,
        build_client(settings, clock),
        clock,
        settings,
        jobs=[LATER],
        worker="w1",
    )
    engine.tick()  # the worker's last tick, before the request
    clock.advance(seconds=5)
    keep(db, [post_message(channel=CHANNEL, text="Your /upkeep answer").to_json()], "", clock.now())
    db.commit()
    clock.advance(seconds=30)
    assert engine.tick().sent == []  # within the grace the request's process may still make it
    assert replies(slack) == []
    clock.advance(GRACE)
    report = engine.tick()
    assert len(report.sent) == 1 and report.sent[0].startswith("later:")
    assert [m["text"] for m in replies(slack)] == ["Your /upkeep answer"]
    assert left(db) == 0
    clock.advance(minutes=5)
    assert engine.tick().sent == [] and len(replies(slack)) == 1


def test_a_reply_slack_failed_with_a_server_error_is_posted_by_the_workers_retry(
    driver, deps, slack, db, clock
):
    """A 500 leaves it unclear whether Slack took the post: the app looks (it didn't), keeps the
    work, and the worker's next tick after the backoff posts it, once."""
    slack.fail("chat.postMessage", status=500)
    driver.mention(f"<@{BOT_USER_ID}> help")
    assert len(slack.calls_to("chat.postMessage")) == 1 and replies(slack) == []
    assert left(db) == 1
    clock.advance(minutes=2)
    DeliveryEngine.from_deps(deps).tick()
    assert len(replies(slack)) == 1 and left(db) == 0
    clock.advance(minutes=10)
    DeliveryEngine.from_deps(deps).tick()
    assert len(replies(slack)) == 1


def test_the_worker_forgets_deferred_work_a_day_after_it_was_made(driver, deps, slack, db, clock):
    """Its key is never used again, so neither its record nor work that failed for good stays."""
    from bot.worker import Worker

    driver.mention(f"<@{BOT_USER_ID}> help")  # made at once
    slack.fail("chat.postMessage", status=500, times=9)
    driver.mention(f"<@{BOT_USER_ID}> help")  # fails unclearly, for good in the end
    later = select(func.count()).select_from(Delivery).where(Delivery.kind == "later")
    assert db.scalar(later) == 2 and left(db) == 1
    clock.advance(hours=23)
    Worker(deps).tick()
    db.expire_all()
    assert db.scalar(later) == 2
    clock.advance(hours=2)
    Worker(deps).tick()
    db.expire_all()
    assert db.scalar(later) == 0 and left(db) == 0
