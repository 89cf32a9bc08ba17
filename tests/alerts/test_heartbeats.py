"""Heartbeats: a team that expects its pipeline's always-firing Watchdog is told once when none
came for its minutes, and once when it is back; the heartbeat pages no one."""

from __future__ import annotations

from datetime import timedelta

from tests.alerts.conftest import groups
from tests.conftest import START
from tests.factories import CATALOG, configure, lookup

HEARTBEAT = """
    heartbeat: {alert: Watchdog, minutes: 15}
"""


def minutes(n: float):
    return START + timedelta(minutes=n)


def test_a_missing_heartbeat_is_told_once_and_its_return_once(
    db, alerting, hooks, slack, scheduler, clock
):
    from tests.alerts.conftest import ALERTING

    configure(db, clock, CATALOG + ALERTING + HEARTBEAT, lookup=lookup(slack))
    scheduler.tick()

    def beat(at: float) -> None:
        clock.set(minutes(at))
        hooks.fire(f"watchdog-{at}", title="Watchdog", alert="Watchdog", severity="none")

    def tick(at: float) -> list[str]:
        clock.set(minutes(at))
        return scheduler.tick().sent

    beat(1)
    assert tick(10) == []
    assert groups(db) == [] and slack.posted("U0ANA") == []  # the heartbeat pages no one
    missing = f"heartbeat-missing:1:{minutes(16).isoformat()}"
    assert tick(16) == [missing]
    assert tick(30) == []
    beat(40)
    assert tick(41) == [f"heartbeat-back:1:{minutes(40).isoformat()}"]
    beat(50)
    assert tick(60) == []

    told = [m["text"] for m in slack.posted("C0PAYMENTS")]
    assert len(told) == 2
    assert told[0].startswith(":warning: No heartbeat from payments' alerting pipeline since")
    assert told[1].startswith(":white_check_mark: The heartbeat from payments' alerting")


def test_a_return_is_not_told_for_a_silence_that_never_was(
    db, alerting, hooks, slack, scheduler, clock
):
    """The beat came late, but before any worker saw the silence: nothing to tell."""
    from tests.alerts.conftest import ALERTING

    configure(db, clock, CATALOG + ALERTING + HEARTBEAT, lookup=lookup(slack))
    clock.set(minutes(20))
    hooks.fire("watchdog", title="Watchdog", alert="Watchdog")
    scheduler.tick()
    clock.set(minutes(21))

    assert scheduler.tick().sent == []
    assert slack.posted("C0PAYMENTS") == []
