"""The worker's pass leaves out a group's first step once the webhook's process claimed it (its
targets cost a rotation's read; see test_escalation), yet a first step that failed is still
retried, once."""

from __future__ import annotations

from datetime import timedelta

from models.alerts.intake import AlertIntake
from models.pages.formats import PARSERS
from models.pages.ingest import ingest_batch
from models.pages.integrations import Hook, integration_by_token
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


def _committed_and_died(db, hooks, key: str, at) -> None:
    """What `POST /hooks/generic` commits for `key` at `at` when its process dies before it
    notifies: the page and the alert group, in the webhook's one transaction, and nothing sent."""
    hook = Hook.of(integration_by_token(db, hooks.token))
    body = {"key": key, "title": f"Down ({key})", "service": "billing-api", "severity": "page"}
    alerts = PARSERS["generic"](body, at)
    ingest_batch(db, [(hook, alerts, at)], intake=AlertIntake())


def test_a_group_committed_after_a_tick_read_is_notified_by_the_next(
    db, alerting, hooks, slack, scheduler, clock
):
    # The webhook took the alert at START + 5 s; its commit came after the worker's tick at
    # START + 10 s had read, and its process died before notifying: no tick window holds 5 s.
    clock.set(START + timedelta(seconds=10))
    scheduler.tick()
    _committed_and_died(db, hooks, "late", START + timedelta(seconds=5))
    assert [g.first_claimed for g in groups(db)] == [False]

    clock.set(START + timedelta(minutes=1))
    report = scheduler.tick()

    assert sorted(report.sent) == ["alert:1:0:C0PAYMENTS", "alert:1:0:U0ANA"]
    clock.set(START + timedelta(minutes=2))
    assert scheduler.tick().sent == []  # once
