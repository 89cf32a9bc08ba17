"""A burst: past 10 new alert groups in a minute from one integration, the rest are told in one
summary at the next whole minute, not one by one."""

from __future__ import annotations

from datetime import timedelta

from tests.alerts.conftest import groups, shown_text
from tests.conftest import START


def test_a_burst_becomes_one_summary_post(db, alerting, hooks, slack, scheduler, clock):
    scheduler.tick()
    for n in range(14):
        clock.set(START + timedelta(seconds=2 * n))
        hooks.fire(f"a{n}", group=f"g{n}", title=f"Disk full on node-{n}")

    assert len(slack.posted("C0PAYMENTS")) == 10 and len(slack.posted("U0ANA")) == 10
    told_later = START + timedelta(minutes=1)  # 09:01, the next whole minute
    assert [g.burst_at for g in groups(db)] == [None] * 10 + [told_later] * 4
    clock.set(told_later)
    report = scheduler.tick()

    assert report.sent == [f"alert-burst:1:{told_later.isoformat()}"]
    summary = slack.posted("C0PAYMENTS")[-1]
    text = shown_text(summary)
    assert "4 more alert groups came from the generic integration within a minute" in text
    assert all(f"Disk full on node-{n}" in text for n in range(10, 14))
    assert shown_text(slack.posted("U0ANA")[-1]) == text  # whoever is on call hears of it too
    clock.set(told_later + timedelta(minutes=30))
    sent = scheduler.tick().sent
    assert {key.split(":")[1] for key in sent} == {str(n) for n in range(1, 15)}
    # the burst's groups, unacked, escalate from the summary on: its first step is not repeated
    assert not [key for key in sent if key.endswith(":0:U0ANA") or key.endswith(":0:C0PAYMENTS")]


def test_ten_groups_a_minute_are_no_burst(db, alerting, hooks, slack, clock):
    for n in range(10):
        clock.set(START + timedelta(seconds=6 * n))
        hooks.fire(f"a{n}", group=f"g{n}")
    clock.set(START + timedelta(seconds=61))
    hooks.fire("late", group="late")  # the first has left the minute

    assert [g.burst_at for g in groups(db)] == [None] * 11
    assert len(slack.posted("C0PAYMENTS")) == 11
