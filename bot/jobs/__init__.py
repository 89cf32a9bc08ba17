"""Scheduled work. The worker's tick asks every job what is due between the last tick and now;
each `Due` carries a key that is unique forever, and the delivery engine claims that key in the
database before sending, so nothing is posted twice and nothing is lost.

A job is an object with a `kind` and `due(db, start, end)`. Jobs compute what
is due from rules stored in the database (rituals, rotations, walkthroughs), in the right zone.
A feature puts its jobs in `handlers/<feature>/jobs.py` and lists them in its FEATURE (`jobs=`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from slack_sdk import WebClient
    from sqlalchemy.orm import Session

    from bot.clock import Clock
    from bot.settings import Settings


@dataclass
class SendContext:
    """What a delivery needs to send: its own unit of work and the Slack client."""

    db: Session
    client: WebClient
    clock: Clock
    settings: Settings


# A piece of Slack work done in a unit of work of its own: a delivery's send, or what a request
# defers until after its answer (`bot.later`).
Work = Callable[[SendContext], object]


@dataclass(frozen=True)
class Due:
    key: str  # unique forever, e.g. "standup:payments:U0ANA:2026-11-23"
    kind: str  # "standup", "retro-reminder", "pageload-digest", "handoff", "onboarding", ...
    due_at: datetime  # aware, UTC
    send: Callable[[SendContext], str | None]  # posts; may return a reference (message ts)
    team_id: int | None = None
    # Prompts more than this late are dropped and logged; None means always send (digests).
    stale_after: timedelta | None = timedelta(hours=2)
    # Runs once the delivery is recorded as sent (with what `send` returned), in a unit of work
    # of its own: e.g. to bring in what changed while the message was on its way.
    after_sent: Callable[[SendContext, str | None], None] | None = None


class Job(Protocol):
    kind: str

    def due(self, db: Session, start: datetime, end: datetime) -> Iterable[Due]:
        """Everything of this kind due in (start, end]. Asked again for (due_at - 1 µs, due_at]
        to rebuild a delivery that needs a retry, so it must be the same for the same window."""


# A job may also define `on_demand(db, now) -> Iterable[Due]`: what `upkeep jobs run <kind>` sends
# now (e.g. today's standup prompts). Without it, `jobs run` sends what was due in the last day.
# It may define `next_at(db, after) -> datetime | None`: the first instant after `after` when it
# has something due; the worker wakes then rather than at its next tick (escalation steps).
# And `at_once(db, refs, now) -> Iterable[Due]`: what is due now for the rows a webhook batch or
# a button just changed (`DeliveryEngine.run_at_once`), sent at once under the tick's keys.
# With `concurrent = True`, a tick's deliveries of the job are independent of each other and
# sent several at once (an alert's escalation steps: 50 due in a second are sent in time).
