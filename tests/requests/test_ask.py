"""`/ask`: a request from the text, or from the form; the card in the team's request channel and
the asker's confirmation; bad input refused with the reason and nothing written; `/ask` alone
lists the asker's open requests."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from models.requests.requests import Request
from tests.factories import ask_values, audit_entries, dms


def count(db) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(Request))


def test_ask_with_text_makes_a_numbered_request_a_card_and_a_confirmation(
    requests_workspace, driver, slack, db
):
    resp = driver.command(
        "/ask", "payments The ledger export misses refunds", user="U0CHO", channel="C0SEARCH"
    )
    assert resp.text == (
        "Asked payments, as *payments#1*: its shield will triage it in <#C0PAYREQ>, and I'll "
        "keep you posted.\n> The ledger export misses refunds"
    )
    [card] = slack.posted("C0PAYREQ")
    assert card["text"] == ("payments#1 from <@U0CHO>: The ledger export misses refunds (new)")
    buttons = [e["text"]["text"] for e in card["blocks"][-1]["elements"]]
    assert buttons == ["Accept", "Need info", "Decline", "Duplicate of", "Move to team"]
    assert dms(slack, "U0CHO") == [
        "Your request payments#1 is in; I'll keep you posted here and in <#C0PAYREQ>.\n"
        "> The ledger export misses refunds"
    ]
    driver.command("/ask", "payments Another one", user="U0CHO")
    db.expire_all()
    requests = db.scalars(select(Request).order_by(Request.id)).all()
    assert [(r.label, r.source, r.thread_ts) for r in requests] == [
        ("payments#1", "command", card["ts"]),
        ("payments#2", "command", slack.posted("C0PAYREQ")[1]["ts"]),
    ]
    assert [e.action for e in audit_entries(db)][-2:] == ["request.ask", "request.ask"]


def test_broadcasts_and_links_in_the_text_stay_inert(requests_workspace, driver, slack):
    driver.command("/ask", "payments <!channel> see <https://evil.example|here>", user="U0CHO")
    [card] = slack.posted("C0PAYREQ")
    shown = card["blocks"][0]["text"]["text"]
    assert "<!channel>" not in shown and "@channel" in shown
    assert "<https://evil.example" not in shown


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("paymnts the export", "There is no team called `paymnts`. Did you mean `payments`?"),
        ("serch the export", "There is no team called `serch`. Did you mean `search`?"),
        ("search the index", "search doesn't take requests through Upkeep (no request channel)."),
        ("payments " + "x" * 10_000, "That's 10,009 characters; I read at most 4,000."),
    ],
)
def test_bad_asks_are_refused_with_the_reason_and_nothing_is_written(
    requests_workspace, driver, slack, db, text, said
):
    resp = driver.command("/ask", text, user="U0CHO")
    assert resp.text.startswith(said), resp.text
    assert "Usage: `/ask <team> <what you need>`" in resp.text or "Usage: /ask" in resp.text
    assert count(db) == 0
    assert slack.posted("C0PAYREQ") == []


def test_ask_with_no_text_opens_the_form_and_it_makes_the_request(
    requests_workspace, driver, slack, db
):
    driver.command("/ask", "payments", user="U0CHO")
    [call] = slack.calls_to("views.open")
    view = call.body["view"]
    assert view["callback_id"] == "request_ask_form"
    assert [b["block_id"] for b in view["blocks"]] == ["what", "why", "by_when", "urgency"]
    resp = driver.view_submission(
        "request_ask_form",
        ask_values("Refund export", "Audit on Friday", "2026-03-06", "urgent"),
        user="U0CHO",
        view=view,
    )
    assert resp.status == 200 and resp.body == ""
    db.expire_all()
    request = db.scalars(select(Request)).one()
    assert (request.label, request.why, str(request.due), request.urgency, request.source) == (
        "payments#1",
        "Audit on Friday",
        "2026-03-06",
        "urgent",
        "form",
    )
    card = [b["text"]["text"] for b in slack.posted("C0PAYREQ")[0]["blocks"][:2]]
    assert card == [
        "*payments#1* from <@U0CHO> :rotating_light: *urgent*: Refund export",
        "*Why:* Audit on Friday\n*By:* Fri 06 Mar 2026",
    ]


@pytest.mark.parametrize(
    ("values", "field", "said"),
    [
        (ask_values("   "), "what", "Say what you need: the request is empty."),
        (ask_values("x" * 10_000), "what", "That request is 10,000 characters; keep it to 3,000"),
        (ask_values("Export", by_when="2026-03-01"), "by_when", "Sun 01 Mar 2026 is in the past"),
    ],
)
def test_bad_forms_are_refused_under_the_field_and_nothing_is_written(
    requests_workspace, driver, slack, db, values, field, said
):
    driver.command("/ask", "payments", user="U0CHO")
    view = slack.calls_to("views.open")[-1].body["view"]
    resp = driver.view_submission("request_ask_form", values, user="U0CHO", view=view)
    assert resp.json["response_action"] == "errors"
    assert list(resp.json["errors"]) == [field]
    assert resp.json["errors"][field].startswith(said)
    assert count(db) == 0 and slack.posted("C0PAYREQ") == []


def test_ask_alone_lists_the_askers_open_requests(requests_workspace, driver):
    empty = driver.command("/ask", "", user="U0CHO")
    assert empty.text.startswith("You have no open requests.")
    driver.command("/ask", "payments First thing", user="U0CHO")
    driver.command("/ask", "payments Second thing", user="U0CHO")
    driver.command("/ask", "payments Ana's own", user="U0ANA")
    listed = driver.command("/ask", "", user="U0CHO")
    shown = json.dumps(listed.json["blocks"])
    assert listed.text == "Your open requests (2):"
    assert "payments#1* First thing" in shown and "payments#2* Second thing" in shown
    assert "payments#3" not in shown


def test_ask_help_shows_the_usage(requests_workspace, driver):
    assert "/ask <team> <what you need>" in driver.command("/ask", "help").text


def test_quotes_and_apostrophes_are_kept_as_typed(requests_workspace, driver, db):
    driver.command("/ask", 'payments the export doesn\'t "work" & R&amp;D agrees', user="U0CHO")
    assert db.scalars(select(Request)).one().title == 'the export doesn\'t "work" & R&D agrees'


@pytest.mark.parametrize(
    ("channel", "said"),
    [
        ("<#C0PAYMENTS|payments>", "Asked payments, as *payments#1*"),
        ("<#C0PAYREQ|payments-requests>", "Asked payments, as *payments#1*"),
        ("<#C0GENERAL|general>", "<#C0GENERAL> is no team's channel: name the team."),
        ("<#C0SEARCH|search>", "search doesn't take requests through Upkeep (no request channel)."),
    ],
)
def test_a_teams_channel_names_the_team(requests_workspace, driver, db, channel, said):
    resp = driver.command("/ask", f"{channel} The export", user="U0CHO")
    assert resp.text.startswith(said)
    assert count(db) == (1 if said.startswith("Asked") else 0)
