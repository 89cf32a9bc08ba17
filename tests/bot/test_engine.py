"""The delivery engine: each due delivery is posted once, whatever crashes, retries, rate limits
or second workers happen around it."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

import pytest
from sqlalchemy import select

from bot.jobs import Due, SendContext
from bot.jobs.engine import LOCK_KEY, DeliveryEngine
from bot.slack import build_client
from models import Delivery, Person, Team, Workspace
from models.core.deliveries import CLAIMED, DROPPED, FAILED, SENT, delivery
from models.core.people import set_team_people
from models.core.workspace import LEAD
from tests.conftest import START, _postgres_url

CHANNEL = "C0PAYMENTS"


@dataclass
class Posts:
    """A job that posts `kind HH:MM` to a channel at each of `times`."""

    kind: str
    times: list[datetime]
    channel: str = CHANNEL
    stale_after: timedelta | None = timedelta(hours=2)
    team_id: int | None = None
    crash_once: bool = False

    def due(self, db, start, end):
        for t in self.times:
            if start < t <= end:
                yield Due(
                    key=f"{self.kind}:{t:%Y-%m-%dT%H:%M}",
                    kind=self.kind,
                    due_at=t,
                    send=partial(self.post, t),
                    team_id=self.team_id,
                    stale_after=self.stale_after,
                )

    def post(self, t: datetime, ctx: SendContext) -> str:
        if self.crash_once:
            self.crash_once = False
            raise SystemExit("the worker was killed between claiming and posting")
        return ctx.client.chat_postMessage(channel=self.channel, text=f"{self.kind} {t:%H:%M}")[
            "ts"
        ]


def at(hour: int, minute: int = 0) -> datetime:
    return START.replace(hour=hour, minute=minute)


@pytest.fixture
def make_engine(session_factory, settings, clock):
    def make(*jobs, worker: str = "w1") -> DeliveryEngine:
        client = build_client(settings, clock)
        return DeliveryEngine(
            session_factory, client, clock, settings, jobs=list(jobs), worker=worker
        )

    return make


@pytest.fixture
def team(db, clock) -> Team:
    ws = Workspace(slack_team_id="T0001EXAMPLE", created_at=clock.now())
    db.add(ws)
    db.flush()
    team = Team(workspace_id=ws.id, name="payments", channel_id=CHANNEL, tz="UTC", created_at=START)
    db.add(team)
    lead = Person(workspace_id=ws.id, slack_user_id="U0LEAD", name="lea", tz="Europe/Berlin")
    db.add(lead)
    set_team_people(team, LEAD, [lead])
    db.commit()
    return team


def texts(slack, channel: str = CHANNEL) -> list[str]:
    return [m["text"] for m in slack.posted(channel)]


def test_first_tick_starts_now_and_each_delivery_is_posted_once(make_engine, clock, slack, db):
    engine = make_engine(Posts("digest", [at(8, 30), at(9, 30)]))
    assert engine.tick().sent == []  # 08:30 was before the first tick: not ours to catch up
    clock.set(at(9, 31))
    assert engine.tick().sent == ["digest:2026-03-02T09:30"]
    clock.set(at(9, 32))
    assert engine.tick().sent == []
    assert texts(slack) == ["digest 09:30"]
    row = delivery(db, "digest:2026-03-02T09:30")
    assert (row.status, row.attempts, row.ref) == (SENT, 1, slack.posted(CHANNEL)[0]["ts"])
    assert delivery(db, "digest:2026-03-02T08:30") is None


def test_catch_up_after_downtime_drops_stale_prompts_and_sends_digests(
    make_engine, clock, slack, db, caplog
):
    prompts = Posts("standup", [at(9, 30), at(10, 30)])
    digests = Posts("digest", [at(9, 30)], stale_after=None)
    engine = make_engine(prompts, digests)
    engine.tick()
    clock.set(at(11, 45))  # the worker was down from 09:00 to 11:45
    with caplog.at_level(logging.WARNING, logger="upkeep.jobs"):
        report = engine.tick()
    assert sorted(report.sent) == ["digest:2026-03-02T09:30", "standup:2026-03-02T10:30"]
    assert report.dropped == ["standup:2026-03-02T09:30"]
    assert sorted(texts(slack)) == ["digest 09:30", "standup 10:30"]
    assert delivery(db, "standup:2026-03-02T09:30").status == DROPPED
    assert any("dropped standup:2026-03-02T09:30" in r.getMessage() for r in caplog.records)


def test_failed_posts_are_retried_with_backoff_and_recorded(make_engine, clock, slack, db):
    engine = make_engine(Posts("digest", [at(9, 30)], stale_after=None))
    engine.tick()
    slack.fail("chat.postMessage", "fatal_error", times=2)
    clock.set(at(9, 30))
    assert engine.tick().retrying == ["digest:2026-03-02T09:30"]
    row = delivery(db, "digest:2026-03-02T09:30")
    assert (row.status, row.attempts, row.last_error) == (CLAIMED, 1, "fatal_error")
    assert row.next_attempt_at == at(9, 31)
    clock.set(at(9, 30) + timedelta(seconds=50))
    assert engine.tick().retrying == []  # not yet
    clock.set(at(9, 31))
    assert engine.tick().retrying == ["digest:2026-03-02T09:30"]
    db.expire_all()
    assert delivery(db, "digest:2026-03-02T09:30").next_attempt_at == at(9, 33)  # doubled
    clock.set(at(9, 33))
    assert engine.tick().sent == ["digest:2026-03-02T09:30"]
    db.expire_all()
    row = delivery(db, "digest:2026-03-02T09:30")
    assert (row.status, row.attempts) == (SENT, 3)
    assert texts(slack) == ["digest 09:30"]
    assert len(slack.calls_to("chat.postMessage")) == 3


def test_a_channel_the_bot_cannot_post_to_fails_for_good_and_leads_hear_once(
    make_engine, clock, slack, db, team
):
    job = Posts("retro-reminder", [at(9, 30), at(10, 30)], team_id=team.id)
    engine = make_engine(job)
    engine.tick()
    slack.fail("chat.postMessage", "not_in_channel")
    clock.set(at(9, 30))
    assert engine.tick().failed == ["retro-reminder:2026-03-02T09:30"]
    row = delivery(db, "retro-reminder:2026-03-02T09:30")
    assert (row.status, row.last_error) == (FAILED, "not_in_channel")
    dms = slack.posted("U0LEAD")
    assert len(dms) == 1
    assert "retro-reminder" in dms[0]["text"] and "not_in_channel" in dms[0]["text"]
    slack.fail("chat.postMessage", "not_in_channel")
    clock.set(at(10, 30))
    assert engine.tick().failed == ["retro-reminder:2026-03-02T10:30"]
    clock.set(at(12, 0))
    engine.tick()
    assert len(slack.posted("U0LEAD")) == 1  # told once, and nothing retried
    assert slack.posted(CHANNEL) == []


def test_a_crash_between_claim_and_post_is_retried_and_posts_once(make_engine, clock, slack, db):
    job = Posts("standup", [at(9, 30)], crash_once=True)
    first = make_engine(job, worker="dies")
    first.tick()
    clock.set(at(9, 30))
    with pytest.raises(SystemExit):
        first.tick()
    row = delivery(db, "standup:2026-03-02T09:30")
    assert (row.status, row.claimed_by) == (CLAIMED, "dies")
    assert slack.posted(CHANNEL) == []

    restarted = make_engine(job, worker="restarted")
    clock.set(at(9, 35))
    assert restarted.tick().sent == []  # the claim's lease (10 min) hasn't run out
    clock.set(at(9, 41))
    assert restarted.tick().sent == ["standup:2026-03-02T09:30"]
    clock.set(at(9, 55))
    assert restarted.tick().sent == []
    assert texts(slack) == ["standup 09:30"]
    db.expire_all()
    assert delivery(db, "standup:2026-03-02T09:30").claimed_by == "restarted"


def test_a_429_storm_is_waited_out_and_nothing_is_lost_or_doubled(make_engine, clock, slack, db):
    times = [at(9, 30), at(9, 31), at(9, 32)]
    engine = make_engine(Posts("standup", times))
    engine.tick()
    slack.fail("chat.postMessage", "ratelimited", status=429, retry_after=3, times=8)
    clock.set(at(9, 32))
    report = engine.tick()
    # The client waits Retry-After (3 s, on the clock) five times, then gives the first one back.
    assert report.retrying == ["standup:2026-03-02T09:30"]
    assert sorted(report.sent) == ["standup:2026-03-02T09:31", "standup:2026-03-02T09:32"]
    assert clock.slept == [3.0] * 7
    clock.set(at(9, 40))
    assert engine.tick().sent == ["standup:2026-03-02T09:30"]
    assert sorted(texts(slack)) == ["standup 09:30", "standup 09:31", "standup 09:32"]
    assert delivery(db, "standup:2026-03-02T09:30").attempts == 2


def _tick_together(engines: list[DeliveryEngine]):
    barrier = threading.Barrier(len(engines))
    reports = [None] * len(engines)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            reports[i] = engines[i].tick()
        except BaseException as e:  # surfaced below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(engines))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    return reports


def test_two_workers_at_once_post_each_delivery_once(make_engine, clock, slack, db):
    times = [at(9, i) for i in range(1, 31)]
    jobs = [Posts("digest", times)]
    engines = [make_engine(*jobs, worker="a"), make_engine(*jobs, worker="b")]
    engines[0].tick()
    clock.set(at(9, 30))
    reports = _tick_together(engines)
    sent = [k for r in reports for k in r.sent]
    assert len(sent) == 30 and len(set(sent)) == 30
    assert sorted(texts(slack)) == sorted(f"digest {t:%H:%M}" for t in times)
    assert len(slack.posted(CHANNEL)) == 30
    statuses = db.scalars(select(Delivery.status)).all()
    assert statuses == [SENT] * 30


@pytest.mark.postgres_only
@pytest.mark.skipif(not _postgres_url(), reason="needs TEST_DATABASE_URL (PostgreSQL)")
def test_on_postgres_one_worker_ticks_and_a_crashed_holders_lock_frees(
    make_engine, clock, slack, engine
):
    from sqlalchemy import text

    times = [at(9, i) for i in range(1, 31)]
    workers = [make_engine(Posts("digest", times), worker=w) for w in ("a", "b")]
    workers[0].tick()
    clock.set(at(9, 30))
    reports = _tick_together(workers)
    assert sorted(r.skipped for r in reports) in ([False, True], [False, False])
    assert len(slack.posted(CHANNEL)) == 30

    crashed = engine.connect()  # a worker that took the lock, then hung or died
    assert crashed.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY})
    pid = crashed.scalar(text("SELECT pg_backend_pid()"))
    clock.set(at(9, 40))
    assert workers[1].tick().skipped
    crashed.invalidate()  # its session ends: PostgreSQL frees the lock
    crashed.close()
    _until_the_server_ended(engine, pid)
    assert not workers[1].tick().skipped


def _until_the_server_ended(engine, pid: int) -> None:
    """A closed connection's server process exits a moment later (and frees its locks then)."""
    from sqlalchemy import text

    pause = threading.Event()
    for _ in range(5000):
        with engine.connect() as conn:
            query = "SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"
            if not conn.scalar(text(query), {"pid": pid}):
                return
        pause.wait(0.001)
    raise AssertionError(f"the server process {pid} is still there")


def test_the_fake_slack_rate_limit_says_how_long_until_there_is_room(slack):
    slack.rate_limit = 2
    answers = [slack.handle("POST", "/api/auth.test", {}, b"") for _ in range(3)]
    assert [status for status, _, _ in answers] == [200, 200, 429]
    wait = float(answers[2][1]["Retry-After"])
    assert 0 < wait <= 1.0
    assert answers[2][2]["error"] == "ratelimited" and slack.rejected == 1


def note(clock, *, after_sent=None) -> Due:
    """A one-off post run through `engine.run`, as a request would."""
    return Due(
        key="note:1",
        kind="note",
        due_at=clock.now(),
        send=lambda ctx: ctx.client.chat_postMessage(channel=CHANNEL, text="note")["ts"],
        stale_after=None,
        after_sent=after_sent,
    )


def test_reopen_sends_again_a_key_that_failed_for_good_but_never_one_that_was_sent(
    make_engine, clock, slack, db
):
    engine = make_engine()
    slack.fail("chat.postMessage", "invalid_blocks")
    assert engine.run(note(clock)).failed == ["note:1"]
    assert engine.run(note(clock)).already == ["note:1"]  # without reopen: left alone
    assert engine.run(note(clock), reopen=True).sent == ["note:1"]
    assert engine.run(note(clock), reopen=True).already == ["note:1"]
    assert texts(slack) == ["note"]
    row = delivery(db, "note:1")
    assert (row.status, row.attempts) == (SENT, 2)


def test_what_follows_a_delivery_sees_it_sent_and_cannot_unsend_it(
    make_engine, clock, slack, db, caplog
):
    seen = []

    def after(ctx: SendContext, ref: str | None) -> None:
        seen.append((delivery(ctx.db, "note:1").status, ref))
        raise RuntimeError("the follow-up broke")

    with caplog.at_level(logging.ERROR, logger="upkeep.jobs"):
        assert make_engine().run(note(clock, after_sent=after)).sent == ["note:1"]
    assert seen == [(SENT, slack.posted(CHANNEL)[0]["ts"])]
    assert delivery(db, "note:1").status == SENT
    assert "note:1 was sent, but what follows it failed" in caplog.text


class Broken:
    """A job whose `due` fails (a bug, a bad row): the tick fails after others claimed."""

    kind = "broken"

    def due(self, db, start, end):
        raise RuntimeError("a job's due() failed")


def test_a_tick_that_fails_after_claiming_hands_its_claims_back_at_once(make_engine, clock, slack):
    posts = Posts("standup", [at(9, 30)])
    engine = make_engine(posts, Broken())
    clock.set(at(9))
    engine.tick()  # where the scheduler starts from
    clock.set(at(9, 31))
    with pytest.raises(RuntimeError):
        engine.tick()
    assert slack.posted(CHANNEL) == []
    # The claim is not left for the 10-minute lease: the very next tick of a working engine
    # sends it.
    clock.advance(minutes=1)
    assert make_engine(posts, worker="w2").tick().sent == ["standup:2026-03-02T09:30"]
    assert [m["text"] for m in slack.posted(CHANNEL)] == ["standup 09:30"]


@dataclass
class Together(Posts):
    """Posts whose deliveries stand alone: a tick sends them several at once."""

    concurrent: bool = True
    stop: threading.Event | None = None

    def post(self, t: datetime, ctx: SendContext) -> str:
        if self.stop is not None:
            self.stop.set()  # the worker is asked to stop while the first ones are being sent
        return super().post(t, ctx)


def test_a_concurrent_jobs_deliveries_are_each_sent_once(make_engine, clock, slack, db):
    times = [at(9, m) for m in range(1, 13)]
    engine = make_engine(Together("page", times), Posts("digest", [at(9, 5)]))
    engine.tick()
    clock.set(at(9, 30))

    report = engine.tick()

    assert sorted(report.sent) == sorted(
        [f"page:{t:%Y-%m-%dT%H:%M}" for t in times] + ["digest:2026-03-02T09:05"]
    )
    assert sorted(texts(slack)) == sorted([f"page {t:%H:%M}" for t in times] + ["digest 09:05"])


def test_stopping_while_a_concurrent_job_sends_hands_back_what_was_not_sent(
    make_engine, clock, slack, db
):
    times = [at(9, m) for m in range(1, 13)]
    job = Together("page", times)
    engine = make_engine(job)
    job.stop = engine.stopping
    engine.tick()
    clock.set(at(9, 30))

    report = engine.tick()

    assert report.released and report.sent
    assert sorted(report.sent + report.released) == sorted(
        f"page:{t:%Y-%m-%dT%H:%M}" for t in times
    )
    assert len(texts(slack)) == len(report.sent)
    db.expire_all()
    waiting = [delivery(db, key) for key in report.released]
    assert all(d.status == CLAIMED and d.claimed_by is None for d in waiting)
