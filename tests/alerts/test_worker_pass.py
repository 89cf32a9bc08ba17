"""The worker's pass leaves out a group's first step once the webhook's process claimed it (its
targets cost a rotation's read; see test_escalation), yet a first step that failed is still
retried, once."""

from __future__ import annotations

from datetime import timedelta

from tests.alerts.conftest import groups
from tests.conftest import START


def test_a_first_step_that_failed_is_retried_once(db, alerting, hooks, slack, scheduler, clock):
    scheduler.tick()
    slack.fail("chat.postMessage", "fatal_error", times=2)  # the channel post and the DM
    hooks.fire("a1", group="g1")
    assert [g.first_claimed for g in groups(db)] == [True]
    assert slack.posted("U0ANA") == [] and slack.posted("C0PAYMENTS") == []

    clock.set(START + timedelta(minutes=1))
    report = scheduler.tick()

    assert sorted(report.sent) == ["alert:1:0:C0PAYMENTS", "alert:1:0:U0ANA"]
    assert len(slack.posted("U0ANA")) == 1 and len(slack.posted("C0PAYMENTS")) == 1
    clock.set(START + timedelta(minutes=3))
    assert scheduler.tick().sent == []
