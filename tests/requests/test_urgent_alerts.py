"""An urgent request in a team that has alerting follows its escalation: the shield rotation's
on-call is paged as by `/oncall page` (a DM and a channel post with Ack, Resolve and Escalate
now, by alerting's worker), then the team's leads when nobody acks; the request's first
response acks it, and its triage works as ever. Without alerting, the shield is told at once,
as before."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from models import AlertGroup
from models.requests.requests import Request
from tests.alerts.conftest import action_ids, shown_text
from tests.conftest import START
from tests.factories import REQUESTS, ask_values, configure, dms, lookup
from tests.requests.test_threads import message
from tests.requests.test_triage import accept_values, press, submit

ALERTING = """
alerting:
  - team: payments
    urgent: [critical, page]
"""
ALERT_BUTTONS = ["alert_ack", "alert_resolve", "alert_escalate"]


@pytest.fixture
def with_alerting(db, clock, slack):
    return configure(db, clock, REQUESTS + ALERTING, lookup=lookup(slack))


def ask_urgent(db, http_driver, slack, urgency: str = "urgent") -> Request:
    """Cho asks payments urgently, by the form."""
    http_driver.command("/ask", "payments", user="U0CHO", channel="C0SEARCH")
    view = slack.calls_to("views.open")[-1].body["view"]
    values = ask_values("Refunds are failing for every EU card", urgency=urgency)
    answer = http_driver.view_submission("request_ask_form", values, user="U0CHO", view=view)
    assert answer.status == 200 and answer.body == "", answer.body
    db.expire_all()
    return db.scalars(select(Request)).one()


def alerts_to(slack, channel: str) -> list[dict]:
    """The alert messages posted to `channel`, as they are now (updates applied)."""
    return [m for m in slack.posted(channel) if "alert_resolve" in str(m.get("blocks"))]


def alert_keys(report) -> list[str]:
    return [key for key in report.sent if key.startswith("alert")]


def tick_at(scheduler, clock, seconds: float):
    clock.set(START + timedelta(seconds=seconds))
    return scheduler.tick()


def paged(db, http_driver, slack, scheduler, clock, urgency: str = "urgent") -> Request:
    """An urgent request asked at START + 5 s, its alert sent by the tick at START + 40 s."""
    scheduler.tick()
    clock.advance(timedelta(seconds=5))
    request = ask_urgent(db, http_driver, slack, urgency)
    tick_at(scheduler, clock, 40)
    db.refresh(request)
    return request


def groups(db) -> list[AlertGroup]:
    db.expire_all()
    return list(db.scalars(select(AlertGroup).order_by(AlertGroup.id)))


def test_an_urgent_request_pages_the_shield_then_the_leads_with_alert_buttons(
    db, with_alerting, slack, http_driver, scheduler, clock
):
    scheduler.tick()
    clock.advance(timedelta(seconds=5))
    ask_urgent(db, http_driver, slack)

    assert alert_keys(tick_at(scheduler, clock, 30)) == []  # 30 s after the request: see SETTLE
    sent = alert_keys(tick_at(scheduler, clock, 35))
    assert sorted(sent) == ["alert:1:0:C0PAYMENTS", "alert:1:0:U0ANA"]
    (group,) = groups(db)
    assert (group.group_key, group.status, group.urgent) == ("request:1", "firing", True)
    (dm,) = alerts_to(slack, "U0ANA")  # the shield this week, told at once
    assert "Urgent request payments#1: Refunds are failing for every EU card" in shown_text(dm)
    assert action_ids(dm) == ALERT_BUTTONS
    assert alerts_to(slack, "U0LEAD") == []

    assert alert_keys(tick_at(scheduler, clock, 15 * 60 + 34)) == []
    leads = alert_keys(tick_at(scheduler, clock, 15 * 60 + 35))
    assert leads == ["alert:1:1:U0LEAD"]  # nobody acked: the team's leads
    (lead,) = alerts_to(slack, "U0LEAD")
    assert action_ids(lead) == ALERT_BUTTONS


def test_the_alert_buttons_ack_it_and_the_triage_still_works(
    db, with_alerting, slack, http_driver, scheduler, clock
):
    request = paged(db, http_driver, slack, scheduler, clock)
    clock.set(START + timedelta(minutes=2))

    http_driver.action("alert_ack", str(groups(db)[0].id), user="U0ANA")

    assert groups(db)[0].acked_by.slack_user_id == "U0ANA"
    clock.set(START + timedelta(minutes=30))
    assert alert_keys(scheduler.tick()) == []  # acked: the leads are not paged
    form = press(http_driver, slack, "request_accept", request)
    answer = submit(http_driver, form, accept_values("U0ANA", None))
    assert answer.body == ""
    db.expire_all()
    accepted = db.get(Request, request.id)
    assert (accepted.state, accepted.assignee.slack_user_id) == ("accepted", "U0ANA")


def test_the_requests_first_response_acks_its_alert(
    db, with_alerting, slack, http_driver, scheduler, clock
):
    request = paged(db, http_driver, slack, scheduler, clock)
    clock.set(START + timedelta(minutes=3))

    form = press(http_driver, slack, "request_accept", request, user="U0BEN")
    submit(http_driver, form, accept_values("U0BEN", None), user="U0BEN")
    tick_at(scheduler, clock, 200)

    (group,) = groups(db)
    assert (group.status, group.acked_by.slack_user_id) == ("acked", "U0BEN")
    (dm,) = alerts_to(slack, "U0ANA")
    assert "*Acked* by <@U0BEN>" in shown_text(dm)
    clock.set(START + timedelta(minutes=30))
    assert alert_keys(scheduler.tick()) == []


def test_without_alerting_an_urgent_request_tells_the_shield_at_once_and_starts_no_alert(
    db, requests_workspace, slack, http_driver, scheduler, clock
):
    paged(db, http_driver, slack, scheduler, clock)
    tick_at(scheduler, clock, 180)

    assert groups(db) == []
    assert dms(slack, "U0ANA") == ["1 new request for payments, <@U0ANA>: you're the shield."]


def test_a_normal_request_starts_no_alert(db, with_alerting, slack, http_driver, scheduler, clock):
    paged(db, http_driver, slack, scheduler, clock, urgency="normal")
    tick_at(scheduler, clock, 180)

    assert groups(db) == []
    assert dms(slack, "U0ANA") == ["1 new request for payments, <@U0ANA>: you're the shield."]


def test_a_reply_in_the_requests_thread_by_the_team_acks_its_alert(
    db, with_alerting, slack, http_driver, scheduler, clock
):
    request = paged(db, http_driver, slack, scheduler, clock)
    clock.set(START + timedelta(minutes=4))

    reply = message("C0PAYREQ", "U0LEAD", "Looking now", request.thread_ts)
    assert http_driver.event(reply, event_id="Ev0URGENT1").status == 200
    tick_at(scheduler, clock, 260)

    (group,) = groups(db)
    assert (group.status, group.acked_by.slack_user_id) == ("acked", "U0LEAD")
    assert "*Acked* by <@U0LEAD>" in shown_text(alerts_to(slack, "U0ANA")[0])
