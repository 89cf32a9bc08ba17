"""Two `upkeep serve` replicas on one database answer alike: what one process keeps between
requests (rotation timelines, service cards, the service-name index) notices a change the other
one made, at once."""

from __future__ import annotations

from contextlib import ExitStack

from tests.bot.test_web import upkeep_serve
from tests.conftest import SIGNING_SECRET, START
from tests.slack_requests import Signer, SlackDriver


def test_two_replicas_answer_alike_after_changes_made_through_either(
    slack, db_url, tmp_path, app, catalog
):
    with ExitStack() as stack:
        replicas = []
        for name in ("a", "b"):
            workdir = tmp_path / name
            workdir.mkdir()
            url, _ = stack.enter_context(
                upkeep_serve(slack, db_url, workdir, CLOCK_START=START.isoformat())
            )
            replicas.append(
                SlackDriver(
                    app, Signer(SIGNING_SECRET), base_url=url, response_url=slack.response_url
                )
            )
        a, b = replicas

        def both(command: str, text: str) -> str:
            answers = [r.command(command, text, user="U0LEAD").text for r in (a, b)]
            assert answers[0] == answers[1], "the replicas disagree"
            return answers[0]

        # Both have read (and keep) the rotation's timeline and the service's card.
        assert "*payments-primary*: <@U0ANA> until" in both("/oncall", "payments-primary at 12:00")
        assert "Tier: 1" in both("/owner", "billing-api")

        override = "override payments-primary <@U0CHO> today 11:00 to 20:00"
        assert "<@U0CHO> is on call" in a.command("/oncall", override, user="U0LEAD").text
        assert "*payments-primary*: <@U0CHO> until" in both("/oncall", "payments-primary at 12:00")

        assert "Tier: 2" in b.command("/owner", "set billing-api tier=2", user="U0LEAD").text
        assert "Tier: 2" in both("/owner", "billing-api")

        made = a.command("/owner", "set refunds team=payments tier=3", user="U0LEAD").text
        assert made.startswith("`refunds`")
        assert "Tier: 3" in both("/owner", "refunds")  # b's name index learnt the new name

        # Each keeps the workspace's rotations by name: b learns of one a made, at once.
        assert "payments-nights" in both("/oncall", "payments-nights")  # not found, on both
        made = a.command(
            "/oncall",
            "set payments-nights team=payments handoff=22:00 every=1d start=2026-03-01 "
            "members=<@U0BEN|ben>,<@U0CHO>",
            user="U0LEAD",
        ).text
        assert made.startswith("Created *payments-nights*")
        assert "*payments-nights*: <@U0" in both("/oncall", "payments-nights")
