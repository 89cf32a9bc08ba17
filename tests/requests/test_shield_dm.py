"""The DM that told the shield of new requests is brought up to date after each triage: what
became of each request and by whom, and only the buttons that still apply, so a stale DM doesn't
invite a second triage. A request moved to another team shows where it went."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from models.requests.requests import Request
from tests.conftest import START
from tests.factories import REQUESTS, configure, lookup
from tests.requests.test_edges import SEARCH_TOO
from tests.requests.test_triage import accept_values, submit, text

ELEVEN = START + timedelta(hours=1)  # Monday 11:00 in Berlin: Ana is the shield


def requests_of(db) -> list[Request]:
    db.expire_all()
    return list(db.scalars(select(Request).order_by(Request.id)))


def dm_cards(slack) -> list[tuple[str, str, list[str]]]:
    """Ana's DM as it stands: each card's first line, its state line and its buttons."""
    [dm] = slack.posted("D0ANA")
    cards, blocks = [], dm["blocks"][1:]
    for block in blocks:
        if block["type"] == "section" and block["text"]["text"].startswith(("*pay", "~")):
            cards.append([block["text"]["text"].split(":")[0], "", []])
        elif block["type"] == "context":
            cards[-1][1] = block["elements"][0]["text"]
        elif block["type"] == "actions":
            cards[-1][2] = [e["action_id"].removeprefix("request_") for e in block["elements"]]
    return [tuple(c) for c in cards]


def triage(driver, slack, action: str, request: Request, values: dict, user: str, channel: str):
    driver.action(action, str(request.id), user=user, channel=channel)
    return submit(driver, slack.calls_to("views.open")[-1].body["view"], values, user)


@pytest.fixture
def told(db, clock, slack, driver, scheduler) -> list[Request]:
    """payments#1-3, asked by Cho at 11:00, told to Ana (the shield) in one DM; search takes
    requests too."""
    configure(db, clock, REQUESTS + SEARCH_TOO, lookup=lookup(slack))
    clock.set(ELEVEN)
    scheduler.tick()
    for what in ("Export refunds", "Rotate the key", "Reindex the catalog"):
        driver.command("/ask", f"payments {what}", user="U0CHO", channel="C0SEARCH")
    clock.advance(minutes=3)
    scheduler.tick()
    return requests_of(db)


TRIAGE = ["accept", "need_info", "decline", "duplicate", "move"]


def test_the_shields_dm_shows_what_became_of_each_request_and_by_whom(told, driver, slack, db):
    first, second, third = told
    assert [c[2] for c in dm_cards(slack)] == [TRIAGE] * 3
    # Ben accepts #1 from the request channel; Ana declines #2 from her DM; Ben moves #3.
    triage(
        driver, slack, "request_accept", first, accept_values("U0BEN", None), "U0BEN", "C0PAYREQ"
    )
    triage(driver, slack, "request_decline", second, text("Self-service"), "U0ANA", "D0ANA")
    triage(driver, slack, "request_move", third, text("search"), "U0BEN", "C0PAYREQ")
    assert dm_cards(slack) == [
        ("*payments#1* from <@U0CHO>", "*Accepted* by <@U0BEN>, for <@U0BEN>", ["done"]),
        ("*payments#2* from <@U0CHO>", "*Declined* by <@U0ANA>", []),
        ("~payments#3~ Reindex the catalog", "*Moved* to search by <@U0BEN>: search#1", []),
    ]
    [dm] = slack.posted("D0ANA")
    assert dm["text"] == "3 new requests for payments, <@U0ANA>: you're the shield."
    driver.action("request_done", str(first.id), user="U0BEN", channel="C0PAYREQ")
    assert dm_cards(slack)[0][1:] == ("*Done* by <@U0BEN>", [])


def test_a_dm_that_is_gone_is_let_be(told, driver, slack, db, caplog):
    slack.messages["D0ANA"].clear()  # (the DM can't be found any more)
    first = told[0]
    triage(driver, slack, "request_decline", first, text("Self-service"), "U0ANA", "C0PAYREQ")
    assert requests_of(db)[0].state == "declined"
    [update] = [c for c in slack.calls_to("chat.update") if c.body["channel"] == "D0ANA"]
    said = ":no_entry: <@U0ANA> declined payments#1: Self-service"
    assert said in [m["text"] for m in slack.posted("C0PAYREQ")]
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == []
