"""The delivery engine: each tick runs every `Due` from the jobs exactly once.

A tick (1) takes the tick lock (PostgreSQL: an advisory lock on a connection of its own, freed
when a crashed holder's session ends), (2) asks every job what is due in (last tick, now] and
claims each key by inserting a `Delivery` row in its own transaction, (3) sends what it claimed
and marks it sent, and (4) retries what failed earlier (exponential backoff) or what a crashed
worker claimed and never sent (older than the lease). Prompts more than their `stale_after` late
are dropped and logged; a channel the bot cannot post to fails for good and its team's leads are
told once. 429s are waited out by the Slack client (Retry-After, on the injected clock).

When the process is asked to stop (`stopping` is set), the send in progress finishes and what
this tick claimed but has not sent is released at once, due for a retry now: the next tick of
any worker sends it, rather than waiting out the lease."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.db import make_session_factory, unit_of_work
from bot.jobs import Due, Job, SendContext
from bot.jobs.marked import MarkedClient
from bot.settings import Settings
from models.core import deliveries
from models.core.deliveries import CLAIMED, Delivery
from models.core.errors import UserError
from models.core.workspace import Team

log = logging.getLogger("upkeep.jobs")

STATE = "engine"
LOCK_KEY = 0x75706B656570  # "upkeep": one advisory lock for the whole scheduler
LEASE = timedelta(minutes=10)  # a claim older than this, never sent, belongs to a dead worker
BACKOFF = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=1)
MAX_ATTEMPTS = 8
SEND_THREADS = 4  # a tick's deliveries of `concurrent` jobs sent at once
FORCED = ":forced:"  # `jobs run --force` sends again under the key + this + when
CHANNEL_ERRORS = {"channel_not_found", "not_in_channel", "is_archived"}
PERMANENT_ERRORS = CHANNEL_ERRORS | {
    "invalid_blocks",
    "invalid_arguments",
    "msg_too_long",
    "no_text",
    "user_not_found",
    "account_inactive",
    "cannot_dm_bot",
}


@dataclass
class TickReport:
    skipped: bool = False  # another worker holds the tick lock
    start: datetime | None = None
    end: datetime | None = None
    sent: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)  # claimed before: sent, or being sent
    released: list[str] = field(default_factory=list)  # claimed, not sent: the worker stopped


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class DeliveryEngine:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        client: WebClient,
        clock: Clock,
        settings: Settings,
        *,
        jobs: list[Job],
        worker: str | None = None,
        lease: timedelta = LEASE,
        stopping: threading.Event | None = None,
    ):
        self.session_factory = session_factory
        self.client = client
        self.clock = clock
        self.settings = settings
        self.jobs = jobs
        self.worker = worker or worker_name()
        self.lease = lease
        self.stopping = stopping or threading.Event()
        self.concurrent_kinds = {job.kind for job in jobs if getattr(job, "concurrent", False)}

    @classmethod
    def from_deps(cls, deps, **kwargs) -> DeliveryEngine:
        kwargs.setdefault("jobs", deps.jobs)
        return cls(deps.session_factory, deps.client, deps.clock, deps.settings, **kwargs)

    @classmethod
    def from_context(cls, ctx: SendContext, **kwargs) -> DeliveryEngine:
        """An engine for work that runs as a piece of other work (deferred by a request): its
        own sessions on the same database, the Slack client as is."""
        kwargs.setdefault("jobs", [])
        client = ctx.client.plain if isinstance(ctx.client, MarkedClient) else ctx.client
        factory = make_session_factory(ctx.db.get_bind())
        return cls(factory, client, ctx.clock, ctx.settings, **kwargs)

    @property
    def bind(self) -> Engine:
        return self.session_factory.kw["bind"]

    # -- the tick --------------------------------------------------------------------------
    def tick(self) -> TickReport:
        with tick_lock(self.bind) as held:
            if not held:
                log.info("another worker is ticking; skipping")
                return TickReport(skipped=True)
            return self._tick(self.clock.now())

    def _tick(self, now: datetime) -> TickReport:
        report = TickReport(end=now)
        claimed: list[tuple[int, Due]] = []  # each claim is committed as it is made
        try:
            with self.session_factory() as db:
                start = deliveries.last_tick(db, STATE) or now
                report.start = start
                self._claim_due(db, start, now, report, claimed)
                deliveries.set_last_tick(db, STATE, now)
                db.commit()
        except Exception:
            self._release(claimed, report, "the tick failed after claiming")
            raise
        if not self._send_claimed(claimed, report):
            return report
        self._retry(now, report)
        return report

    def _send_claimed(self, claimed: list[tuple[int, Due]], report: TickReport) -> bool:
        """Send what the tick claimed: in order, and those of jobs marked `concurrent` (each
        independent of the others: an alert's notifications) on SEND_THREADS threads at once.
        False when it stopped first (what is left is released)."""
        together = [c for c in claimed if c[1].kind in self.concurrent_kinds]
        in_order = [c for c in claimed if c[1].kind not in self.concurrent_kinds]
        for i, (claim_id, due) in enumerate(in_order):
            if self.stopping.is_set():
                self._release(in_order[i:] + together, report, "stopping")
                return False
            self._send(claim_id, due, report)
        left: list[tuple[int, Due]] = []

        def send(item: tuple[int, Due]) -> None:
            if self.stopping.is_set():
                left.append(item)  # list.append is atomic
            else:
                self._send(*item, report)

        if together:
            with ThreadPoolExecutor(min(SEND_THREADS, len(together))) as pool:
                list(pool.map(send, together))
        if left:
            self._release(left, report, "stopping")
            return False
        return True

    def _release(self, claimed: list[tuple[int, Due]], report: TickReport, why: str) -> None:
        """Hand back claims this tick will not send: the next tick of any worker sends them."""
        if not claimed:
            return
        with unit_of_work(self.session_factory) as db:
            deliveries.release(db, [claim_id for claim_id, _ in claimed], self.clock.now())
        report.released.extend(due.key for _, due in claimed)
        log.info("%s: released %d claimed deliveries for the next tick", why, len(claimed))

    def _claim_due(
        self,
        db: Session,
        start: datetime,
        now: datetime,
        report: TickReport,
        claimed: list[tuple[int, Due]],
    ) -> None:
        if start >= now:
            return
        for job in self.jobs:
            dues = list(job.due(db, start, now))  # all of them before the claims commit
            # Keys claimed before (an alert's first notification, sent at once by the webhook's
            # process) are looked up in one query, not tried one insert at a time.
            known = deliveries.existing_keys(db, [due.key for due in dues])
            for due in dues:
                if due.key in known:
                    report.already.append(due.key)
                    continue
                got = self._claim(db, due, now, report)
                if got is not None:
                    claimed.append((got, due))

    def _claim(self, db: Session, due: Due, now: datetime, report: TickReport) -> int | None:
        late = now - due.due_at
        stale = due.stale_after is not None and late > due.stale_after
        note = f"dropped: {_minutes(late)} late" if stale else None
        got = deliveries.claim(
            db,
            due.key,
            due.kind,
            due.due_at,
            now,
            self.worker,
            team_id=due.team_id,
            status=deliveries.DROPPED if stale else CLAIMED,
            note=note,
        )
        if got is None:
            report.already.append(due.key)
            return None
        if stale:
            log.warning("dropped %s: due %s, %s late", due.key, due.due_at.isoformat(), note)
            report.dropped.append(due.key)
            return None
        return got.id

    # -- sending ---------------------------------------------------------------------------
    def run(
        self, due: Due, report: TickReport | None = None, *, reopen: bool = False
    ) -> TickReport:
        """Claim and send one delivery now, the same way a tick does. With `reopen`, a key that
        failed for good or was dropped earlier is claimed again (it was never sent); one that
        was sent, is being sent or waits for a retry is left alone."""
        report = report or TickReport()
        reopened = False
        with self.session_factory() as db:
            got = self._claim(db, due, self.clock.now(), report)
            if got is None and reopen and due.key in report.already:
                claim = deliveries.reopen(db, due.key, self.clock.now(), self.worker)
                if claim is not None:
                    report.already.remove(due.key)
                    got, reopened = claim.id, True
        if got is not None:
            self._send(got, due, report, again=reopened)
        return report

    def run_at_once(self, refs: list[int]) -> TickReport:
        """What jobs with `at_once(db, refs, now)` have due now for `refs` (what a webhook batch
        or a button just started), claimed and sent now, under the keys a tick would use."""
        report = TickReport()
        now = self.clock.now()
        claimed: list[tuple[int, Due]] = []
        with self.session_factory() as db:
            dues = [
                due
                for job in self.jobs
                if (ask := getattr(job, "at_once", None)) is not None
                for due in ask(db, refs, now)
            ]
            for due in dues:  # claimed first, then sent: what isn't sent is retried
                got = self._claim(db, due, now, report)
                if got is not None:
                    claimed.append((got, due))
            for job in self.jobs:  # every one claimed (here or by someone before): noted
                if (noted := getattr(job, "claimed_at_once", None)) is not None:
                    noted(db, [due.key for due in dues if due.kind == job.kind])
            db.commit()
        self._send_claimed(claimed, report)
        return report

    def next_due_at(self) -> datetime | None:
        """The first instant after the last tick at which a job with `next_at(db, after)` has
        something due (an escalation step): the worker wakes then, not on its next minute."""
        with self.session_factory() as db:
            after = deliveries.last_tick(db, STATE) or self.clock.now()
            found = [
                at
                for job in self.jobs
                if (ask := getattr(job, "next_at", None)) is not None
                and (at := ask(db, after)) is not None
            ]
        return min(found) if found else None

    def run_kind(self, kind: str, *, team_id: int | None = None, force: bool = False):
        """`upkeep jobs run`: what a job of this kind has for now (its `on_demand`, else what was
        due in the last day), sent now. Already delivered keys are skipped unless `force`."""
        jobs = [j for j in self.jobs if j.kind == kind]
        if not jobs:
            kinds = ", ".join(sorted({j.kind for j in self.jobs})) or "none"
            raise UserError(f"There is no job of kind `{kind}` (kinds: {kinds}).")
        now = self.clock.now()
        report = TickReport(start=now, end=now)
        with self.session_factory() as db:
            dues = [
                due
                for job in jobs
                for due in on_demand(job, db, now)
                if team_id is None or due.team_id == team_id
            ]
        for due in dues:
            if force:
                due = replace(due, key=f"{due.key}{FORCED}{now:%Y%m%dT%H%M%S}", due_at=now)
            self.run(replace(due, stale_after=None), report)
        return report

    def _send(self, delivery_id: int, due: Due, report: TickReport, *, again: bool = False) -> None:
        """Send and record it sent. `again`: it was tried before (by this worker or one that
        vanished), so its post may be in Slack already: `MarkedClient` looks first."""
        client = MarkedClient(self.client, due.key, again=again)
        try:
            with unit_of_work(self.session_factory) as db:
                ref = due.send(SendContext(db, client, self.clock, self.settings))
                deliveries.mark_sent(db, delivery_id, self.clock.now(), ref)
        except Exception as error:
            self._failed(delivery_id, due, error, report)
            return
        report.sent.append(due.key)
        if due.after_sent is not None:
            self._after_sent(due, ref)

    def _after_sent(self, due: Due, ref: str | None) -> None:
        """The delivery is sent whatever happens here: a failure is logged, not retried."""
        try:
            with unit_of_work(self.session_factory) as db:
                assert due.after_sent is not None
                due.after_sent(SendContext(db, self.client, self.clock, self.settings), ref)
        except Exception:
            log.exception("%s was sent, but what follows it failed", due.key)

    def _failed(self, delivery_id: int, due: Due, error: Exception, report: TickReport) -> None:
        code = error.response.get("error") if isinstance(error, SlackApiError) else None
        now = self.clock.now()
        with unit_of_work(self.session_factory) as db:
            row = db.get(Delivery, delivery_id)
            assert row is not None
            attempts = row.attempts + 1
            permanent = code in PERMANENT_ERRORS or attempts >= MAX_ATTEMPTS
            retry_at = None if permanent else now + backoff(attempts)
            message = code or f"{type(error).__name__}: {error}"
            deliveries.mark_attempt_failed(db, delivery_id, now, message, retry_at)
        if permanent:
            log.error("%s failed for good after %d attempt(s): %s", due.key, attempts, message)
            report.failed.append(due.key)
        else:
            log.warning("%s failed (%s); retrying at %s", due.key, message, retry_at)
            report.retrying.append(due.key)
        if code in CHANNEL_ERRORS and due.team_id is not None:
            self.run(channel_problem(due, code, now), TickReport())

    def _retry(self, now: datetime, report: TickReport) -> None:
        with self.session_factory() as db:
            waiting = deliveries.due_for_retry(db, now, self.lease)
            for row in waiting:
                if self.stopping.is_set():
                    return
                due = self._rebuild(db, row)
                if not deliveries.take_over(db, row, now, self.worker):
                    continue
                if due is None:
                    with unit_of_work(self.session_factory) as w:
                        deliveries.mark_dropped(w, row.id, "no longer due")
                    report.dropped.append(row.key)
                elif due.stale_after is not None and now - due.due_at > due.stale_after:
                    with unit_of_work(self.session_factory) as w:
                        deliveries.mark_dropped(w, row.id, f"dropped: {_minutes(now - row.due_at)}")
                    log.warning("dropped %s on retry: too late", row.key)
                    report.dropped.append(row.key)
                else:
                    self._send(row.id, due, report, again=True)

    def _rebuild(self, db: Session, row: Delivery) -> Due | None:
        """The `Due` behind a stored delivery, asked again of its job (a forced run's, of what
        the job had on demand when it was forced)."""
        base, forced, _ = row.key.partition(FORCED)
        for job in self.jobs:
            if job.kind != row.kind:
                continue
            if forced:
                candidates = on_demand(job, db, row.due_at)
            else:  # `due_again`: a job's due that leaves out nothing it was told was sent
                ask = getattr(job, "due_again", None) or job.due
                candidates = ask(db, row.due_at - timedelta(microseconds=1), row.due_at)
            for due in candidates:
                if due.key == base:
                    return replace(due, key=row.key, due_at=row.due_at, stale_after=None)
        return None


def on_demand(job: Job, db: Session, now: datetime) -> list[Due]:
    ask = getattr(job, "on_demand", None)
    if ask is not None:
        return list(ask(db, now))
    return list(job.due(db, now - timedelta(days=1), now))


def backoff(attempts: int) -> timedelta:
    return min(BACKOFF * 2 ** max(attempts - 1, 0), MAX_BACKOFF)


def _minutes(delta: timedelta) -> str:
    return f"{int(delta.total_seconds() // 60)} min"


def channel_problem(due: Due, code: str, now: datetime) -> Due:
    """A DM to the team's leads, once per team, channel and error."""

    def send(ctx: SendContext) -> str | None:
        team = ctx.db.get(Team, due.team_id)
        if team is None:
            return None
        where = f"<#{team.channel_id}>" if team.channel_id else "the team's channel"
        text_ = (
            f":warning: I can't post the {due.kind} for team *{team.name}* in {where}: "
            f"`{code}`. Invite me there (`/invite @Upkeep`) or set the team's channel; "
            "I won't retry this one."
        )
        for lead in team.leads:
            ctx.client.chat_postMessage(channel=lead.slack_user_id, text=text_)
        return None

    return Due(
        key=f"channel-problem:{due.team_id}:{code}",
        kind="channel-problem",
        due_at=now,
        send=send,
        team_id=due.team_id,
        stale_after=None,
    )


@contextmanager
def tick_lock(bind: Engine) -> Iterator[bool]:
    """On PostgreSQL, `pg_try_advisory_lock` on a connection of its own, held for the tick: one
    worker ticks at a time, and a crashed holder's session ends, which frees the lock. SQLite
    needs none: claims are unique either way."""
    if bind.dialect.name != "postgresql":
        yield True
        return
    conn = bind.connect()
    conn.execution_options(isolation_level="AUTOCOMMIT")
    try:
        held = bool(conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY}))
        try:
            yield held
        finally:
            if held:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
    except BaseException:
        conn.invalidate()  # ends the session, and with it any lock it held
        raise
    finally:
        conn.close()
