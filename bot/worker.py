"""The scheduler process: APScheduler runs the clock, the database decides what is due.

`Worker.start()` ticks at once (catching up on what fell due while no worker ran), then every
`WORKER_TICK_SECONDS` (60 by default) until `stop()`, just after each whole minute (rituals fall
due on the minute, so they go out within about a second), and at the instant a job says its
next delivery falls due between ticks (an alert's escalation step: `Job.next_at`). Each tick
writes the worker's heartbeat (`/healthz?worker=1`, `upkeep status`), then runs the delivery
engine (every job's due work, each delivered once: `bot.jobs.engine`). Schedule state lives in
our tables, never in APScheduler's job store, so any number of workers may run: the tick lock
and the claimed keys keep each delivery to one.

`stop()` lets the send in progress finish, hands back what the tick claimed and has not sent
(the next tick of any worker sends it at once), and waits for the tick to end."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.db import unit_of_work
from bot.deps import Deps
from bot.jobs.deferred import LATER
from bot.jobs.engine import DeliveryEngine
from models.core import deliveries, outbox
from models.core.runtime import WORKER, beat

log = logging.getLogger("upkeep.worker")
TICK, CATCH_UP, WAKE = "tick", "catch-up", "wake"
WAKE_AFTER = 1.0  # seconds after something falls due that the worker wakes for it
DEFERRED_KEPT = timedelta(days=1)  # work deferred this long ago failed for good, or never will


class Worker:
    def __init__(self, deps: Deps, *, every: float | None = None):
        self.deps = deps
        self.every = every if every is not None else deps.settings.worker_tick_seconds
        self.stopping = threading.Event()
        self.engine = DeliveryEngine.from_deps(deps, stopping=self.stopping)
        self._lock = threading.Lock()
        self._scheduler: BackgroundScheduler | None = None

    def tick(self) -> None:
        """One pass: the heartbeat, then every job's due work. Never runs twice at once here."""
        if self.stopping.is_set() or not self._lock.acquire(blocking=False):
            return
        try:
            now = self.deps.clock.now()
            with unit_of_work(self.deps.session_factory) as db:
                beat(db, WORKER, now)
                outbox.forget_before(db, now - DEFERRED_KEPT)
                deliveries.prune_kind(db, LATER.kind, now - DEFERRED_KEPT)
            self.engine.tick()
            self._wake()
        except Exception:
            log.exception("the tick failed; the next one tries again")
        finally:
            self._lock.release()

    def _wake(self) -> None:
        """Tick again when a job has something due before the next tick (an escalation step
        falls due between minutes): one timer at that instant, not a busy loop."""
        sched = self._scheduler
        if sched is None or not sched.running or self.stopping.is_set():
            return
        at = self.engine.next_due_at()
        if at is None:
            return
        delay = max((at - self.deps.clock.now()).total_seconds(), 0.0) + WAKE_AFTER
        when = datetime.now(UTC) + timedelta(seconds=delay)
        following = self.next_tick_at
        if following is not None and when >= following:
            return
        sched.add_job(self.tick, DateTrigger(when), id=WAKE, replace_existing=True)

    def start(self) -> Worker:
        """Tick now, then every `every` seconds on APScheduler's thread, until `stop()`."""
        sched = BackgroundScheduler(
            timezone="UTC",
            # A tick that ran late (a slow tick before it) still runs, once.
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        # The catch-up tick, now; then the grid. (An interval job given its first run time
        # counts from that run, off the grid; given next_run_time=None it is added paused.)
        sched.add_job(self.tick, DateTrigger(datetime.now(UTC)), id=CATCH_UP)
        sched.add_job(
            self.tick, IntervalTrigger(seconds=self.every, start_date=aligned(self.every)), id=TICK
        )
        sched.start()
        self._scheduler = sched
        return self

    @property
    def next_tick_at(self) -> datetime | None:
        job = self._scheduler.get_job(TICK) if self._scheduler else None
        return job.next_run_time if job else None

    def stop(self) -> None:
        """Finish the send in progress, release the rest of the tick's claims, wait for it."""
        self.stopping.set()
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=True)
        with self._lock:  # a tick started by hand (tests, the console) ends too
            pass


def aligned(every: float) -> datetime:
    """The start of the tick grid: just after a whole multiple of `every` seconds (hh:mm:01 for
    a minute), so that the tick after something falls due on the minute comes a second later."""
    now = time.time()
    return datetime.fromtimestamp((now // every) * every + min(1.0, every / 4), UTC)
