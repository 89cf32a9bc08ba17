"""The morning summary and a burst's summary carry Ack and Resolve for each group (Ack all when
several still fire), and a group they tell of that nobody acks escalates from the summary on,
as its policy says: the summary stands for its first step, the next step follows its wait."""

from __future__ import annotations

from datetime import timedelta

from tests.alerts.conftest import action_ids, groups
from tests.alerts.test_urgency import MORNING, NIGHT
from tests.conftest import START


def held_overnight(hooks, scheduler, clock) -> None:
    clock.set(NIGHT)
    scheduler.tick()
    hooks.fire("disk", group="g1", severity="warning", title="Disk 80% full")
    hooks.fire("cert", group="g2", severity="warning", title="Certificate expires in 20 days")
    hooks.fire("cert", group="g2", status="resolved")
    clock.set(MORNING)
    assert scheduler.tick().sent == [f"alert-morning:U0ANA:{MORNING.isoformat()}"]


def test_an_unacked_alert_of_the_morning_summary_escalates_from_the_morning(
    db, alerting, hooks, slack, scheduler, clock
):
    held_overnight(hooks, scheduler, clock)

    (summary,) = slack.posted("U0ANA")
    assert action_ids(summary) == ["alert_ack", "alert_resolve"]  # the resolved one has none
    assert [g.summarised_at for g in groups(db)] == [MORNING, None]
    clock.set(MORNING + timedelta(minutes=4))
    assert scheduler.tick().sent == []
    clock.set(MORNING + timedelta(minutes=5))  # the first step's wait, from the summary
    assert scheduler.tick().sent == ["alert:1:1:U0LEAD"]
    clock.set(MORNING + timedelta(minutes=15))
    assert scheduler.tick().sent == ["alert:1:2:C0PAYMENTS"]
    assert len(slack.posted("U0ANA")) == 1  # the summary was its first step: not told again


def test_an_ack_from_the_morning_summary_stops_it(
    db, alerting, hooks, slack, scheduler, clock, http_driver
):
    held_overnight(hooks, scheduler, clock)
    clock.set(MORNING + timedelta(minutes=1))

    http_driver.action("alert_ack", "1", user="U0ANA", channel="U0ANA")

    assert [g.status for g in groups(db)] == ["acked", "resolved"]
    clock.set(MORNING + timedelta(minutes=30))
    assert [k for k in scheduler.tick().sent if k.startswith("alert:1:")] == []


def burst(hooks, scheduler, clock):
    """13 groups in 26 seconds: the last 3 are a burst, told at 09:01."""
    scheduler.tick()
    for n in range(13):
        clock.set(START + timedelta(seconds=2 * n))
        hooks.fire(f"a{n}", group=f"g{n}", title=f"Disk full on node-{n}")
    clock.set(START + timedelta(minutes=1))
    assert scheduler.tick().sent == [f"alert-burst:1:{clock.now().isoformat()}"]


def of_the_burst(keys: list[str]) -> list[str]:
    return sorted(k for k in keys if k.split(":")[1] in {"11", "12", "13"})


def test_a_burst_summary_has_buttons_and_its_unacked_groups_escalate_from_it(
    db, alerting, hooks, slack, scheduler, clock, http_driver
):
    burst(hooks, scheduler, clock)
    summary = slack.posted("C0PAYMENTS")[-1]
    assert action_ids(summary) == ["alert_ack", "alert_resolve"] * 3 + ["alert_ack_all"]

    http_driver.action("alert_ack", "11", user="U0ANA", channel="C0PAYMENTS")
    clock.set(START + timedelta(minutes=6))  # the summary at 09:01, then the first step's wait
    sent = scheduler.tick().sent

    assert of_the_burst(sent) == ["alert:12:1:U0LEAD", "alert:13:1:U0LEAD"]


def test_ack_all_on_a_burst_summary_acks_its_groups(
    db, alerting, hooks, slack, scheduler, clock, http_driver
):
    burst(hooks, scheduler, clock)

    http_driver.action("alert_ack_all", "11,12,13", user="U0ANA", channel="C0PAYMENTS")

    assert [g.status for g in groups(db)][10:] == ["acked"] * 3
    assert {g.acked_by.slack_user_id for g in groups(db)[10:]} == {"U0ANA"}
    clock.set(START + timedelta(minutes=30))
    assert of_the_burst(scheduler.tick().sent) == []
