"""Escalation: with no ack for a step's wait, the next step is notified; an Ack (anyone's)
stops it and every message says who acked and when; Resolve and Escalate now from the buttons;
two workers ticking the same deadline notify once."""

from __future__ import annotations

from datetime import timedelta

from bot.jobs.engine import DeliveryEngine
from models.alerts.groups import open_groups
from tests.alerts.conftest import action_ids, groups, shown_text
from tests.conftest import START


def at(minutes: float):
    return START + timedelta(minutes=minutes)


def started(hooks, slack, scheduler, clock) -> None:
    """Alert group 1 fired at START, its first step sent; the worker's last tick at START."""
    scheduler.tick()
    hooks.fire("a1", group="g1")
    assert slack.wait_for(lambda: slack.posted("U0ANA") and slack.posted("C0PAYMENTS"))


def tick_at(scheduler, clock, minutes: float):
    clock.set(at(minutes))
    return scheduler.tick()


def test_no_ack_within_the_wait_notifies_the_next_step_and_so_on(
    db, alerting, hooks, slack, scheduler, clock
):
    started(hooks, slack, scheduler, clock)

    assert tick_at(scheduler, clock, 4.9).sent == []
    assert slack.posted("U0LEAD") == []
    report = tick_at(scheduler, clock, 5)
    assert report.sent == ["alert:1:1:U0LEAD"]
    lead = slack.posted("U0LEAD")[0]
    assert "Escalation step 2" in shown_text(lead)
    assert action_ids(lead) == ["alert_ack", "alert_resolve", "alert_escalate"]

    assert tick_at(scheduler, clock, 14).sent == []
    assert tick_at(scheduler, clock, 15).sent == ["alert:1:2:C0PAYMENTS"]
    here = slack.posted("C0PAYMENTS")[-1]
    assert shown_text(here).startswith("<!here>")  # a channel step, for an urgent alert
    assert tick_at(scheduler, clock, 120).sent == []  # no repeat: the policy has run out


def test_an_ack_after_an_escalation_keeps_each_message_saying_which_step_it_told(
    db, alerting, hooks, slack, scheduler, clock, http_driver
):
    started(hooks, slack, scheduler, clock)
    tick_at(scheduler, clock, 5)
    http_driver.action("alert_ack", "1", user="U0LEAD", channel="U0LEAD")

    lead, first = slack.posted("U0LEAD")[0], slack.posted("U0ANA")[0]
    assert "*Acked* by <@U0LEAD>" in shown_text(lead) and "*Acked*" in shown_text(first)
    assert "Escalation step 2" in shown_text(lead)
    assert "Escalation step" not in shown_text(first)


def test_ack_stops_the_escalation_and_every_message_says_who_and_when(
    db, alerting, hooks, slack, scheduler, clock, http_driver
):
    started(hooks, slack, scheduler, clock)
    clock.set(at(2))

    response = http_driver.action("alert_ack", "1", user="U0BEN", channel="U0ANA")

    assert response.status == 200
    for channel in ("U0ANA", "C0PAYMENTS"):
        text = shown_text(slack.posted(channel)[0])
        assert "*Acked* by <@U0BEN> at" in text and "10:02" in text  # Berlin time
        assert action_ids(slack.posted(channel)[0]) == ["alert_resolve", "alert_escalate"]
    assert tick_at(scheduler, clock, 30).sent == []
    assert slack.posted("U0LEAD") == []
    assert groups(db)[0].acked_by.slack_user_id == "U0BEN"


def test_a_second_ack_changes_nothing_and_says_so(
    db, alerting, hooks, slack, scheduler, clock, http_driver
):
    started(hooks, slack, scheduler, clock)
    http_driver.action("alert_ack", "1", user="U0BEN")
    http_driver.action("alert_ack", "1", user="U0ANA")

    (said,) = slack.calls_to("chat.postEphemeral")
    assert said.body["text"] == "<@U0BEN> acked that alert already; nothing changed."
    assert groups(db)[0].acked_by.slack_user_id == "U0BEN"


def test_resolve_from_the_button_updates_every_message(
    db, alerting, hooks, slack, scheduler, clock, http_driver
):
    started(hooks, slack, scheduler, clock)
    clock.set(at(1))
    http_driver.action("alert_resolve", "1", user="U0ANA")

    for channel in ("U0ANA", "C0PAYMENTS"):
        assert "*Resolved* by <@U0ANA>" in shown_text(slack.posted(channel)[0])
        assert action_ids(slack.posted(channel)[0]) == []
    assert tick_at(scheduler, clock, 30).sent == []


def test_escalate_now_notifies_the_next_step_at_once_and_keeps_its_timing(
    db, alerting, hooks, slack, scheduler, clock, http_driver
):
    started(hooks, slack, scheduler, clock)
    clock.set(at(1))
    http_driver.action("alert_escalate", "1", user="U0ANA")

    assert len(slack.posted("U0LEAD")) == 1
    assert groups(db)[0].escalated == 1
    assert tick_at(scheduler, clock, 10.9).sent == []
    assert tick_at(scheduler, clock, 11).sent == ["alert:1:2:C0PAYMENTS"]  # 10 minutes on


def test_a_button_of_another_workspaces_alert_or_a_broken_one_is_refused(
    db, alerting, hooks, slack, scheduler, clock, http_driver
):
    started(hooks, slack, scheduler, clock)
    http_driver.action("alert_ack", "999", user="U0ANA")
    http_driver.action("alert_ack", "x", user="U0ANA")

    said = [c.body["text"] for c in slack.calls_to("chat.postEphemeral")]
    assert said == ["That alert is gone.", "That button has lost its alert."]
    assert groups(db)[0].status == "firing"


def test_two_workers_ticking_the_same_deadline_notify_once(
    db, alerting, hooks, slack, scheduler, clock, deps
):
    started(hooks, slack, scheduler, clock)
    other = DeliveryEngine.from_deps(deps, worker="other")
    clock.set(at(5))

    reports = [scheduler.tick(), other.tick()]

    assert sorted(key for r in reports for key in r.sent) == ["alert:1:1:U0LEAD"]
    assert len(slack.posted("U0LEAD")) == 1


def test_the_next_deadline_is_what_the_worker_wakes_for(
    db, alerting, hooks, slack, scheduler, clock
):
    started(hooks, slack, scheduler, clock)

    assert scheduler.next_due_at() == at(5)
    tick_at(scheduler, clock, 5)
    assert scheduler.next_due_at() == at(15)
    tick_at(scheduler, clock, 15)
    assert scheduler.next_due_at() is None
    assert open_groups(db, at(15)) == []  # its last step fell due: the worker's passes skip it


def test_a_tick_over_what_the_webhooks_process_sent_sends_nothing_again(
    db, alerting, hooks, slack, scheduler, clock
):
    clock.set(at(-1))
    scheduler.tick()
    clock.set(START)
    hooks.fire("a1", group="g1")
    clock.set(at(1))

    report = scheduler.tick()

    assert [key for key in report.sent if key.startswith("alert")] == []  # (the handoff is)
    assert report.already == []  # claimed by the webhook's process: not even looked up again
    told = [m for m in slack.posted("C0PAYMENTS") if m["text"].startswith("[firing]")]
    assert len(slack.posted("U0ANA")) == 1 and len(told) == 1
