"""The Slack Web API client: our base URL, and retries on 429 (honouring Retry-After), 5xx and
connection errors. Waiting goes through the injected clock, so tests never sleep."""

from __future__ import annotations

import random
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.clock import Clock
from bot.settings import Settings

MAX_BLOCKS_MESSAGE = 50
MAX_BLOCKS_VIEW = 100


class _Backoff(RetryIntervalCalculator):
    def calculate_sleep_duration(self, current_attempt: int) -> float:
        return min(0.5 * 2**current_attempt, 8.0) + random.random() * 0.1


class _ClockRetry(RetryHandler):
    """Retries whose waiting is done by the injected clock."""

    def __init__(self, clock: Clock, max_retry_count: int):
        super().__init__(max_retry_count=max_retry_count, interval_calculator=_Backoff())
        self.clock = clock

    def prepare_for_next_attempt(self, *, state: RetryState, request, response=None, error=None):
        state.next_attempt_requested = True
        self.clock.sleep(self.delay(state, response))
        state.increment_current_attempt()

    def delay(self, state: RetryState, response: HttpResponse | None) -> float:
        return self.interval_calculator.calculate_sleep_duration(state.current_attempt)


class RateLimitRetry(_ClockRetry):
    """HTTP 429: wait what Slack's Retry-After says, then try again."""

    def _can_retry(self, *, state, request: HttpRequest, response=None, error=None) -> bool:
        return response is not None and response.status_code == 429

    def delay(self, state: RetryState, response: HttpResponse | None) -> float:
        headers = {k.lower(): v for k, v in (response.headers if response else {}).items()}
        value = headers.get("retry-after")
        if isinstance(value, list):
            value = value[0] if value else None
        try:
            return max(float(value), 0.0)
        except (TypeError, ValueError):
            return 1.0


class ServerErrorRetry(_ClockRetry):
    def _can_retry(self, *, state, request: HttpRequest, response=None, error=None) -> bool:
        return response is not None and response.status_code >= 500


def build_client(settings: Settings, clock: Clock, token: str | None = None) -> WebClient:
    client = WebClient(
        token=token if token is not None else settings.slack_bot_token or None,
        base_url=settings.slack_api_url,
        timeout=10,
    )
    client.retry_handlers = [
        ConnectionErrorRetryHandler(max_retry_count=2),
        RateLimitRetry(clock, max_retry_count=5),
        ServerErrorRetry(clock, max_retry_count=2),
    ]
    return client


def lookup_user(client: WebClient, user_id: str) -> dict[str, Any] | None:
    """users.info's user object, or None when Slack doesn't know the id."""
    try:
        return client.users_info(user=user_id)["user"]
    except SlackApiError as e:
        if e.response.get("error") in ("user_not_found", "user_not_visible"):
            return None
        raise


def check_blocks(blocks: list[dict] | None, limit: int = MAX_BLOCKS_MESSAGE) -> list[dict] | None:
    """slack_sdk doesn't check Slack's block count limit; a message that breaks it is refused."""
    if blocks is not None and len(blocks) > limit:
        raise ValueError(f"{len(blocks)} blocks is over Slack's limit of {limit}")
    return blocks
