"""The figures: the week's new requests, time to first response and to done, breaches, and
over four weeks the askers' teams and the words their requests use most; in the team's weekly
digest and in the shield's handoff post, which also lists what is open, breached and waiting
on askers."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from models.requests.figures import RequestFigures, figures_line
from models.requests.requests import Request
from tests.conftest import START
from tests.factories import configure, tick_through, utc

RITUALS = """
rituals:
  - kind: pageload-digest
    team: payments
    days: mon
    time: "09:00"
"""


def by_number(db, number: int) -> Request:
    db.expire_all()
    return db.scalars(select(Request).where(Request.number == number)).one()


def triage_form(driver, slack, action: str, request: Request, values: dict) -> None:
    driver.action(action, str(request.id), user="U0BEN", channel="C0PAYREQ")
    view = slack.calls_to("views.open")[-1].body["view"]
    driver.view_submission(view["callback_id"], values, user="U0BEN", view=view)


def test_the_week_in_the_digest_and_the_shields_handoff_post(
    requests_workspace, driver, slack, scheduler, clock, db
):
    configure(db, clock, RITUALS)
    for what in ("Refund export for EU", "Ledger export missing rows", "Fee question"):
        driver.command("/ask", f"payments {what}", user="U0CHO", channel="C0SEARCH")
    clock.set(START + timedelta(hours=2))
    assignee = {"assignee": {"value": {"type": "users_select", "selected_user": "U0BEN"}}}
    triage_form(driver, slack, "request_accept", by_number(db, 1), assignee)
    clock.set(START + timedelta(hours=4))
    question = {"text": {"value": {"type": "plain_text_input", "value": "Which ledger?"}}}
    triage_form(driver, slack, "request_need_info", by_number(db, 2), question)
    clock.set(START + timedelta(hours=26))
    driver.action("request_done", str(by_number(db, 1).id), user="U0BEN", channel="C0PAYREQ")

    sent = tick_through(scheduler, clock, START, utc(2026, 3, 9, 9, 30), timedelta(hours=1))
    assert by_number(db, 3).breached_at == utc(2026, 3, 2, 13)  # 14:00 in Berlin: 4 hours
    line = (
        "Requests this week: 3 new, first response in 3.0 h (median), 1 done in 26.0 h "
        "(median), 1 SLA breach. Over 4 weeks, most asked by search (3); most asked about: "
        "export (2)."
    )
    assert sent["pageload-digest:payments:2026-03-09"] == [utc(2026, 3, 9, 8)]
    [digest] = [m for m in slack.posted("C0PAYMENTS") if m["text"].startswith("No pages")]
    assert digest["blocks"][-1]["elements"][0]["text"] == line
    handoff = slack.posted("C0PAYREQ")[-1]
    assert handoff["text"] == (
        "<@U0BEN> has the shield now for payments' requests: 1 open, 1 breached, "
        "1 waiting on askers."
    )
    shown = [b["text"]["text"] for b in handoff["blocks"] if b["type"] == "section"][1:]
    assert shown == [
        "*Open:* payments#3 Fee question",
        "*Breached:* payments#3 Fee question",
        "*Waiting on askers:* payments#2 Ledger export missing rows",
    ]
    assert handoff["blocks"][-1]["elements"][0]["text"] == line


def test_a_quiet_week_says_so_plainly():
    quiet = RequestFigures(0, None, 0, None, 0, [], [])
    assert figures_line(quiet) == "Requests this week: 0 new, 0 SLA breaches."


def test_a_rotation_that_shields_two_teams_posts_in_both_channels(
    requests_workspace, scheduler, slack, clock, db
):
    configure(
        db,
        clock,
        "requests:\n  - team: search\n    channel: C0SEARCHREQ\n    shield: payments-shield\n",
    )
    sent = tick_through(scheduler, clock, START, utc(2026, 3, 9, 9, 30), timedelta(hours=1))
    handoffs = sorted(key for key in sent if key.startswith("request-handoff:"))
    assert handoffs == [
        "request-handoff:payments:2026-03-09T09:00:00+00:00",
        "request-handoff:search:2026-03-09T09:00:00+00:00",
    ]
    assert slack.posted("C0SEARCHREQ")[-1]["text"] == (
        "<@U0BEN> has the shield now for search's requests: 0 open, 0 breached, "
        "0 waiting on askers."
    )
