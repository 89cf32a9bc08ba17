"""Work after the response: the Slack calls a request makes that its answer doesn't need.

The app runs with `process_before_response=True`: Slack gets its answer when the listener
returns, and the Slack client waits out a 429's Retry-After, so a single `chat.update` made
in a listener can push the answer past Slack's 3-second deadline. A listener therefore hands
such a call to `later(work)` (`CommandRequest.later`, `context["later"]`): `UpkeepApp.dispatch`
commits the request's transaction, and only if that commit succeeded gives what the request
deferred to `AfterResponse`, which runs it on a few threads of its own, in order, each piece of
work in a unit of work of its own (`SendContext`: a session, the client, the clock). A request
that failed or rolled back runs nothing it deferred. A piece that fails is logged with a ref,
and the user hears of it through the request's `response_url` when Slack gave one (a piece that
raises `UserError` is told as its message, as in a listener). Pieces are independent: one that
fails doesn't stop the next; calls that depend on each other go in one piece (`in_turn`).

What stays in the listener: the data (written in the request's transaction, so nothing is lost
when a Slack call fails), `views.open` with a `trigger_id` (it expires in 3 seconds) and any call
whose result the answer shows. Work must take plain values (ids, text, blocks), not the
request's ORM objects: its session is closed by then.

Why not Bolt's lazy listeners: Bolt starts them inside its own dispatch, before our commit, so
they would race it and run for a request that rolls back; they get a copy of the request whose
context drops what can't be deep-copied (our session); they are declared per listener, where
one command listener serves every subcommand and only some outcomes need work after; and their
errors end in a generic log line, with no ref and nothing to wait on in tests or the console.
The threads are ours rather than Bolt's listener executor so that `drain()` can wait for them;
`upkeep serve` finishes what is queued on them before it exits, on SIGTERM as on Ctrl-C
(`bot.cli`); a process killed outright loses it (the data stays).
"""

from __future__ import annotations

import logging
import secrets
import string
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from slack_sdk.webhook import WebhookClient

from bot.db import unit_of_work
from bot.jobs import SendContext, Work
from models.core.errors import UserError

if TYPE_CHECKING:
    from bot.deps import Deps

log = logging.getLogger("upkeep")


def error_ref() -> str:
    return "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(6))


def went_wrong(ref: str) -> str:
    return f":warning: Something went wrong on my side (ref {ref}). It has been logged."


# -- work for the usual calls: the arguments are taken now, the call is made later --------------


def post_message(**message: Any) -> Work:
    return lambda ctx: ctx.client.chat_postMessage(**message)


def update_message(**message: Any) -> Work:
    return lambda ctx: ctx.client.chat_update(**message)


def post_ephemeral(**message: Any) -> Work:
    return lambda ctx: ctx.client.chat_postEphemeral(**message)


def in_turn(*works: Work) -> Work:
    """Several calls as one piece of work, each made only once those before it succeeded: a
    confirmation ("I pinged your buddy") after what it confirms."""

    def work(ctx: SendContext) -> None:
        for each in works:
            each(ctx)

    return work


def direct_message(user: str, **message: Any) -> Work:
    """A message in the app's DM with `user`, opened first."""

    def work(ctx: SendContext) -> None:
        channel = ctx.client.conversations_open(users=user)["channel"]["id"]
        ctx.client.chat_postMessage(channel=channel, **message)

    return work


class Later:
    """What one request defers, in the order it was deferred."""

    def __init__(self, response_url: str = ""):
        self.work: list[Work] = []
        self.response_url = response_url  # where to tell the user that something failed

    def __call__(self, work: Work) -> None:
        self.work.append(work)


class AfterResponse:
    """Runs what requests deferred, once their transaction has committed. `drain()` waits until
    nothing is left to run: the console and the tests call it before they look at Slack."""

    def __init__(self, deps: Deps, *, threads: int = 4):
        self.deps = deps
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="upkeep-later")
        self._pending = 0
        self._idle = threading.Condition()

    def submit(self, later: Later) -> None:
        if not later.work:
            return
        with self._idle:
            self._pending += 1
        try:
            self._pool.submit(self._run, later)
        except BaseException:
            self._done()
            raise

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until everything submitted so far has run; False if `timeout` passed first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def close(self) -> None:
        """Run what is queued, then stop the threads."""
        self._pool.shutdown(wait=True)

    def _run(self, later: Later) -> None:
        try:
            for work in later.work:
                self._run_one(work, later.response_url)
        finally:
            self._done()

    def _run_one(self, work: Work, response_url: str) -> None:
        try:
            deps = self.deps
            with unit_of_work(deps.session_factory) as db:
                work(SendContext(db, deps.client, deps.clock, deps.settings))
        except UserError as error:  # what the user should know, said as a listener would
            log.warning("work after the response: %s", error.message)
            if response_url:
                self._tell(response_url, error.render())
        except Exception as error:
            ref = error_ref()
            log.error("work after the response failed ref=%s", ref, exc_info=error)
            if response_url:
                self._tell(response_url, went_wrong(ref))

    @staticmethod
    def _tell(response_url: str, text: str) -> None:
        try:
            WebhookClient(response_url, timeout=10).send(
                text=text, response_type="ephemeral", replace_original=False
            )
        except Exception:
            log.exception("could not tell the user that work after the response failed")

    def _done(self) -> None:
        with self._idle:
            self._pending -= 1
            self._idle.notify_all()
