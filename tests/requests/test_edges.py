"""Edges of requests: what people write never shouts or links in anything Upkeep posts, a long
request keeps its why, date and source on its card, a message's text is kept as typed; the
asker's withdrawal isn't the team's first response; decisions, moves and added info that cross
each other leave one outcome; a request whose commit comes just after its batch closed still
reaches the shield."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from models.core.errors import UserError
from models.core.people import find_person
from models.core.workspace import Workspace
from models.requests import triage
from models.requests.figures import request_figures
from models.requests.requests import Request
from tests.conftest import START
from tests.factories import REQUESTS, ask_values, configure, dms, lookup
from tests.requests.test_doors import reaction, shortcut_payload
from tests.requests.test_triage import press, submit, text

SEARCH_TOO = """
  - team: search
    channel: C0SEARCHREQ
"""
SHOUTS = ("<!channel>", "<!here>", "<!everyone>", "<!subteam^", "<https://evil", "<http://evil")


def requests_of(db) -> list[Request]:
    db.expire_all()
    return list(db.scalars(select(Request).order_by(Request.id)))


def said_in_slack(slack) -> str:
    """Everything Upkeep posted, updated or answered with, as one text."""
    methods = ("chat.postMessage", "chat.update", "chat.postEphemeral", "response_url")
    return json.dumps([c.body for m in methods for c in slack.calls_to(m)])


def test_broadcasts_and_links_people_write_never_go_live_anywhere(
    requests_workspace, driver, slack, scheduler, clock, db
):
    scheduler.tick()
    driver.command("/ask", "payments", user="U0CHO")
    form = slack.calls_to("views.open")[-1].body["view"]
    what = "<!channel> the export <https://evil.example/a|is here> &amp; <!subteam^S1|@ops>"
    values = ask_values(what, why="<!here> see https://evil.example/b")
    driver.view_submission("request_ask_form", values, user="U0CHO", view=form)
    [request] = requests_of(db)
    clock.advance(minutes=3)
    scheduler.tick()  # the shield's DM
    submit(driver, press(driver, slack, "request_need_info", request), text("<!everyone> which?"))
    driver.action("request_add_info", str(request.id), user="U0CHO", channel="D0CHO")
    added = slack.calls_to("views.open")[-1].body["view"]
    submit(driver, added, text("<http://evil.example/c|this> <!channel>"), user="U0CHO")
    submit(driver, press(driver, slack, "request_decline", request), text("<!here> no"))
    driver.command("/requests", "payments", user="U0ANA", channel="C0PAYMENTS")
    driver.command("/ask", "", user="U0CHO")
    posted = said_in_slack(slack)
    assert "@channel the export is here (`evil.example/a`)" in posted
    assert [s for s in SHOUTS if s in posted] == []


def test_a_long_request_keeps_its_why_date_and_source_on_its_card(
    requests_workspace, driver, slack, db
):
    message = slack.user_message("C0GENERAL", "U0BEN", "Is the refund export broken?")
    driver.interaction(shortcut_payload(message))
    view = slack.calls_to("views.open")[-1].body["view"]
    values = {
        "team": {"value": {"type": "static_select", "selected_option": {"value": "payments"}}},
        **ask_values("<" * 3000, why="Month-end close", by_when="2026-03-20"),
    }
    driver.view_submission("request_ask_form", values, user="U0CHO", view=view)
    [card] = slack.posted("C0PAYREQ")
    texts = [b["text"]["text"] for b in card["blocks"] if b["type"] == "section"]
    assert texts[0].startswith("*payments#1* from <@U0CHO>: &lt;&lt;")
    assert texts[1].startswith("*Why:* Month-end close\n*By:* Fri 20 Mar 2026\n*From:* <https://")
    assert all(len(t) <= 3000 for t in texts)


def test_the_shields_dm_of_many_requests_stays_within_slacks_50_blocks(
    requests_workspace, driver, slack, scheduler, clock
):
    scheduler.tick()
    for n in range(20):
        driver.command("/ask", "payments", user="U0CHO")
        form = slack.calls_to("views.open")[-1].body["view"]
        values = ask_values(f"Export {n}", why="Month-end", by_when="2026-03-20")
        driver.view_submission("request_ask_form", values, user="U0CHO", view=form)
    clock.advance(minutes=3)
    scheduler.tick()
    [dm] = slack.posted("D0ANA") + slack.posted("U0ANA")
    assert len(dm["blocks"]) <= 50
    more = dm["blocks"][-1]["elements"][0]["text"]
    assert more.startswith("…and ") and more.endswith("more: `/requests payments`")


def test_a_messages_text_is_kept_as_typed(requests_workspace, driver, slack, db):
    """Slack escapes `&`, `<` and `>` in a message; the request holds what was typed."""
    message = slack.user_message("C0PAYREQ", "U0CHO", "R&amp;D says 2 &lt; 3 for exports")
    driver.event(reaction(message), event_id="Ev0EDGE1")
    assert [r.title for r in requests_of(db)] == ["R&D says 2 < 3 for exports"]
    other = slack.user_message("C0GENERAL", "U0BEN", "Q&amp;A &gt; docs")
    driver.interaction(shortcut_payload(other))
    view = slack.calls_to("views.open")[-1].body["view"]
    assert view["blocks"][1]["element"]["initial_value"] == "Q&A > docs"


def test_withdrawing_is_not_the_teams_first_response(requests_workspace, driver, clock, db):
    driver.command("/ask", "payments Export refunds", user="U0CHO", channel="C0SEARCH")
    [request] = requests_of(db)
    clock.advance(hours=1)
    driver.action("request_withdraw", str(request.id), user="U0CHO", channel="D0CHO")
    [request] = requests_of(db)
    assert (request.state, request.first_response_at) == ("withdrawn", None)
    figures = request_figures(db, request.team, START, START + timedelta(weeks=1))
    assert figures.first_response is None


@pytest.fixture
def two_teams(db, clock, slack) -> Workspace:
    """payments and search take requests; payments#1 is asked."""
    workspace = configure(db, clock, REQUESTS + SEARCH_TOO, lookup=lookup(slack))
    settings = triage.team_taking_requests(db, workspace, "payments")
    cho = find_person(db, workspace, "U0CHO")
    triage.make_request(
        db, settings, cho, title="Export refunds", now=START, today=START.date(), source="form"
    )
    db.commit()
    return workspace


def as_seen(session_factory, workspace: Workspace, uid: str):
    """A second request's view: its session, the request and the person, read now."""
    db = session_factory()
    ws = db.get(Workspace, workspace.id)
    request = db.scalars(select(Request)).one()
    person = find_person(db, ws, uid)
    db.commit()  # (what it read stays in memory, as a request's does while another commits)
    return db, request, person


DECISIONS = {
    "move": lambda db, request, by, now: triage.move(db, request, by, to="search", now=now),
    "decline": lambda db, request, by, now: triage.decline(db, request, by, reason="No", now=now),
    "accept": lambda db, request, by, now: triage.accept(
        db, request, by, assignee=by, due=None, now=now, today=START.date()
    ),
}


@pytest.mark.parametrize(
    ("first", "second", "refusal", "after"),
    [
        ("move", "accept", "Too late: <@U0ANA> moved payments#1 to search (now search#1).", "open"),
        ("decline", "move", "payments#1 is declined already (by <@U0ANA>).", "declined"),
    ],
)
def test_of_a_move_and_a_decision_at_once_the_first_stands(
    two_teams, session_factory, clock, first, second, refusal, after
):
    """Both read payments#1 while it was new; Ana's change commits first."""
    one, request, ana = as_seen(session_factory, two_teams, "U0ANA")
    two, seen, ben = as_seen(session_factory, two_teams, "U0BEN")
    DECISIONS[first](one, request, ana, clock.now())
    one.commit()
    with pytest.raises(UserError) as refused:
        DECISIONS[second](two, seen, ben, clock.now())
    assert refused.value.message == refusal
    two.rollback()
    assert (seen.label, seen.state, seen.decided_by_id) == (request.label, after, ana.id)
    for session in (one, two):
        session.close()


def test_info_added_as_the_shield_declines_does_not_reopen_the_request(
    two_teams, session_factory, clock
):
    shield, request, ana = as_seen(session_factory, two_teams, "U0ANA")
    triage.need_info(shield, request, ana, question="Which accounts?", now=clock.now())
    shield.commit()
    asker, asked, cho = as_seen(session_factory, two_teams, "U0CHO")
    triage.decline(shield, request, ana, reason="Self-service", now=clock.now())
    shield.commit()
    with pytest.raises(UserError) as refused:
        triage.add_info(asker, asked, cho, text="EU accounts")
    assert refused.value.message == "payments#1 is declined already."
    asker.commit()
    shield.expire_all()
    assert shield.scalars(select(Request)).one().state == "declined"
    for session in (shield, asker):
        session.close()


def test_a_request_that_commits_after_its_batch_closed_still_reaches_the_shield(
    requests_workspace, driver, slack, scheduler, clock
):
    """Its time is 11:01:59 (in the batch 11:00-11:02), but its answer commits after the
    worker's tick of 11:02:00 had read what was there."""
    at = START + timedelta(hours=1)  # 11:00 in Berlin, in Ana's shield week
    clock.set(at)
    scheduler.tick()
    clock.set(at + timedelta(minutes=2))
    scheduler.tick()  # nothing there yet
    clock.set(at + timedelta(minutes=1, seconds=59))
    driver.command("/ask", "payments Export refunds", user="U0CHO", channel="C0SEARCH")
    clock.set(at + timedelta(minutes=3))
    scheduler.tick()
    assert dms(slack, "U0ANA") == ["1 new request for payments, <@U0ANA>: you're the shield."]
