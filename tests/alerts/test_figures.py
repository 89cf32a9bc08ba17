"""Alerting's figures (time to ack and to resolve, escalations, alerts never acked) in
`/oncall load`, the weekly digest and the handoff post."""

from __future__ import annotations

from datetime import timedelta

from models.alerts.figures import AlertFigures, describe_figures
from tests.alerts.conftest import shown_text
from tests.conftest import START
from tests.factories import utc

FIGURES = (
    "Alerts: 3 (2 acked, median 4 min to ack; 1 never acked) · 3 escalations · "
    "median 20 min to resolve"
)


def minutes(n: float):
    return START + timedelta(minutes=n)


def three_alerts(hooks, http_driver, scheduler, clock) -> None:
    """g1 acked after 2 minutes; g2 never acked, escalated twice, resolved by its source after
    30; g3 escalated once, acked after 6, resolved from the button after 10."""
    scheduler.tick()
    for key in ("g1", "g2", "g3"):
        hooks.fire(key, group=key)
    clock.set(minutes(2))
    http_driver.action("alert_ack", "1", user="U0ANA")
    for at in (5, 6, 10, 15, 30):
        clock.set(minutes(at))
        scheduler.tick()
        if at == 6:
            http_driver.action("alert_ack", "3", user="U0BEN")
        if at == 10:
            http_driver.action("alert_resolve", "3", user="U0BEN")
        if at == 30:
            hooks.fire("g2", group="g2", status="resolved")


def test_oncall_load_shows_the_alert_figures(
    db, alerting, hooks, slack, http_driver, scheduler, clock
):
    three_alerts(hooks, http_driver, scheduler, clock)

    answer = http_driver.command("/oncall", "load payments")

    assert FIGURES in shown_text(answer.json)


def test_the_digest_and_the_handoff_post_show_them(
    db, alerting, hooks, slack, http_driver, scheduler, clock
):
    three_alerts(hooks, http_driver, scheduler, clock)
    clock.set(utc(2026, 3, 9, 9, 0))  # Monday: the digest at 09:00, the handoff at 10:00 Berlin
    scheduler.tick()

    posts = [shown_text(m) for m in slack.posted("C0PAYMENTS")]
    digest = [p for p in posts if "Page load" in p]
    handoff = [p for p in posts if "Outgoing shift" in p]
    assert len(digest) == 1 and FIGURES in digest[0]
    assert len(handoff) == 1 and FIGURES in handoff[0]


def test_figures_are_said_in_words():
    figures = AlertFigures(
        groups=1, acked=1, to_ack=[timedelta(seconds=40)], to_resolve=[timedelta(hours=3)]
    )
    assert describe_figures(figures) == (
        "Alerts: 1 (1 acked, median 40 s to ack; 0 never acked) · 0 escalations · "
        "median 3.0 h to resolve"
    )
    assert describe_figures(AlertFigures(groups=2, unacked=2, escalations=1)) == (
        "Alerts: 2 (0 acked; 2 never acked) · 1 escalation"
    )
