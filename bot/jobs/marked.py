"""Posts that carry their delivery key, so a post Slack took is never made twice.

A claim in the database makes each delivery one worker's; it can't tell whether Slack took a post
whose answer never came (the client timed out, the connection dropped, the process was killed
between Slack's answer and the commit). So every message a delivery posts carries its key in
Slack's message `metadata`, and whenever it is unclear whether a post happened, the conversation
is read back (`conversations.history` with `include_all_metadata`) before anything posts again:

- a post that failed in a way that leaves it unclear (a timeout, a dropped connection, a 5xx) is
  looked for at once, and is not retried blindly by the client;
- a delivery tried again later (after a failure, or after its worker vanished) looks for its
  message before posting it.
A reply in a thread is looked for in that thread (`conversations.replies`): a conversation's
history holds only the threads' first messages.
Found, the message stands for the post: its ts is returned as if Slack had just answered."""

from __future__ import annotations

import copy
import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack import RateLimitRetry

log = logging.getLogger("upkeep.jobs")
EVENT_TYPE = "upkeep_delivery"
LOOK_BACK = 200  # messages read back from the conversation, newest first


class MarkedClient:
    """The Slack client as one delivery uses it: `chat_postMessage` carries the delivery's key
    and never posts twice; every other call passes straight through."""

    def __init__(self, client: WebClient, key: str, *, again: bool):
        self._client = client
        self._key = key
        self._again = again  # tried before: look before posting
        self._posting = copy.copy(client)  # 429s are waited out; nothing else is retried blindly
        self._posting.retry_handlers = [
            h for h in client.retry_handlers if isinstance(h, RateLimitRetry)
        ]

    def chat_postMessage(self, **kwargs: Any):  # noqa: N802 - slack_sdk's name
        channel = str(kwargs.get("channel", ""))
        kwargs.setdefault(
            "metadata", {"event_type": EVENT_TYPE, "event_payload": {"key": self._key}}
        )
        thread = kwargs.get("thread_ts")
        if self._again:
            found = find_posted(self._client, channel, self._key, thread)
            if found:
                log.info("%s was posted before (%s); not posting it again", self._key, found)
                return {"ok": True, "channel": channel, "ts": found}
        try:
            return self._posting.chat_postMessage(**kwargs)
        except Exception as error:
            if not unclear(error):
                raise
            found = find_posted(self._client, channel, self._key, thread)
            if not found:
                raise
            log.warning("%s: Slack took the post though its answer was lost", self._key)
            return {"ok": True, "channel": channel, "ts": found}

    @property
    def plain(self) -> WebClient:
        """The client without the key, for work that is not this delivery's."""
        return self._client

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def marker(key: str) -> dict[str, Any]:
    return {"event_type": EVENT_TYPE, "event_payload": {"key": key}}


def unclear(error: Exception) -> bool:
    """Whether Slack may have taken a post despite the error: anything but Slack's own answer
    that it didn't (an API error with a 4xx or an `ok: false`)."""
    if isinstance(error, SlackApiError):
        return error.response.status_code >= 500
    return isinstance(error, OSError)  # timeouts, resets and URLErrors are all OSErrors


def find_posted(client: WebClient, target: str, key: str, thread: str | None = None) -> str | None:
    """The ts of a message in `target` (a channel, or a person for their DM) carrying `key`; in
    the thread `thread` when given (`conversations.history` holds no thread's replies)."""
    channel = target
    if target[:1] in ("U", "W"):
        channel = client.conversations_open(users=target)["channel"]["id"]
    if thread:
        try:
            history = client.conversations_replies(
                channel=channel, ts=thread, limit=LOOK_BACK, include_all_metadata=True
            )
        except SlackApiError as error:
            if error.response.get("error") == "thread_not_found":
                return None  # (its first message is gone: nothing was posted under it)
            raise
    else:
        history = client.conversations_history(
            channel=channel, limit=LOOK_BACK, include_all_metadata=True
        )
    for message in history.get("messages") or []:
        metadata = message.get("metadata") or {}
        payload = metadata.get("event_payload") or {}
        if metadata.get("event_type") == EVENT_TYPE and payload.get("key") == key:
            return message.get("ts")
    return None
