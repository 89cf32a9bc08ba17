"""Urgency by hour: an alert below the team's urgent severities that comes at night in the
on-call person's zone waits, and comes with the others in one morning summary in that zone
(saying which were resolved meanwhile); an urgent one notifies at any hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models.alerts.targets import night_until
from tests.alerts.conftest import covering, groups, shown_text

NIGHT = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)  # 03:00 in Berlin: Ana is on call
MORNING = datetime(2026, 3, 3, 7, 0, tzinfo=UTC)  # 08:00 in Berlin


def test_a_warning_at_three_in_the_morning_waits_for_the_morning_summary(
    db, alerting, hooks, slack, scheduler, clock
):
    clock.set(NIGHT)
    scheduler.tick()

    hooks.fire("disk", group="g1", severity="warning", title="Disk 80% full")
    hooks.fire("cert", group="g2", severity="warning", title="Certificate expires in 20 days")
    assert slack.posted("U0ANA") == [] and slack.posted("C0PAYMENTS") == []
    assert [g.held_until for g in groups(db)] == [MORNING, MORNING]

    clock.set(NIGHT + timedelta(hours=1))
    hooks.fire("cert", group="g2", status="resolved")
    assert scheduler.tick().sent == []
    clock.set(MORNING - timedelta(minutes=1))
    assert scheduler.tick().sent == []
    clock.set(MORNING)
    report = scheduler.tick()

    assert report.sent == [f"alert-morning:U0ANA:{MORNING.isoformat()}"]
    (summary,) = slack.posted("U0ANA")
    text = shown_text(summary)
    assert "Good morning" in text
    assert "*Disk 80% full* (firing; fired 1x)" in text
    assert "*Certificate expires in 20 days* (resolved meanwhile; fired 1x)" in text
    assert slack.posted("C0PAYMENTS") == []


def test_a_critical_alert_at_night_notifies_at_once(db, alerting, hooks, slack, clock):
    clock.set(NIGHT)
    hooks.fire("down", group="g1", severity="critical")

    assert len(slack.posted("U0ANA")) == 1 and len(slack.posted("C0PAYMENTS")) == 1
    assert groups(db)[0].held_until is None


def test_night_is_read_in_the_on_call_persons_zone_not_the_teams(db, alerting, hooks, slack, clock):
    """03:00 in Berlin is 21:00 in New York: Ben, covering, is awake."""
    covering(db, alerting, "U0BEN", NIGHT)
    clock.set(NIGHT)
    hooks.fire("disk", group="g1", severity="warning")

    assert len(slack.posted("U0BEN")) == 1
    assert groups(db)[0].held_until is None


def test_the_morning_after_a_spring_forward_night_is_eight_on_the_new_clock():
    # Berlin goes from 02:00 CET to 03:00 CEST on 29 March 2026.
    at = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # 01:30 CET
    assert night_until(at, "Europe/Berlin") == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)
    # New York went from EST to EDT on 8 March 2026: 23:00 EST the evening before.
    at = datetime(2026, 3, 8, 4, 0, tzinfo=UTC)
    assert night_until(at, "America/New_York") == datetime(2026, 3, 8, 12, 0, tzinfo=UTC)


def test_the_morning_after_a_fall_back_night_is_eight_on_the_new_clock():
    # Berlin goes from 03:00 CEST back to 02:00 CET on 25 October 2026.
    at = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
    assert night_until(at, "Europe/Berlin") == datetime(2026, 10, 25, 7, 0, tzinfo=UTC)


def test_day_and_evening_are_not_night():
    assert night_until(datetime(2026, 3, 3, 9, 0, tzinfo=UTC), "Europe/Berlin") is None
    assert night_until(datetime(2026, 3, 3, 20, 59, tzinfo=UTC), "Europe/Berlin") is None
    assert night_until(datetime(2026, 3, 3, 21, 0, tzinfo=UTC), "Europe/Berlin") == datetime(
        2026, 3, 4, 7, 0, tzinfo=UTC
    )
