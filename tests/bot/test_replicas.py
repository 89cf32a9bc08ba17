"""Two `upkeep serve` replicas on one database answer alike: what one process keeps between
requests (who asks, rotation timelines, service cards, the service-name index) notices a change
the other one made, at once on PostgreSQL (`models/core/changes.py`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest

from tests.bot.test_web import upkeep_serve
from tests.conftest import SIGNING_SECRET, START
from tests.processes import Process
from tests.slack_requests import Signer, SlackDriver

OVERRIDE = "override payments-primary <@U0CHO> today 11:00 to 20:00"
NIGHTS = (
    "set payments-nights team=payments handoff=22:00 every=1d start=2026-03-01 "
    "members=<@U0BEN|ben>,<@U0CHO>"
)


@contextmanager
def two_replicas(slack, db_url, tmp_path, app) -> Iterator[list[tuple[SlackDriver, Process]]]:
    with ExitStack() as stack:
        replicas = []
        for name in ("a", "b"):
            workdir = tmp_path / name
            workdir.mkdir()
            url, proc = stack.enter_context(
                upkeep_serve(slack, db_url, workdir, CLOCK_START=START.isoformat())
            )
            driver = SlackDriver(
                app, Signer(SIGNING_SECRET), base_url=url, response_url=slack.response_url
            )
            replicas.append((driver, proc))
        yield replicas


def test_two_replicas_answer_alike_after_changes_made_through_either(
    slack, db_url, tmp_path, app, catalog
):
    with two_replicas(slack, db_url, tmp_path, app) as [(a, _), (b, _)]:

        def both(command: str, text: str) -> str:
            answers = [r.command(command, text, user="U0LEAD").text for r in (a, b)]
            assert answers[0] == answers[1], "the replicas disagree"
            return answers[0]

        # Both have read (and keep) the rotation's timeline and the service's card.
        assert "*payments-primary*: <@U0ANA> until" in both("/oncall", "payments-primary at 12:00")
        assert "Tier: 1" in both("/owner", "billing-api")

        assert "<@U0CHO> is on call" in a.command("/oncall", OVERRIDE, user="U0LEAD").text
        assert "*payments-primary*: <@U0CHO> until" in both("/oncall", "payments-primary at 12:00")

        assert "Tier: 2" in b.command("/owner", "set billing-api tier=2", user="U0LEAD").text
        assert "Tier: 2" in both("/owner", "billing-api")

        made = a.command("/owner", "set refunds team=payments tier=3", user="U0LEAD").text
        assert made.startswith("`refunds`")
        assert "Tier: 3" in both("/owner", "refunds")  # b's name index learnt the new name

        # Each keeps the workspace's rotations by name: b learns of one a made, at once.
        assert "payments-nights" in both("/oncall", "payments-nights")  # not found, on both
        assert a.command("/oncall", NIGHTS, user="U0LEAD").text.startswith(
            "Created *payments-nights*"
        )
        assert "*payments-nights*: <@U0" in both("/oncall", "payments-nights")


def test_a_replica_that_keeps_who_asks_sees_a_change_made_through_the_other_at_once(
    slack, db_url, is_postgres, tmp_path, app, catalog
):
    """b answers twice in a row (the second answer reads nothing and commits nothing: who asks,
    with the versions, is kept), then a changes what b keeps: b's next answer shows it."""
    if not is_postgres:
        pytest.skip(
            "SQLite has no LISTEN: processes on one file see each other's changes within a "
            "second, and these replicas' clocks stand still"
        )
    with two_replicas(slack, db_url, tmp_path, app) as [(a, _), (b, b_process)]:

        def kept_by_b(command: str, text: str) -> str:
            first = b.command(command, text, user="U0LEAD").text
            assert b.command(command, text, user="U0LEAD").text == first
            return first

        at_noon = "payments-primary at 12:00"
        for _ in range(2):  # first sight, then who asks is read (its listener starts)
            assert "<@U0ANA> until" in b.command("/oncall", at_noon, user="U0LEAD").text
        b_process.wait_for_output("listening for changes")  # b keeps who asks from now on

        assert "*payments-primary*: <@U0ANA> until" in kept_by_b("/oncall", at_noon)
        assert "<@U0CHO> is on call" in a.command("/oncall", OVERRIDE, user="U0LEAD").text
        assert (
            "*payments-primary*: <@U0CHO> until"
            in b.command("/oncall", at_noon, user="U0LEAD").text
        )

        assert "Tier: 1" in kept_by_b("/owner", "billing-api")
        assert "Tier: 2" in a.command("/owner", "set billing-api tier=2", user="U0LEAD").text
        assert "Tier: 2" in b.command("/owner", "billing-api", user="U0LEAD").text

        assert "payments-nights" in kept_by_b("/oncall", "payments-nights")  # not found
        assert a.command("/oncall", NIGHTS, user="U0LEAD").text.startswith(
            "Created *payments-nights*"
        )
        assert (
            "*payments-nights*: <@U0" in b.command("/oncall", "payments-nights", user="U0LEAD").text
        )
