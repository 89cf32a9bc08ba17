"""The scheduler process: APScheduler runs the clock, the database decides what is due.

Each tick writes the worker's heartbeat, runs the delivery engine (every job's due work, each
delivered once: `bot.jobs.engine`), then gives every feature with a `tick(deps, now)` its turn.
Features keep their schedule state in our tables, never in APScheduler's job store."""

from __future__ import annotations

import logging
import threading

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from bot.app import Deps
from bot.db import unit_of_work
from bot.jobs.engine import DeliveryEngine
from models.runtime import beat

log = logging.getLogger("upkeep.worker")
WORKER = "worker"
TICK_SECONDS = 60


class Worker:
    def __init__(self, deps: Deps):
        self.deps = deps
        self._lock = threading.Lock()
        self.engine = DeliveryEngine.from_deps(deps)

    def tick(self) -> None:
        """One pass: heartbeat, then every feature's due work. Never runs twice at once here."""
        if not self._lock.acquire(blocking=False):
            log.warning("previous tick still running; skipping this one")
            return
        try:
            now = self.deps.clock.now()
            with unit_of_work(self.deps.session_factory) as db:
                beat(db, WORKER, now)
            try:
                self.engine.tick()
            except Exception:
                log.exception("the delivery engine's tick failed; it runs again next tick")
            for feature in self.deps.features:
                run = getattr(feature, "tick", None)
                if run is None:
                    continue
                try:
                    run(self.deps, now)
                except Exception:
                    log.exception("tick of %s failed; it runs again next tick", feature.__name__)
        finally:
            self._lock.release()

    def scheduler(self, *, background: bool):
        cls = BackgroundScheduler if background else BlockingScheduler
        sched = cls(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1})
        sched.add_job(self.tick, "interval", seconds=TICK_SECONDS, id="tick", next_run_time=None)
        return sched

    def start(self, *, background: bool):
        sched = self.scheduler(background=background)
        self.tick()  # at once: a restart catches up without waiting a minute
        sched.start()
        return sched
