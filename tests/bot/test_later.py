"""Work after the response: it runs once the request has committed, in its own transaction;
never for a request that failed or rolled back; and a failure is logged with a ref the user
is told."""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import func, select

from bot.commands import Command
from bot.feature import Feature
from bot.jobs.deferred import deferrable
from bot.later import post_message
from bot.render import Reply
from models import AuditEntry
from models.core.errors import UserError

CHANNEL = "C0LATER"


@deferrable
def post_audits(ctx) -> None:
    """Posts how many audit entries its own session sees."""
    count = ctx.db.scalar(select(func.count()).select_from(AuditEntry))
    ctx.client.chat_postMessage(channel=CHANNEL, text=f"audits: {count}")


class Deferring:
    """A feature whose command writes, defers a post, then succeeds or fails."""

    later = Command("/later", "defers work")

    @staticmethod
    @later.fallback("/later ok|user|crash", "writes, defers a post, then succeeds or fails")
    def write_and_defer(req, args):
        req.audit("later", "x")
        req.db.flush()
        req.later(post_audits())
        if args == ["user"]:
            raise UserError("That isn't right.", "/later user")
        if args == ["crash"]:
            raise RuntimeError("kaboom")
        return Reply("done")

    @staticmethod
    @later.sub("two", "/later two", "defers two posts")
    def two(req, args):
        req.later(post_message(channel=CHANNEL, text="first"))
        req.later(post_message(channel=CHANNEL, text="second"))
        return Reply("done")


@pytest.fixture
def later_driver(driver_for):
    return driver_for(Feature("deferring", commands=[Deferring.later]))


def test_deferred_work_runs_in_its_own_transaction_and_sees_what_the_request_wrote(
    later_driver, slack
):
    assert later_driver.command("/later", "ok").text == "done"
    assert [m["text"] for m in slack.posted(CHANNEL)] == ["audits: 1"]


@pytest.mark.parametrize("failure", ["user", "crash"])
def test_a_request_that_rolled_back_runs_none_of_its_deferred_work(
    later_driver, slack, db, failure
):
    answer = later_driver.command("/later", failure)
    assert answer.status == 200 and answer.json["response_type"] == "ephemeral"
    assert db.scalar(select(func.count()).select_from(AuditEntry)) == 0
    assert slack.posted(CHANNEL) == []
    # The next request defers and runs as usual (and sees only its own write).
    later_driver.command("/later", "ok")
    assert [m["text"] for m in slack.posted(CHANNEL)] == ["audits: 1"]


def test_deferred_work_that_fails_is_logged_with_a_ref_the_user_is_told(
    later_driver, slack, caplog
):
    slack.fail("chat.postMessage", "channel_not_found")
    with caplog.at_level(logging.ERROR, logger="upkeep"):
        assert later_driver.command("/later", "two").text == "done"
    # The first post failed; the second still went out.
    assert [m["text"] for m in slack.posted(CHANNEL)] == ["second"]
    [told] = [c.body["text"] for c in slack.calls_to("response_url")]
    ref = re.search(r"ref ([A-Z0-9]{6})", told)
    assert ref and told.startswith(":warning: Something went wrong"), told
    logged = [r for r in caplog.records if ref.group(1) in r.getMessage()]
    assert logged and "channel_not_found" in str(logged[0].exc_info[1])
