"""Work after the response: the Slack calls a request makes that its answer doesn't need.

The app runs with `process_before_response=True`: Slack gets its answer when the listener
returns, and the Slack client waits out a 429's Retry-After, so a single `chat.update` made
in a listener can push the answer past Slack's 3-second deadline. A listener therefore hands
such a call to `later(piece)` (`CommandRequest.later`, `context["later"]`). A piece is data, a
`Deferred` (`bot.jobs.deferred`: the usual calls are below, a feature makes its own with
`@deferrable`), stored in the request's transaction by `UpkeepApp.dispatch` just before its
commit. Only if that commit succeeded does `AfterResponse` run what the request deferred, on a
few threads of its own, in order, each piece in a unit of work of its own (`SendContext`: a
session, the client, the clock) and through the delivery engine, under a key of its own: a
process killed before it made the calls leaves them stored, and a worker makes them, once. A
request that failed or rolled back stores and runs nothing it deferred. A piece that fails is
logged with a ref, and the user hears of it through the request's `response_url` when Slack gave
one (a piece that raises `UserError` is told as its message, as in a listener). Pieces are
independent: one that fails doesn't stop the next; calls that depend on each other go in one
piece (`in_turn`).

What stays in the listener: the data (written in the request's transaction, so nothing is lost
when a Slack call fails), `views.open` with a `trigger_id` (it expires in 3 seconds) and any call
whose result the answer shows. Work must take plain values (ids, text, blocks), not the
request's ORM objects: they are stored as JSON.

Why not Bolt's lazy listeners: Bolt starts them inside its own dispatch, before our commit, so
they would race it and run for a request that rolls back; they get a copy of the request whose
context drops what can't be deep-copied (our session); they are declared per listener, where
one command listener serves every subcommand and only some outcomes need work after; and their
errors end in a generic log line, with no ref and nothing to wait on in tests or the console.
The threads are ours rather than Bolt's listener executor so that `drain()` can wait for them;
`upkeep serve` finishes what is queued on them before it exits, on SIGTERM as on Ctrl-C
(`bot.cli`); what a process killed outright didn't make, a worker makes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING, Any

from slack_sdk.webhook import WebhookClient
from sqlalchemy.orm import Session

from bot.db import unit_of_work
from bot.jobs import SendContext
from bot.jobs.deferred import LATER, Deferred, deferrable, due_for
from bot.jobs.engine import DeliveryEngine
from bot.slack import lookup_user
from models.core import outbox
from models.core.people import apply_profile, find_person
from models.core.workspace import Workspace

if TYPE_CHECKING:
    from bot.deps import CommandRequest, Deps
    from bot.render import Reply

log = logging.getLogger("upkeep")


# -- the usual calls: the arguments are taken now, the call is made later --------------------


@deferrable
def post_message(ctx: SendContext, **message: Any) -> None:
    ctx.client.chat_postMessage(**message)


@deferrable
def update_message(ctx: SendContext, **message: Any) -> None:
    ctx.client.chat_update(**message)


@deferrable
def post_ephemeral(ctx: SendContext, **message: Any) -> None:
    ctx.client.chat_postEphemeral(**message)


@deferrable
def publish_home(ctx: SendContext, *, user_id: str, view: dict) -> None:
    ctx.client.views_publish(user_id=user_id, view=view)


@deferrable
def update_view(ctx: SendContext, *, view_id: str, view: dict) -> None:
    """A modal that is open (one under a pushed form, or the one a button in it changed)."""
    ctx.client.views_update(view_id=view_id, view=view)


@deferrable
def learn_profile(ctx: SendContext, *, workspace_id: int, user_id: str) -> None:
    """What Slack says of someone first met in the team form (name, zone, working hours), asked
    once the form is answered: Slack waits 3 seconds for that, and `users.info` for each of a
    team of thirty takes longer. (Until then, and if Slack fails to say, their zone is their
    team's; a `user_change` event or their first request fills it in.)"""
    workspace = ctx.db.get(Workspace, workspace_id)
    person = find_person(ctx.db, workspace, user_id) if workspace is not None else None
    user = lookup_user(ctx.client, user_id) if person is not None else None
    if person is not None and user:
        apply_profile(person, user, ctx.clock.now())


def profiles_later(req: CommandRequest) -> Callable[[str], None]:
    """A people lookup (`ImportContext.lookup`) that asks Slack nothing while the request is
    answered: someone met for the first time is made from their id, and `learn_profile`d after."""

    def lookup(user_id: str) -> None:
        req.later(learn_profile(workspace_id=req.workspace.id, user_id=user_id))

    return lookup


@deferrable
def direct_message(ctx: SendContext, *, user: str, **message: Any) -> None:
    """A message in the app's DM with `user`, opened first."""
    channel = ctx.client.conversations_open(users=user)["channel"]["id"]
    ctx.client.chat_postMessage(channel=channel, **message)


@deferrable
def respond_later(ctx: SendContext, *, response_url: str, **message: Any) -> None:
    """An answer through the request's `response_url` (replacing the message, or ephemeral)."""
    WebhookClient(response_url, timeout=10).send(**message)


def replace_message(body: dict, reply: Reply) -> Deferred:
    """The message a button was pressed on (`body`: the action's payload), replaced by `reply`."""
    url = body.get("response_url", "")
    return respond_later(
        response_url=url, replace_original=True, text=reply.text, blocks=reply.blocks
    )


class Later:
    """What one request defers, in the order it was deferred."""

    def __init__(self, response_url: str = ""):
        self.work: list[Deferred] = []
        self.response_url = response_url  # where to tell the user that something failed
        self.stored: list[tuple[int, datetime, dict]] = []

    def __call__(self, piece: Deferred) -> None:
        if not isinstance(piece, Deferred):
            raise TypeError("defer a `Deferred` (see bot.jobs.deferred), not a function")
        self.work.append(piece)

    def store(self, db: Session, now: datetime) -> None:
        """In the request's transaction, just before it commits."""
        if not self.work:
            return
        pieces = [piece.to_json() for piece in self.work]
        ids = outbox.keep(db, pieces, self.response_url, now)
        self.stored = [(i, now, p) for i, p in zip(ids, pieces, strict=True)]


class AfterResponse:
    """Runs what requests deferred, once their transaction has committed. `drain()` waits until
    nothing is left to run: the console and the tests call it before they look at Slack."""

    def __init__(self, deps: Deps, *, threads: int = 4):
        self.deps = deps
        self.engine = DeliveryEngine.from_deps(deps, jobs=[LATER])
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="upkeep-later")
        self._pending = 0
        self._idle = threading.Condition()

    def submit(self, later: Later) -> None:
        """Run what `later` holds: what it stored, through the delivery engine; else (a failed
        request telling its user so, with nothing of its own kept) each piece once, as is."""
        if not later.work:
            return
        with self._idle:
            self._pending += 1
        try:
            self._pool.submit(self._run, later)
        except BaseException:
            self._done()
            raise

    def call(self, fn: Callable[..., object], *args: Any) -> None:
        """Run `fn(*args)` on these threads: work that is no request's (the notifications a
        webhook batch started), waited for by `drain()` and finished by `close()` alike."""
        with self._idle:
            self._pending += 1
        try:
            self._pool.submit(self._call, fn, args)
        except BaseException:
            self._done()
            raise

    def _call(self, fn: Callable[..., object], args: tuple) -> None:
        try:
            fn(*args)
        except Exception:
            log.exception("work after a response failed")
        finally:
            self._done()

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until everything submitted so far has run; False if `timeout` passed first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def close(self) -> None:
        """Run what is queued, then stop the threads."""
        self._pool.shutdown(wait=True)

    def _run(self, later: Later) -> None:
        try:
            for row_id, created_at, piece in later.stored:
                try:
                    self.engine.run(due_for(row_id, created_at, piece, later.response_url))
                except Exception:
                    log.exception("deferred work %s could not be run; a worker will", row_id)
            if not later.stored:
                for piece in later.work:
                    self._run_unstored(piece)
        finally:
            self._done()

    def _run_unstored(self, piece: Deferred) -> None:
        deps = self.deps
        try:
            with unit_of_work(deps.session_factory) as db:
                piece(SendContext(db, deps.client, deps.clock, deps.settings))
        except Exception:
            log.exception("work after the response failed")

    def _done(self) -> None:
        with self._idle:
            self._pending -= 1
            self._idle.notify_all()
