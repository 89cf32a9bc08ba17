"""Work a request deferred until after its answer, as data: it is stored in the request's
transaction (`models.core.outbox`), so a process killed before making the Slack calls doesn't
lose them, and it is made through the delivery engine under the key `later:<row id>`, so it is
made once, by the request's process at once or by a worker later.

A piece of work is a `Deferred`: the name of a function made with `@deferrable` and the keyword
arguments it gets besides the `SendContext` (plain values: ids, text, blocks, dates). Calling the
decorated function makes the piece; it runs when the work is done:

    @deferrable
    def post_cover(ctx, *, request_id: int, channel: str, text: str) -> None: ...

    req.later(post_cover(request_id=request.id, channel=channel, text=text))

The request's process runs its pieces right after its commit (`bot.later.AfterResponse`). A row
still there `GRACE` after it was made (the process died first) is due for the worker's tick
(`LaterJob`). A post that may have reached Slack is looked for before it is made again
(`bot.jobs.marked`). Failing work is handled as it was in the request: a `UserError` is told to
the user through the request's `response_url`; a failure Slack answered (or a bug) is logged
with a ref the user is told; a failure that leaves it unclear whether Slack took the call (a
timeout, a dropped connection, a 5xx) is tried again by the delivery engine (backoff)."""

from __future__ import annotations

import functools
import importlib
import logging
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from slack_sdk.webhook import WebhookClient
from sqlalchemy.orm import Session

from bot.jobs import Due, SendContext
from bot.jobs.marked import unclear
from models.core import outbox
from models.core.errors import UserError

log = logging.getLogger("upkeep")

KIND = "later"
GRACE = timedelta(seconds=60)  # longer than any request takes to commit
STALE = timedelta(hours=1)  # a worker that finds it later than this drops it (logged)


def error_ref() -> str:
    return "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(6))


def went_wrong(ref: str) -> str:
    return f":warning: Something went wrong on my side (ref {ref}). It has been logged."


# -- pieces of work as data -----------------------------------------------------------------

_REGISTRY: dict[str, Callable[..., object]] = {}


@dataclass(frozen=True)
class Deferred:
    name: str  # "module:function" of a `@deferrable` function
    kwargs: dict[str, Any]

    def __call__(self, ctx: SendContext) -> object:
        return _function(self.name)(ctx, **self.kwargs)

    def to_json(self) -> dict[str, Any]:
        return {"fn": self.name, "kwargs": _encode(self.kwargs)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Deferred:
        return cls(data["fn"], _decode(data["kwargs"]))


def deferrable(fn: Callable[..., object]) -> Callable[..., Deferred]:
    """`fn(ctx, **kwargs)` as work to defer: calling the result with the kwargs makes a
    `Deferred` (checked to be storable now, not when it runs)."""
    name = f"{fn.__module__}:{fn.__qualname__}"
    _REGISTRY[name] = fn

    @functools.wraps(fn)
    def make(**kwargs: Any) -> Deferred:
        _encode(kwargs)
        return Deferred(name, kwargs)

    return make


def _function(name: str) -> Callable[..., object]:
    if name not in _REGISTRY:  # made by a module this process has not imported yet
        importlib.import_module(name.partition(":")[0])
    return _REGISTRY[name]


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, Deferred):
        return {"$deferred": value.to_json()}
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"deferred work takes plain values, not {type(value).__name__}")


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "$datetime" in value:
            return datetime.fromisoformat(value["$datetime"])
        if "$date" in value:
            return date.fromisoformat(value["$date"])
        if "$deferred" in value:
            return Deferred.from_json(value["$deferred"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


@deferrable
def _in_turn(ctx: SendContext, *, pieces: list[Deferred]) -> None:
    for piece in pieces:
        piece(ctx)


def in_turn(*pieces: Deferred) -> Deferred:
    """Several calls as one piece of work, each made only once those before it succeeded: a
    confirmation ("I pinged your buddy") after what it confirms."""
    return _in_turn(pieces=list(pieces))


# -- making them --------------------------------------------------------------------------


def due_for(row_id: int, created_at: datetime, piece: dict, response_url: str) -> Due:
    """A stored piece as a delivery: sent, it is done (its row goes in the same commit)."""

    def send(ctx: SendContext) -> None:
        try:
            Deferred.from_json(piece)(ctx)
        except UserError as error:  # what the user should know, said as a listener would
            log.warning("work after the response: %s", error.message)
            tell(response_url, error.render())
        except Exception as error:
            if unclear(error):
                raise  # the engine tries again, looking for the post first
            ref = error_ref()
            log.error("work after the response failed ref=%s", ref, exc_info=error)
            tell(response_url, went_wrong(ref))
        outbox.forget(ctx.db, row_id)

    return Due(
        key=f"{KIND}:{row_id}",
        kind=KIND,
        due_at=created_at + GRACE,
        send=send,
        stale_after=STALE,
    )


def tell(response_url: str, text: str) -> None:
    if not response_url:
        return
    try:
        WebhookClient(response_url, timeout=10).send(
            text=text, response_type="ephemeral", replace_original=False
        )
    except Exception:
        log.exception("could not tell the user that work after the response failed")


class LaterJob:
    """Deferred work its request's process didn't make: due `GRACE` after it was stored."""

    kind = KIND

    def due(self, db: Session, start: datetime, end: datetime) -> list[Due]:
        rows = outbox.created_between(db, start - GRACE, end - GRACE)
        return [due_for(r.id, r.created_at, r.piece, r.response_url) for r in rows]


LATER = LaterJob()
