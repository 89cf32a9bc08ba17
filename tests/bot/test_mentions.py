"""`@upkeep ...` in a channel: `help` answers with what may be asked, in thread."""

from __future__ import annotations

import pytest

from tests.slack_requests import BOT_USER_ID


@pytest.mark.parametrize(
    "said", ["help", f"<@{BOT_USER_ID}> help", "Help!", "what can you do?", ""]
)
def test_help_lists_what_may_be_asked(driver, slack, said):
    """`@upkeep help` answered "I didn't catch that." """
    driver.mention(said)
    reply = slack.posted("C0PAYMENTS")[-1]
    assert reply["thread_ts"]
    assert "didn't catch" not in reply["text"]
    assert reply["text"].startswith("Ask me in a channel, and I answer in thread:\n")
    assert "• `@upkeep who is on call tomorrow?`" in reply["text"]
    assert "• `@upkeep who owns billing-api?`" in reply["text"]
    assert reply["text"].endswith("Every command: `/upkeep help`.")


def test_what_is_not_understood_still_says_so_and_shows_what_is(driver, slack):
    driver.mention("make me a sandwich")
    reply = slack.posted("C0PAYMENTS")[-1]["text"]
    assert reply.startswith("I didn't catch that.\nTry:\n• `@upkeep who is on call tomorrow?`")
