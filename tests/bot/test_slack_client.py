"""The Slack client retries 429 (waiting what Retry-After says, on the injected clock) and 5xx."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError

from bot.slack import build_client, check_blocks


def test_rate_limited_call_waits_retry_after_and_succeeds(settings, clock, slack):
    client = build_client(settings, clock)
    slack.fail("chat.postMessage", "ratelimited", status=429, retry_after=7, times=2)
    resp = client.chat_postMessage(channel="C1", text="hi")
    assert resp["ok"]
    assert clock.slept == [7.0, 7.0]
    assert len(slack.calls_to("chat.postMessage")) == 3
    assert len(slack.posted("C1")) == 1


def test_server_errors_are_retried(settings, clock, slack):
    client = build_client(settings, clock)
    slack.fail("chat.postMessage", status=500, times=1)
    assert client.chat_postMessage(channel="C1", text="hi")["ok"]
    assert len(slack.calls_to("chat.postMessage")) == 2


def test_api_errors_are_not_retried(settings, clock, slack):
    client = build_client(settings, clock)
    slack.fail("chat.postMessage", "channel_not_found")
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="C1", text="hi")
    assert info.value.response["error"] == "channel_not_found"
    assert len(slack.calls_to("chat.postMessage")) == 1


def test_the_client_uses_the_configured_api_url(settings, clock, slack):
    build_client(settings, clock).auth_test()
    assert len(slack.calls_to("auth.test")) == 1


def test_block_limit_is_checked_before_sending():
    blocks = [{"type": "divider"}] * 51
    with pytest.raises(ValueError, match="limit of 50"):
        check_blocks(blocks)
    assert check_blocks(blocks, limit=100) == blocks


def test_fake_slack_refuses_blocks_over_the_limit(settings, clock, slack):
    client = build_client(settings, clock)
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="C1", text="x", blocks=[{"type": "divider"}] * 51)
    assert info.value.response["error"] == "invalid_blocks"
    long_text = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C1", text="x", blocks=[long_text])
    assert slack.posted("C1") == []
