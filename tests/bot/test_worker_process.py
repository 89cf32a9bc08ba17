"""`upkeep worker` and `upkeep run` as the operator runs them: a process of their own, a real
clock, the fake Slack over HTTP. A standup falls due a few seconds after the process starts
(`CLOCK_START` sets where the process clock begins; it then runs at real speed) and the prompt
must arrive with nobody calling `tick()`."""

from __future__ import annotations

import json
import signal
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from models.core.deliveries import CLAIMED, SENT, Delivery
from models.core.runtime import last_beat
from tests.conftest import SIGNING_SECRET
from tests.factories import configure, lookup
from tests.processes import free_port, poll, process_env, upkeep
from tests.slack_requests import Signer, SlackDriver

# Monday 2 March 2026: the standup's 09:30 in Berlin is 08:30 UTC.
DUE = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
TEAM = """
teams:
  - name: payments
    channel: C0PAYMENTS
    timezone: Europe/Berlin
    leads: [U0LEAD]
    members: [U0ANA, U0DAN, U0EVE]
"""
STANDUP = """
rituals:
  - kind: standup
    team: payments
    days: mon-sun
    time: "09:30"
"""
KEYS = [
    "standup:payments:U0ANA:2026-03-02",
    "standup:payments:U0DAN:2026-03-02",
    "standup:payments:U0EVE:2026-03-02",
    "standup-summary:payments:2026-03-02",
]
PROMPTED = ["U0ANA", "U0DAN", "U0EVE", "C0PAYMENTS"]


@pytest.fixture
def standup_due(db, clock, slack):
    """Three Berlin members whose standup is due at DUE, in the test's database."""
    slack.add_user("U0DAN", "Dan Diaz", "Europe/Berlin")
    slack.add_user("U0EVE", "Eve Evans", "Europe/Berlin")
    clock.set(DUE - timedelta(days=1))
    configure(db, clock, STANDUP, teams=TEAM, lookup=lookup(slack))


def worker_env(slack, db_url, start: datetime, **extra: str) -> dict[str, str]:
    return process_env(
        slack, db_url, **{"CLOCK_START": start.isoformat(), "WORKER_TICK_SECONDS": "0.25"} | extra
    )


def standup_posts(slack) -> dict[str, int]:
    """How many standup messages each of PROMPTED got."""
    return {
        where: sum(1 for m in slack.posted(where) if "Standup" in m.get("text", ""))
        for where in PROMPTED
    }


def deliveries(db) -> dict[str, Delivery]:
    db.expire_all()
    return {d.key: d for d in db.scalars(select(Delivery))}


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_the_worker_process_sends_a_standup_when_it_falls_due_on_its_own(
    standup_due, slack, db_url, db, tmp_path
):
    env = worker_env(slack, db_url, DUE - timedelta(seconds=3))
    with upkeep(["worker"], env, tmp_path) as worker:
        worker.wait_for_output("worker started")
        assert slack.wait_for(lambda: standup_posts(slack) == dict.fromkeys(PROMPTED, 1), 30), (
            worker.output
        )
        first = last_beat(db, "worker")
        # It keeps ticking after the delivery: the heartbeat moves on.
        assert poll(lambda: _beat_after(db, first)), worker.output
        worker.signal(signal.SIGTERM)
        assert worker.wait() == 0, worker.output
    assert "stopped" in worker.output
    # A normal start says nothing alarming (APScheduler may note a tick that overran its
    # interval on a loaded machine: at 0.25 s a tick, that is no fault).
    assert "will be unused" not in worker.output and "ERROR" not in worker.output, worker.output
    assert {k: d.status for k, d in deliveries(db).items()} == dict.fromkeys(KEYS, SENT)
    assert standup_posts(slack) == dict.fromkeys(PROMPTED, 1)


def _beat_after(db, instant) -> bool:
    db.expire_all()
    beat = last_beat(db, "worker")
    return beat is not None and beat > instant


def test_upkeep_run_serves_slack_and_sends_what_falls_due(
    standup_due, slack, db_url, tmp_path, app
):
    port = free_port()
    env = worker_env(slack, db_url, DUE - timedelta(seconds=3), PORT=str(port))
    url = f"http://127.0.0.1:{port}"
    with upkeep(["run"], env, tmp_path) as run:
        run.wait_for_output("serving slack on")
        assert poll(lambda: get(url + "/healthz?worker=1") == 200), run.output  # it ticked
        driver = SlackDriver(app, Signer(SIGNING_SECRET), base_url=url, settle=False)
        answer = driver.command("/upkeep", "status")
        assert answer.status == 200 and "last tick" in answer.text, answer.text
        assert slack.wait_for(lambda: standup_posts(slack) == dict.fromkeys(PROMPTED, 1), 30), (
            run.output
        )
        run.signal(signal.SIGTERM)
        assert run.wait() == 0, run.output
    assert "stopping the worker" in run.output and "stopped" in run.output


def test_sigterm_during_a_tick_finishes_the_send_and_hands_back_the_rest(
    standup_due, slack, db_url, db, tmp_path
):
    """SIGTERM while the first prompt is on its way to Slack: that send completes, the process
    exits 0, and the tick's other claims are due again at once, so the next worker sends them
    straight away (not after the 10-minute lease) and nobody gets a prompt twice."""
    release = slack.pause("chat.postMessage")
    env = worker_env(slack, db_url, DUE - timedelta(seconds=2))
    with upkeep(["worker"], env, tmp_path) as worker:
        try:
            assert slack.wait_for(lambda: bool(slack.calls_to("chat.postMessage")), 30), (
                worker.output
            )
            worker.signal(signal.SIGTERM)
            worker.wait_for_output("stopping:")
        finally:
            release.set()
        assert worker.wait() == 0, worker.output
    assert "released 3 claimed deliveries" in worker.output
    stored = deliveries(db)
    assert sorted(stored) == sorted(KEYS)
    assert [k for k, d in stored.items() if d.status == SENT] and all(
        d.status == CLAIMED and d.next_attempt_at is not None and d.claimed_by is None
        for d in stored.values()
        if d.status != SENT
    )
    assert sum(standup_posts(slack).values()) == 1

    # The next worker, a minute later, sends the rest on its first tick.
    env = worker_env(slack, db_url, DUE + timedelta(minutes=1))
    with upkeep(["worker"], env, tmp_path) as worker:
        assert slack.wait_for(lambda: standup_posts(slack) == dict.fromkeys(PROMPTED, 1), 30), (
            worker.output
        )
    assert {k: d.status for k, d in deliveries(db).items()} == dict.fromkeys(KEYS, SENT)


def test_two_workers_side_by_side_send_each_delivery_once(standup_due, slack, db_url, db, tmp_path):
    env = worker_env(slack, db_url, DUE - timedelta(seconds=2), WORKER_TICK_SECONDS="0.1")
    with upkeep(["worker"], env, tmp_path) as one, upkeep(["worker"], env, tmp_path) as two:
        one.wait_for_output("worker started")
        two.wait_for_output("worker started")
        assert slack.wait_for(lambda: standup_posts(slack) == dict.fromkeys(PROMPTED, 1), 30)
        # Both go on ticking past the due time; nothing more is sent.
        assert not slack.wait_for(lambda: sum(standup_posts(slack).values()) > 4, 2)
    assert standup_posts(slack) == dict.fromkeys(PROMPTED, 1)
    assert {k: d.status for k, d in deliveries(db).items()} == dict.fromkeys(KEYS, SENT)
    # Neither tripped over the other, not even on their first heartbeat.
    assert "Traceback" not in one.output + two.output, one.output + two.output


def test_healthz_asked_about_the_worker_is_503_until_it_ticks(standup_due, server, deps, clock):
    from bot.worker import Worker

    def health() -> tuple[int, dict]:
        try:
            with urllib.request.urlopen(server + "/healthz?worker=1", timeout=5) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    status, body = health()
    assert status == 503 and body["worker_last_tick"] is None
    Worker(deps).tick()
    assert health() == (
        200,
        {
            "ok": True,
            "database": body["database"],
            "worker_last_tick": clock.now().isoformat(),
        },
    )
    clock.advance(minutes=3, seconds=1)
    status, body = health()
    assert status == 503 and body["error"] == "the worker has not ticked in 3 minutes"
    assert get(server + "/healthz") == 200  # asked about the web alone, it is fine


def test_the_worker_ticks_just_after_each_whole_minute(deps):
    """Rituals fall due on the minute: ticks at hh:mm:01 send them a second late, where ticks
    counted from whenever the process started would send them up to a minute late."""
    from bot.worker import Worker

    worker = Worker(deps, every=60).start()
    try:
        following = worker.next_tick_at
    finally:
        worker.stop()
    assert following is not None and (following.second, following.microsecond) == (1, 0)
