"""The other doors: the message shortcut "Ask a team" and the team's request emoji in its
request channel. Each makes one request, once: a retried event, a second reaction or a form
sent twice make no second one; a message that starts with the skip emoji never becomes one."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models.requests.requests import Request
from tests.factories import ask_values, configure, dms
from tests.slack_requests import TEAM_ID


def made(db) -> list[Request]:
    db.expire_all()
    return list(db.scalars(select(Request).order_by(Request.id)))


def reaction(message: dict, emoji: str = "ticket", user: str = "U0LEAD") -> dict:
    item = {"type": "message", "channel": message["channel"], "ts": message["ts"]}
    return {
        "type": "reaction_added",
        "user": user,
        "reaction": emoji,
        "item_user": message["user"],
        "item": item,
        "event_ts": "1763884999.000100",
    }


def test_the_request_emoji_makes_one_request_of_the_message_once(
    requests_workspace, driver, slack, db
):
    message = slack.user_message("C0PAYREQ", "U0CHO", "Refunds export misses EU accounts")
    event = reaction(message)
    assert driver.event(event, event_id="Ev0REACT1").status == 200
    assert driver.event(event, event_id="Ev0REACT1", retry_num=1).status == 200  # Slack retries
    assert driver.event(event, event_id="Ev0REACT1", retry_num=2).status == 200
    driver.event(reaction(message, user="U0ANA"), event_id="Ev0REACT2")  # a second reaction
    [request] = made(db)
    assert (request.label, request.source, request.asker.slack_user_id, request.title) == (
        "payments#1",
        "reaction",
        "U0CHO",
        "Refunds export misses EU accounts",
    )
    [card] = [m for m in slack.posted("C0PAYREQ") if m.get("user") == "U0UPKEEPBOT"]
    assert card["thread_ts"] == message["ts"]  # in the asker's own thread
    assert (request.thread_ts, request.card_ts) == (message["ts"], card["ts"])
    assert dms(slack, "U0CHO") == [
        "Your request payments#1 is in; I'll keep you posted here and in <#C0PAYREQ>.\n"
        "> Refunds export misses EU accounts"
    ]


@pytest.mark.parametrize(
    ("channel", "text", "emoji"),
    [
        ("C0PAYREQ", ":mega: Deploy freeze from 16:00", "ticket"),  # the skip emoji
        ("C0PAYREQ", "Refunds export misses EU accounts", "eyes"),  # another emoji
        ("C0PAYMENTS", "Refunds export misses EU accounts", "ticket"),  # not the request channel
    ],
)
def test_what_is_not_a_request_makes_none(
    requests_workspace, driver, slack, db, channel, text, emoji
):
    message = slack.user_message(channel, "U0CHO", text)
    assert driver.event(reaction(message, emoji), event_id="Ev0REACT9").status == 200
    assert made(db) == []
    assert slack.calls_to("chat.postMessage") == []


def test_a_reaction_on_upkeeps_own_card_makes_nothing(requests_workspace, driver, slack, db):
    driver.command("/ask", "payments First", user="U0CHO")
    card = slack.posted("C0PAYREQ")[0]
    driver.event(reaction(card), event_id="Ev0REACT3")
    assert len(made(db)) == 1


def test_a_teams_own_emoji_is_the_one_it_set(requests_workspace, driver, slack, db, clock):
    configure(db, clock, "requests:\n  - team: payments\n    channel: C0PAYREQ\n    emoji: sos\n")
    message = slack.user_message("C0PAYREQ", "U0CHO", "Help with the ledger")
    driver.event(reaction(message, "ticket"), event_id="Ev0REACT4")
    assert made(db) == []
    driver.event(reaction(message, "sos"), event_id="Ev0REACT5")
    assert [r.label for r in made(db)] == ["payments#1"]


def shortcut_payload(message: dict, user: str = "U0CHO", response_url: str = "") -> dict:
    return {
        "type": "message_action",
        "callback_id": "ask_team",
        "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        "response_url": response_url or "https://hooks.slack.com/app/T0001/1/x",
        "team": {"id": TEAM_ID, "domain": "example"},
        "channel": {"id": message["channel"], "name": "general"},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID},
        "message_ts": message["ts"],
        "message": {"type": "message", **message},
        "api_app_id": "A0UPKEEP",
        "token": "verification-token-not-used",
    }


def test_the_shortcut_opens_the_form_with_the_message_and_makes_one_request(
    requests_workspace, driver, slack, db
):
    message = slack.user_message("C0GENERAL", "U0BEN", "Is the refund export broken?")
    assert driver.interaction(shortcut_payload(message)).status == 200
    view = slack.calls_to("views.open")[-1].body["view"]
    team = view["blocks"][0]
    assert team["block_id"] == "team"
    assert [o["value"] for o in team["element"]["options"]] == ["payments"]  # takes requests
    assert view["blocks"][1]["element"]["initial_value"] == "Is the refund export broken?"
    values = {
        "team": {"value": {"type": "static_select", "selected_option": {"value": "payments"}}},
        **ask_values("Is the refund export broken?"),
    }
    driver.view_submission("request_ask_form", values, user="U0CHO", view=view)
    driver.view_submission("request_ask_form", values, user="U0CHO", view=view)  # sent twice
    [request] = made(db)
    ts = message["ts"].replace(".", "")
    assert (request.source, request.source_link) == (
        "shortcut",
        f"https://example.slack.com/archives/C0GENERAL/p{ts}",
    )
    [card] = slack.posted("C0PAYREQ")
    assert (
        f"*From:* <https://example.slack.com/archives/C0GENERAL/p{ts}|the message>"
        in (card["blocks"][1]["text"]["text"])
    )


def test_the_shortcut_form_needs_a_team_that_takes_requests(requests_workspace, driver, slack, db):
    message = slack.user_message("C0GENERAL", "U0BEN", "Is the refund export broken?")
    driver.interaction(shortcut_payload(message))
    view = slack.calls_to("views.open")[-1].body["view"]
    values = {
        "team": {"value": {"type": "static_select", "selected_option": {"value": "search"}}},
        **ask_values("Is the refund export broken?"),
    }
    resp = driver.view_submission("request_ask_form", values, user="U0CHO", view=view)
    assert resp.json["errors"] == {
        "team": "search doesn't take requests through Upkeep (no request channel)."
    }
    assert made(db) == []


def test_the_shortcut_says_so_when_no_team_takes_requests(db, clock, driver, slack):
    configure(db, clock)  # teams, none taking requests
    message = slack.user_message("C0GENERAL", "U0BEN", "Is the refund export broken?")
    driver.interaction(shortcut_payload(message, response_url=slack.response_url()))
    assert slack.calls_to("views.open") == []
    [told] = slack.calls_to("response_url")
    assert (told.body["text"], told.body["response_type"]) == (
        "No team takes requests through Upkeep yet.",
        "ephemeral",
    )


def test_a_reacted_message_keeps_its_thread_for_what_follows(requests_workspace, driver, slack, db):
    message = slack.user_message("C0PAYREQ", "U0CHO", "Refunds export misses EU accounts")
    driver.event(reaction(message), event_id="Ev0REACT6")
    [request] = made(db)
    driver.action("request_decline", str(request.id), user="U0ANA", channel="C0PAYREQ")
    view = slack.calls_to("views.open")[-1].body["view"]
    values = {"text": {"value": {"type": "plain_text_input", "value": "Use the self-service"}}}
    driver.view_submission(view["callback_id"], values, user="U0ANA", view=view)
    said = ":no_entry: <@U0ANA> declined payments#1: Use the self-service"
    replies = [m for m in slack.posted("C0PAYREQ") if m.get("thread_ts") == message["ts"]]
    assert [m["text"] for m in replies][-1] == said
    [update] = slack.calls_to("chat.update")
    assert update.body["ts"] == made(db)[0].card_ts != message["ts"]
