"""Proving that the app answers before a Slack call: the fake Slack holds its answer to that
call until the test has the app's HTTP answer."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from bot.console.emulator import SlackEmulator
from bot.console.signed import Response

ANSWER_WITHIN = 5.0  # seconds; the held call is let go after this at the latest


def answered_while_held(
    slack: SlackEmulator, method: str, send: Callable[[], Response], channel: str | None = None
) -> Response:
    """Send a request (`send()`, with a driver that doesn't wait for the app's deferred work)
    while the fake Slack holds the next call of `method` (to `channel`): the app's answer must
    come while that call is still held, and the call must have been made by then or soon after.
    Then the call is let go."""
    release = slack.pause(method, channel)

    def taken() -> bool:
        return all(held is not release for _, held in slack.pauses.get(method, []))

    with ThreadPoolExecutor(1) as pool:
        try:
            try:
                answer = pool.submit(send).result(timeout=ANSWER_WITHIN)
            except TimeoutError:
                raise AssertionError(f"no answer while Slack held {method}") from None
            assert slack.wait_for(taken), f"the app never called {method}"
        finally:
            release.set()
    return answer
