"""The shield is told of new requests (one DM for those that come together) and triages them
with buttons: Accept (an assignee, a due date), Need info, Decline, Duplicate of, Move to team;
the asker is told each time, in the request's thread and by DM. Two shields pressing Accept at
once: one wins, the other is told."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from models.requests.requests import Request
from tests.conftest import START
from tests.factories import audit_entries, configure, dms, tick_through, utc


def ask(driver, text: str = "The ledger export misses refunds", user: str = "U0CHO") -> None:
    driver.command("/ask", f"payments {text}", user=user, channel="C0SEARCH")


def request_no(db, number: int) -> Request:
    db.expire_all()
    return db.scalars(select(Request).where(Request.number == number)).one()


def press(driver, slack, action: str, request: Request, user: str = "U0ANA") -> dict:
    """The button on the request's card; the form it opened."""
    driver.action(action, str(request.id), user=user, channel="C0PAYREQ")
    return slack.calls_to("views.open")[-1].body["view"]


def submit(driver, view: dict, values: dict, user: str = "U0ANA"):
    return driver.view_submission(view["callback_id"], values, user=user, view=view)


def text(value: str) -> dict:
    return {"text": {"value": {"type": "plain_text_input", "value": value}}}


def accept_values(assignee: str, due: str | None) -> dict:
    return {
        "assignee": {"value": {"type": "users_select", "selected_user": assignee}},
        "due": {"value": {"type": "datepicker", "selected_date": due}},
    }


def thread(slack, request: Request) -> list[str]:
    return [m["text"] for m in slack.posted("C0PAYREQ") if m.get("thread_ts") == request.thread_ts]


def test_the_shield_is_told_in_one_dm_of_requests_that_come_together(
    requests_workspace, driver, slack, scheduler, clock
):
    ask(driver, "First")
    clock.advance(timedelta(seconds=50))
    ask(driver, "Second")
    tick_through(
        scheduler,
        clock,
        START + timedelta(seconds=50),
        START + timedelta(minutes=6),
        timedelta(minutes=1),
    )
    [told] = dms(slack, "U0ANA")  # Ana is payments-shield's person this week
    assert told == "2 new requests for payments, <@U0ANA>: you're the shield."
    dm = slack.posted("D0ANA")[0]
    cards = [b["text"]["text"] for b in dm["blocks"] if b["type"] == "section"][1:]
    assert [c.split(":")[0] for c in cards] == [
        "*payments#1* from <@U0CHO>",
        "*payments#2* from <@U0CHO>",
    ]
    assert dms(slack, "U0BEN") == []
    clock.advance(timedelta(minutes=1))
    ask(driver, "Third")
    tick_through(
        scheduler, clock, clock.now(), clock.now() + timedelta(minutes=4), timedelta(minutes=1)
    )
    assert dms(slack, "U0ANA")[-1] == "1 new request for payments, <@U0ANA>: you're the shield."


def test_accept_assigns_and_the_asker_is_told_in_the_thread_and_by_dm(
    requests_workspace, driver, slack, db
):
    ask(driver)
    request = request_no(db, 1)
    form = press(driver, slack, "request_accept", request)
    assert [b.get("block_id") for b in form["blocks"]][1:] == ["assignee", "due"]
    resp = submit(driver, form, accept_values("U0BEN", "2026-03-06"))
    assert resp.status == 200 and resp.body == ""
    said = (
        ":white_check_mark: <@U0ANA> accepted payments#1: <@U0BEN> takes it, "
        "expected by Fri 06 Mar."
    )
    request = request_no(db, 1)
    assert (request.state, request.assignee.slack_user_id, str(request.due)) == (
        "accepted",
        "U0BEN",
        "2026-03-06",
    )
    assert request.first_response_at == START
    assert thread(slack, request) == [said]
    assert dms(slack, "U0CHO")[-1] == said
    card = slack.calls_to("chat.update")[-1].body
    assert "*Accepted* by <@U0ANA>, for <@U0BEN>" in str(card["blocks"]) and "request_done" in str(
        card["blocks"]
    )
    driver.action("request_done", str(request.id), user="U0BEN", channel="C0PAYREQ")
    assert dms(slack, "U0CHO")[-1] == ":tada: <@U0BEN> marked payments#1 done."
    assert request_no(db, 1).state == "done"
    actions = [e.action for e in audit_entries(db)]
    assert actions[-2:] == ["request.accept", "request.done"]


def test_need_info_asks_the_asker_who_adds_it_and_it_goes_back_to_the_shield(
    requests_workspace, driver, slack, db
):
    ask(driver)
    request = request_no(db, 1)
    submit(driver, press(driver, slack, "request_need_info", request), text("Which accounts?"))
    request = request_no(db, 1)
    assert request.state == "need_info" and request.first_response_at == START
    assert thread(slack, request) == [
        ":question: <@U0CHO>, <@U0ANA> needs more on payments#1: Which accounts?"
    ]
    assert dms(slack, "U0CHO")[-1].startswith(":question: <@U0ANA> needs more on payments#1")
    add = press(driver, slack, "request_add_info", request, user="U0CHO")
    submit(driver, add, text("The EU ones"), user="U0CHO")
    assert request_no(db, 1).state == "open"
    assert thread(slack, request)[-1] == ":memo: <@U0CHO> added to payments#1: The EU ones"


def test_decline_needs_a_reason_and_tells_it(requests_workspace, driver, slack, db):
    ask(driver)
    request = request_no(db, 1)
    form = press(driver, slack, "request_decline", request)
    refused = submit(driver, form, text("  "))
    assert refused.json == {
        "response_action": "errors",
        "errors": {"text": "Say why: the asker is told."},
    }
    assert request_no(db, 1).state == "open"
    submit(driver, form, text("Use the self-service export"))
    assert request_no(db, 1).state == "declined"
    assert (
        dms(slack, "U0CHO")[-1]
        == ":no_entry: <@U0ANA> declined payments#1: Use the self-service export"
    )


def test_duplicate_of_another_request(requests_workspace, driver, slack, db):
    ask(driver, "First")
    ask(driver, "Same again")
    second = request_no(db, 2)
    form = press(driver, slack, "request_duplicate", second)
    missing = submit(driver, form, text("payments#9"))
    assert missing.json["errors"] == {"text": "payments has no request #9."}
    itself = submit(driver, form, text("#2"))
    assert itself.json["errors"] == {"text": "payments#2 can't be a duplicate of itself."}
    submit(driver, form, text("payments#1"))
    second = request_no(db, 2)
    assert (second.state, second.duplicate_of_id) == ("duplicate", request_no(db, 1).id)
    assert (
        dms(slack, "U0CHO")[-1] == ":link: <@U0ANA> closed payments#2 as a duplicate of payments#1."
    )


def test_move_to_a_team_needs_its_request_channel(requests_workspace, driver, slack, db, clock):
    ask(driver)
    request = request_no(db, 1)
    form = press(driver, slack, "request_move", request)
    refused = submit(driver, form, text("search"))
    assert refused.json["errors"]["text"].startswith("search has no request channel")
    assert request_no(db, 1).label == "payments#1"
    configure(db, clock, "requests:\n  - team: search\n    channel: C0SEARCHREQ\n")
    submit(driver, form, text("search"))
    moved = request_no(db, 1)
    assert (moved.label, moved.state, moved.channel_id) == ("search#1", "open", "C0SEARCHREQ")
    said = ":arrow_right: <@U0ANA> moved payments#1 to search: now search#1."
    assert [m["text"] for m in slack.posted("C0PAYREQ") if m.get("thread_ts")] == [said]
    assert slack.posted("C0SEARCHREQ")[0]["text"].startswith("search#1 from <@U0CHO>")
    assert dms(slack, "U0CHO")[-1] == said


def test_someone_outside_the_team_cannot_triage(requests_workspace, driver, slack, db):
    ask(driver)
    request = request_no(db, 1)
    driver.action("request_accept", str(request.id), user="U0CHO", channel="C0PAYREQ")
    assert slack.calls_to("views.open") == []
    [ephemeral] = slack.calls_to("chat.postEphemeral")
    assert ephemeral.body["text"] == "Only payments' people or its shield can triage payments#1."
    [refusal] = audit_entries(db, refused=True)
    assert refusal.action == "button request_accept 1"


def test_a_stale_button_says_what_became_of_the_request(requests_workspace, driver, slack, db):
    ask(driver)
    request = request_no(db, 1)
    form = press(driver, slack, "request_accept", request)
    submit(driver, form, accept_values("U0BEN", None))
    driver.action("request_decline", str(request.id), user="U0BEN", channel="C0PAYREQ")
    assert slack.calls_to("chat.postEphemeral")[-1].body["text"] == (
        "Too late: <@U0ANA> already accepted payments#1."
    )


def test_two_shields_pressing_accept_at_once_one_wins_the_other_is_told(
    requests_workspace, http_driver, slack, db
):
    ask(http_driver)
    request = request_no(db, 1)
    forms = {u: press(http_driver, slack, "request_accept", request, u) for u in ("U0ANA", "U0BEN")}
    barrier = threading.Barrier(2)
    answers: dict[str, dict] = {}

    def accept(user: str) -> None:
        barrier.wait()
        answers[user] = submit(http_driver, forms[user], accept_values(user, None), user).json

    threads = [threading.Thread(target=accept, args=(u,)) for u in forms]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winner = request_no(db, 1).decided_by.slack_user_id
    loser = "U0BEN" if winner == "U0ANA" else "U0ANA"
    assert answers[winner] == {}
    assert answers[loser].get("response_action") == "update", answers[loser]
    note = answers[loser]["view"]["blocks"][0]["text"]["text"]
    assert note == f"Too late: <@{winner}> already accepted payments#1."
    assert request_no(db, 1).assignee.slack_user_id == winner
    accepted = [t for t in thread(slack, request_no(db, 1)) if "accepted" in t]
    assert len(accepted) == 1


@pytest.mark.parametrize("action", ["request_withdraw", "request_update"])
def test_only_the_asker_withdraws_or_asks_for_an_update(
    requests_workspace, driver, slack, db, action
):
    ask(driver)
    request = request_no(db, 1)
    driver.action(action, str(request.id), user="U0BEN", channel="D0BEN")
    assert (
        slack.calls_to("chat.postEphemeral")[-1].body["text"]
        == "Only <@U0CHO> can change payments#1."
    )


def test_without_a_shield_rotation_the_leads_are_told(
    requests_workspace, driver, slack, scheduler, clock, db
):
    configure(db, clock, "requests:\n  - team: search\n    channel: C0SEARCHREQ\n")
    clock.set(utc(2026, 3, 2, 15))  # 10:00 in New York, search's zone
    scheduler.tick()
    driver.command("/ask", "search Reindex the catalog", user="U0ANA")
    clock.advance(timedelta(minutes=3))  # the batch closes at 2 min, is sent 30 s after
    scheduler.tick()
    assert dms(slack, "U0LEAD") == ["1 new request for search."]


def test_a_duplicate_of_another_teams_request_is_refused(requests_workspace, driver, slack, db):
    ask(driver)
    form = press(driver, slack, "request_duplicate", request_no(db, 1))
    refused = submit(driver, form, text("search#1"))
    assert refused.json["errors"] == {
        "text": "Name another payments request (like `payments#3`): a duplicate is of its own "
        "team's."
    }
