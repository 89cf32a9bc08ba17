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


def test_pacer_learns_the_rate_from_a_429_and_spaces_calls(clock):
    from bot.slack import Pacer

    pacer = Pacer(clock)
    for _ in range(21):  # 20 got through in the last second, the 21st was refused
        pacer.before("chat.postMessage")
        clock.advance(seconds=0.04)
    pacer.limited("chat.postMessage")
    assert pacer.rate("chat.postMessage") == 20 * Pacer.MARGIN
    clock.slept.clear()
    for _ in range(4):
        pacer.before("chat.postMessage")
    # The first goes at once; each later one a slot (1 / 19 s) after the one before.
    assert [round(s, 4) for s in clock.slept] == [round(1 / 19, 4)] * 3
    pacer.before("users.info")  # other methods aren't paced
    assert len(clock.slept) == 3


def test_pacer_forgets_after_a_quiet_minute(clock):
    from bot.slack import Pacer

    pacer = Pacer(clock)
    pacer.before("chat.postMessage")
    pacer.limited("chat.postMessage")
    clock.advance(seconds=Pacer.FORGET_AFTER + 1)
    clock.slept.clear()
    pacer.before("chat.postMessage")
    pacer.before("chat.postMessage")
    assert clock.slept == [] and pacer.rate("chat.postMessage") is None


def test_a_429_teaches_the_clients_pacer(settings, clock, slack):
    client = build_client(settings, clock)
    slack.fail("chat.postMessage", status=429, retry_after=2)
    client.chat_postMessage(channel="C0PAYMENTS", text="hi")
    assert client.pacer.rate("chat.postMessage") is not None
    assert 2.0 in clock.slept
