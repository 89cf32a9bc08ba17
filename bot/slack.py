"""The Slack Web API client: our base URL, and retries on 429 (honouring Retry-After), 5xx and
connection errors. Waiting goes through the injected clock, so tests never sleep."""

from __future__ import annotations

import hashlib
import hmac
import random
import threading
from collections import deque
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
from bot.render.limits import MAX_BLOCKS_MESSAGE
from bot.settings import Settings
from models.core.workspace import Person


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


class Pacer:
    """Learns each method's rate limit from Slack's 429s and spaces later calls to fit under it.

    Slack sends Retry-After in whole seconds, so a sender that only waits it out stalls up to a
    second every time it touches the limit; a fan-out (a standup to 1,000 people) then runs well
    below the allowed rate. After a 429 the pacer counts the calls that got through in the second
    before it and paces at `MARGIN` of that; a minute without a 429 and it forgets."""

    MARGIN = 0.95
    FORGET_AFTER = 60.0

    def __init__(self, clock: Clock):
        self.clock = clock
        self._lock = threading.Lock()
        self._recent: dict[str, deque[float]] = {}
        self._rate: dict[str, tuple[float, float]] = {}  # method -> (calls per second, learned at)
        self._next: dict[str, float] = {}

    def _now(self) -> float:
        return self.clock.now().timestamp()

    def before(self, method: str) -> None:
        """Called before each call of `method`: waits for its slot, if it is paced."""
        with self._lock:
            now = self._now()
            wait = 0.0
            learned = self._rate.get(method)
            if learned and now - learned[1] > self.FORGET_AFTER:
                del self._rate[method]
                learned = None
            if learned:
                slot = max(now, self._next.get(method, now))
                self._next[method] = slot + 1.0 / learned[0]
                wait = slot - now
            recent = self._recent.setdefault(method, deque())
            recent.append(now + wait)
            while recent and recent[0] <= now + wait - 1.0:
                recent.popleft()
        if wait > 0:
            self.clock.sleep(wait)

    def limited(self, method: str) -> None:
        """Slack answered 429: the calls of the last second are about what it allows."""
        with self._lock:
            now = self._now()
            got_through = sum(1 for t in self._recent.get(method, ()) if t > now - 1.0) - 1
            rate = max(got_through, 1) * self.MARGIN
            known = self._rate.get(method)
            self._rate[method] = (min(rate, known[0]) if known else rate, now)

    def rate(self, method: str) -> float | None:
        learned = self._rate.get(method)
        return learned[0] if learned else None


class PacedWebClient(WebClient):
    """A WebClient whose calls go through a `Pacer`."""

    pacer: Pacer

    def api_call(self, api_method: str, **kwargs):  # type: ignore[override]
        self.pacer.before(api_method)
        return super().api_call(api_method, **kwargs)


def _method_of(request: HttpRequest) -> str:
    return request.url.rstrip("/").rsplit("/", 1)[-1]


class RateLimitRetry(_ClockRetry):
    """HTTP 429: wait what Slack's Retry-After says, then try again (and tell the pacer)."""

    def __init__(self, clock: Clock, max_retry_count: int, pacer: Pacer | None = None):
        super().__init__(clock, max_retry_count)
        self.pacer = pacer

    def prepare_for_next_attempt(self, *, state: RetryState, request, response=None, error=None):
        if self.pacer is not None:
            self.pacer.limited(_method_of(request))
        super().prepare_for_next_attempt(
            state=state, request=request, response=response, error=error
        )

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
    client = PacedWebClient(
        token=token if token is not None else settings.slack_bot_token or None,
        base_url=settings.slack_api_url,
        timeout=10,
    )
    client.pacer = Pacer(clock)
    client.retry_handlers = [
        ConnectionErrorRetryHandler(max_retry_count=2),
        RateLimitRetry(clock, max_retry_count=5, pacer=client.pacer),
        ServerErrorRetry(clock, max_retry_count=2),
    ]
    return client


def token_team(client: WebClient) -> str:
    """The Slack workspace the bot token belongs to (`auth.test`). When Slack refuses the token
    or can't be reached, the process exits with a plain message rather than a traceback."""
    try:
        return client.auth_test()["team_id"]
    except SlackApiError as e:
        raise SystemExit(
            f"Slack refused the bot token ({e.response.get('error')}): check SLACK_BOT_TOKEN "
            "(an xoxb- token of the app, installed in the workspace)."
        ) from None
    except OSError as e:
        raise SystemExit(f"Slack could not be reached at {client.base_url} ({e}).") from None


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


def dm(client: WebClient, person: Person, text: str, blocks: list[dict]) -> str:
    """A direct message from the app (posting to a user id opens the app's DM with them)."""
    return client.chat_postMessage(channel=person.slack_user_id, text=text, blocks=blocks)["ts"]


SIGNATURE_WINDOW = 300  # seconds: Slack's requests are signed with a timestamp no older than this


def signature_ok(
    secret: str, body: bytes, timestamp: str | None, signature: str | None, now: float
) -> bool:
    """Whether Slack signed `body` (`v0:{timestamp}:{body}`, HMAC-SHA256) within the window.
    Anything malformed is simply not signed (slack_sdk's verifier raises on a timestamp that
    isn't an integer, and Bolt then runs the error handler on the unverified body)."""
    if not timestamp or not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12:
        return False
    if abs(now - int(timestamp)) > SIGNATURE_WINDOW:
        return False
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), (signature or "").encode())
