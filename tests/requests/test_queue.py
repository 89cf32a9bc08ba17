"""`/requests`: a team's queue, oldest first, with its filters; the asker's Withdraw and Ask for
an update (which pings the assignee, once a day at most); both lists on App Home."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from models.requests.requests import Request
from tests.factories import dms


def requests_of(db) -> list[Request]:
    db.expire_all()
    return list(db.scalars(select(Request).order_by(Request.number)))


def form(driver, slack, action: str, request: Request, values: dict, user: str = "U0ANA"):
    driver.action(action, str(request.id), user=user, channel="C0PAYREQ")
    view = slack.calls_to("views.open")[-1].body["view"]
    return driver.view_submission(view["callback_id"], values, user=user, view=view)


@pytest.fixture
def three(requests_workspace, driver, slack, clock, db) -> list[Request]:
    """payments#1 accepted for Ben, #2 new, #3 waiting on the asker; an hour apart."""
    for what in ("Export refunds", "Rotate the API key", "Explain the fee"):
        driver.command("/ask", f"payments {what}", user="U0CHO", channel="C0SEARCH")
        clock.advance(timedelta(hours=1))
    first, _, third = requests_of(db)
    assignee = {"assignee": {"value": {"type": "users_select", "selected_user": "U0BEN"}}}
    form(driver, slack, "request_accept", first, assignee)
    question = {"text": {"value": {"type": "plain_text_input", "value": "Which fee?"}}}
    form(driver, slack, "request_need_info", third, question)
    return requests_of(db)


def lines(resp) -> str:
    return "\n".join(b["text"]["text"] for b in resp.json["blocks"] if b["type"] == "section")


def test_the_queue_by_age_and_state_and_its_filters(three, driver, clock):
    queue = driver.command("/requests", "", user="U0ANA", channel="C0PAYMENTS")
    assert queue.text == "3 open requests for payments, oldest first."
    assert lines(queue).splitlines() == [
        "*payments#1* Export refunds · accepted · <@U0BEN> · 3h old",
        "*payments#2* Rotate the API key · new · unassigned · 2h old",
        "*payments#3* Explain the fee · waiting on the asker · unassigned · 1h old",
    ]
    mine = driver.command("/requests", "mine", user="U0BEN", channel="C0PAYMENTS")
    assert [line.split()[0] for line in lines(mine).splitlines()] == ["*payments#1*"]
    unassigned = driver.command("/requests", "payments unassigned", user="U0CHO", channel="C0X")
    assert [line.split()[0] for line in lines(unassigned).splitlines()] == [
        "*payments#2*",
        "*payments#3*",
    ]
    breaching = driver.command("/requests", "payments breaching", user="U0CHO", channel="C0X")
    assert breaching.text == "payments has no open requests (breaching)."
    clock.advance(timedelta(hours=1, minutes=12))  # #2 is 3h12m old: 80% of its 4 hours
    at_risk = driver.command("/requests", "payments breaching", user="U0CHO", channel="C0X")
    assert lines(at_risk) == (
        "*payments#2* Rotate the API key · new · unassigned · 3h old · :hourglass: *SLA at risk*"
    )
    assert driver.command("/requests", "", user="U0CHO", channel="C0X").text == (
        "search has no open requests."  # Cho's own team, outside a team channel
    )


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("nope", "There is no team called `nope`."),
        ("payments mine too", "I don't know what to do with `mine too`."),
    ],
)
def test_queue_mistakes_show_the_usage(three, driver, text, said):
    resp = driver.command("/requests", text, user="U0ANA", channel="C0PAYMENTS")
    assert resp.text == f"{said}\nUsage: /requests [team] [mine|unassigned|breaching]"


def test_the_asker_withdraws_and_the_team_is_told(three, driver, slack, db):
    second = three[1]
    driver.action("request_withdraw", str(second.id), user="U0CHO", channel="D0CHO")
    assert requests_of(db)[1].state == "withdrawn"
    said = ":wave: <@U0CHO> withdrew payments#2."
    assert said in [m["text"] for m in slack.posted("C0PAYREQ")]
    driver.action("request_withdraw", str(second.id), user="U0CHO", channel="D0CHO")
    assert slack.calls_to("chat.postEphemeral")[-1].body["text"] == (
        "payments#2 is withdrawn already (by <@U0CHO>)."
    )


def test_asking_for_an_update_pings_the_assignee_once_a_day_at_most(three, driver, slack, clock):
    first = three[0]
    driver.action("request_update", str(first.id), user="U0CHO", channel="D0CHO")
    assert dms(slack, "U0BEN")[-1] == ("<@U0CHO> asks for an update on payments#1: Export refunds")
    assert dms(slack, "U0CHO")[-1] == "I asked <@U0BEN> for an update on payments#1."
    pinged = len(dms(slack, "U0BEN"))
    clock.advance(timedelta(hours=23))
    driver.action("request_update", str(first.id), user="U0CHO", channel="D0CHO")
    assert slack.calls_to("chat.postEphemeral")[-1].body["text"] == (
        "You asked for an update on payments#1 less than a day ago; I ping them once a day at most."
    )
    assert len(dms(slack, "U0BEN")) == pinged
    clock.advance(timedelta(hours=1))
    driver.action("request_update", str(first.id), user="U0CHO", channel="D0CHO")
    assert len(dms(slack, "U0BEN")) == pinged + 1


def test_an_unassigned_request_pings_the_shield(three, driver, slack):
    driver.action("request_update", str(three[1].id), user="U0CHO", channel="D0CHO")
    assert dms(slack, "U0ANA")[-1].startswith("<@U0CHO> asks for an update on payments#2")


def test_app_home_shows_the_askers_requests_and_the_teams_queue(three, driver, slack):
    for user in ("U0CHO", "U0ANA"):
        event = {"type": "app_home_opened", "user": user, "channel": "D0X", "tab": "home"}
        driver.event(event)
    cho = str(slack.home["U0CHO"]["blocks"])
    assert "*Your requests*" in cho and "payments#3" in cho
    ana = str(slack.home["U0ANA"]["blocks"])
    assert "*Requests for payments*" in ana and "*Your requests*" not in ana
