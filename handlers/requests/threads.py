"""A reply in a request's thread by one of its team is its first response: it stops the SLA
clock as accepting, declining or asking for info do. Channel messages come by the thousand and
almost none is such a reply, so the app is told which it wants before anything reads the
database (`wants_message`): replies (not edits, joins or bots' messages) in a channel that holds
requests, from a set of channels kept in memory and read again at most every `FRESH`."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.deps import Deps, command_request
from models.requests import threads, urgent

FRESH = timedelta(minutes=1)  # a request channel set up in another process counts after this
MEMO = "requests.channels"


@dataclass
class Channels:
    names: frozenset[str]
    read_at: datetime


_reading = threading.Lock()


def known_channels(deps: Deps) -> frozenset[str]:
    """The channels that hold requests, as read at most `FRESH` ago."""
    now = deps.clock.now()
    known: Channels | None = deps.memo.get(MEMO)
    if known is not None and now - known.read_at < FRESH:
        return known.names
    with _reading, deps.session_factory() as db:
        names = threads.thread_channels(db)
    deps.memo[MEMO] = Channels(names, now)
    return names


def forget_channels(deps: Deps) -> None:
    """This process changed a team's request channel: read them again on the next message."""
    deps.memo.pop(MEMO, None)


# A person's message has no subtype, or one of these (a reply also sent to the channel, one with a
# file); edits, deletions, joins and bots' messages have others.
PEOPLES = {None, "thread_broadcast", "file_share"}


def is_reply(event: dict) -> bool:
    """A person's reply in a thread: not an edit, a join or a bot's message, not the thread's
    own first message."""
    if event.get("subtype") not in PEOPLES or event.get("bot_id") or not event.get("user"):
        return False
    thread = event.get("thread_ts")
    return bool(thread) and thread != event.get("ts")


def wants_message(deps: Deps, event: dict) -> bool:
    return is_reply(event) and event.get("channel", "") in known_channels(deps)


def in_channel(event: dict) -> bool:
    return event.get("channel_type") in ("channel", "group")


def register(app, deps: Deps) -> None:
    @app.event("message", matchers=[in_channel])
    def replied(event: dict, context) -> None:
        if not wants_message(deps, event):
            return
        req = command_request(deps, context)
        request = threads.answered_in_thread(
            req.db, req.workspace.id, event["channel"], event["thread_ts"], req.person, req.now()
        )
        if request is not None:
            after = {"state": request.state}
            req.audit("request.answer", request.label, after=after, team=request.team)
            urgent.ack_on_first_response(req.db, request, req.person, req.now())
