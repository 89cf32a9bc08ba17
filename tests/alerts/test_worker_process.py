"""Escalation with the real worker processes: an escalation step falls due between the worker's
ticks (set an hour apart here) and is sent within seconds of its deadline, because the worker
wakes at the next step's time; two workers side by side notify once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from models.core.deliveries import SENT, Delivery
from tests.conftest import START
from tests.processes import process_env, upkeep

DEADLINE = START + timedelta(minutes=5)  # ALERTING's first step waits 5 minutes
KEY = "alert:1:1:U0LEAD"


def worker_env(slack, db_url):
    # The process clock starts 3 s before the deadline; its ticks are an hour apart, so only
    # its wake at the deadline can send the step in time.
    start = (DEADLINE - timedelta(seconds=3)).isoformat()
    return process_env(slack, db_url, CLOCK_START=start, WORKER_TICK_SECONDS="3600")


def sent(db) -> dict[str, str]:
    db.expire_all()
    return {d.key: d.status for d in db.scalars(select(Delivery).where(Delivery.key == KEY))}


def test_the_worker_wakes_for_an_escalation_step_between_its_ticks(
    db, alerting, hooks, slack, db_url, tmp_path
):
    hooks.fire("a1", group="g1")
    assert len(slack.posted("U0ANA")) == 1

    with upkeep(["worker"], worker_env(slack, db_url), tmp_path) as worker:
        worker.wait_for_output("worker started")
        assert slack.wait_for(lambda: bool(slack.posted("U0LEAD")), 15), worker.output
    assert sent(db) == {KEY: SENT}
    assert "Escalation step 2" in slack.posted("U0LEAD")[0]["blocks"][-2]["elements"][0]["text"]


def test_two_worker_processes_notify_an_escalation_step_once(
    db, alerting, hooks, slack, db_url, tmp_path
):
    hooks.fire("a1", group="g1")
    env = worker_env(slack, db_url)

    with upkeep(["worker"], env, tmp_path) as one, upkeep(["worker"], env, tmp_path) as two:
        one.wait_for_output("worker started")
        two.wait_for_output("worker started")
        assert slack.wait_for(lambda: bool(slack.posted("U0LEAD")), 15), one.output + two.output
        # Both woke for the deadline; nothing more comes.
        assert not slack.wait_for(lambda: len(slack.posted("U0LEAD")) > 1, 3)
    assert sent(db) == {KEY: SENT}
    assert "Traceback" not in one.output + two.output, one.output + two.output
