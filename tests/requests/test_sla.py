"""The first-response SLA, counted in the team's working hours and days in its zone: the shield
nudged at half the time, the team's leads too at 80%, the breach recorded; across a weekend and
the spring-forward night in Berlin, through the worker's delivery engine. Outside working hours
a request waits for the shield's morning, unless it is urgent."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from models.core.working_days import WorkCalendar
from models.requests.hours import WorkingHours
from models.requests.requests import Request
from tests.factories import dms, utc

BERLIN = WorkingHours("Europe/Berlin", time(9), time(18), WorkCalendar())
# Friday 27 March 2026, 16:00 in Berlin (CET): two working hours left that day; Berlin springs
# forward on Sunday 29 March, so Monday's 09:00 is 07:00 UTC, not 08:00.
FRIDAY_4PM = utc(2026, 3, 27, 15)
MONDAY_9AM = utc(2026, 3, 30, 7)


def test_working_time_runs_over_the_weekend_and_the_dst_change():
    assert BERLIN.add(FRIDAY_4PM, 60) == utc(2026, 3, 27, 16)
    assert BERLIN.add(FRIDAY_4PM, 120) == MONDAY_9AM  # runs out at closing: next morning
    assert BERLIN.add(FRIDAY_4PM, 192) == utc(2026, 3, 30, 8, 12)
    assert BERLIN.add(FRIDAY_4PM, 240) == utc(2026, 3, 30, 9)  # 11:00 CEST
    assert BERLIN.add(utc(2026, 3, 28, 12), 0) == MONDAY_9AM  # Saturday: Monday's start
    # Autumn: Berlin falls back on Sunday 25 October; Monday's 09:00 is 08:00 UTC again.
    assert BERLIN.add(utc(2026, 10, 23, 14), 120) == utc(2026, 10, 26, 8)


def test_public_holidays_are_skipped():
    hours = WorkingHours("Europe/Berlin", time(9), time(18), WorkCalendar(country="DE"))
    # Thursday 2 April 2026, 17:00: Good Friday and Easter Monday are holidays in Germany.
    assert hours.add(utc(2026, 4, 2, 15), 120) == utc(2026, 4, 7, 8)


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1)),
    minutes=st.integers(min_value=0, max_value=4800),
)
def test_working_time_always_lands_in_working_hours_and_grows(start, minutes):
    at = start.replace(tzinfo=UTC)
    end = BERLIN.add(at, minutes)
    assert end >= at and BERLIN.is_open(end)
    assert BERLIN.add(at, minutes + 1) > end


def request_of(db) -> Request:
    db.expire_all()
    return db.scalars(select(Request)).one()


def tick_at(scheduler, clock, at: datetime) -> list[str]:
    """What the worker's tick at `at` sent to the shield and of the SLA (handoffs aside)."""
    clock.set(at)
    kinds = ("request-shield", "request-sla")
    return [key for key in scheduler.tick().sent if key.split(":")[0] in kinds]


def test_nudge_escalation_and_breach_fall_at_working_time_across_the_weekend_and_dst(
    requests_workspace, driver, slack, scheduler, clock, db
):
    clock.set(FRIDAY_4PM)
    scheduler.tick()
    driver.command("/ask", "payments The ledger export misses refunds", user="U0CHO")
    request = request_of(db)
    assert (request.nudge_at, request.escalate_at, request.breach_at) == (
        MONDAY_9AM,
        utc(2026, 3, 30, 8, 12),
        utc(2026, 3, 30, 9),
    )
    tick_at(scheduler, clock, FRIDAY_4PM + timedelta(minutes=3))  # the batch's end, and 30 s
    assert dms(slack, "U0BEN") == ["1 new request for payments, <@U0BEN>: you're the shield."]
    assert tick_at(scheduler, clock, MONDAY_9AM - timedelta(minutes=1)) == []
    [nudge] = tick_at(scheduler, clock, MONDAY_9AM)
    assert nudge.startswith(f"request-sla:{request.id}:nudge:")
    ben = dms(slack, "U0BEN")[-1]  # still the shield: the handoff is at 10:00
    assert ben.startswith(":hourglass: *payments#1* from <@U0CHO>: The ledger export misses")
    assert ben.endswith("no answer for half of its SLA; it breaches Mon 30 Mar 05:00 EDT.")
    assert dms(slack, "U0LEAD") == []
    assert tick_at(scheduler, clock, utc(2026, 3, 30, 8, 11)) == []
    tick_at(scheduler, clock, utc(2026, 3, 30, 8, 12))  # Ana is the shield since 10:00 CEST
    assert dms(slack, "U0ANA")[-1].endswith(
        "for 80% of its SLA; it breaches Mon 30 Mar 11:00 CEST."
    )
    assert dms(slack, "U0LEAD")[-1].endswith(
        "for 80% of its SLA; it breaches Mon 30 Mar 11:00 CEST."
    )
    assert tick_at(scheduler, clock, utc(2026, 3, 30, 8, 59)) == []
    assert request_of(db).breached_at is None
    tick_at(scheduler, clock, utc(2026, 3, 30, 9))
    assert request_of(db).breached_at == utc(2026, 3, 30, 9)
    breach = ":rotating_light: *payments#1* from <@U0CHO>: The ledger export misses refunds has "
    assert dms(slack, "U0LEAD")[-1].startswith(breach)
    assert dms(slack, "U0ANA")[-1].startswith(breach)
    assert tick_at(scheduler, clock, utc(2026, 3, 30, 12)) == []  # nothing twice
    listed = driver.command("/requests", "breaching", user="U0ANA", channel="C0PAYMENTS")
    assert "payments#1" in str(listed.json["blocks"]) and "SLA breached" in str(listed.json)


def test_a_first_response_stops_the_sla(requests_workspace, driver, slack, scheduler, clock, db):
    clock.set(FRIDAY_4PM)
    scheduler.tick()
    driver.command("/ask", "payments The ledger export misses refunds", user="U0CHO")
    request = request_of(db)
    driver.action("request_need_info", str(request.id), user="U0BEN", channel="C0PAYREQ")
    view = slack.calls_to("views.open")[-1].body["view"]
    values = {"text": {"value": {"type": "plain_text_input", "value": "Which accounts?"}}}
    driver.view_submission(view["callback_id"], values, user="U0BEN", view=view)
    sent = [tick_at(scheduler, clock, at) for at in (MONDAY_9AM, utc(2026, 3, 30, 8, 12))]
    sent.append(tick_at(scheduler, clock, utc(2026, 3, 30, 9)))
    assert sent == [[], [], []]
    assert request_of(db).breached_at is None


def test_outside_working_hours_a_request_waits_for_the_morning_unless_urgent(
    requests_workspace, driver, slack, scheduler, clock, db
):
    saturday = utc(2026, 3, 28, 12)
    clock.set(saturday)
    scheduler.tick()
    driver.command("/ask", "payments Can you look at this next week?", user="U0CHO")
    assert tick_at(scheduler, clock, saturday + timedelta(minutes=5)) == []
    assert dms(slack, "U0BEN") == []
    clock.set(saturday + timedelta(minutes=10))
    driver.command("/ask", "payments", user="U0CHO")
    view = slack.calls_to("views.open")[-1].body["view"]
    values = {
        "what": {"value": {"type": "plain_text_input", "value": "Refunds are failing"}},
        "urgency": {"value": {"type": "static_select", "selected_option": {"value": "urgent"}}},
    }
    driver.view_submission("request_ask_form", values, user="U0CHO", view=view)
    tick_at(scheduler, clock, saturday + timedelta(minutes=13))
    assert dms(slack, "U0BEN") == ["1 new request for payments, <@U0BEN>: you're the shield."]
    assert "payments#2" in str(slack.posted("D0BEN")[-1]["blocks"])
    tick_at(scheduler, clock, MONDAY_9AM + timedelta(minutes=3))  # the morning: 09:00 CEST
    assert dms(slack, "U0BEN")[-1] == "1 new request for payments, <@U0BEN>: you're the shield."
    assert "payments#1" in str(slack.posted("D0BEN")[-1]["blocks"])
