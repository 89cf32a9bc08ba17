"""A reply in a request's thread by one of its team is its first response: the SLA stops as it
does for a decision. The asker's replies, bots', edits, joins and messages elsewhere don't count;
a channel message outside the request channels is answered without reading the database."""

from __future__ import annotations

from datetime import timedelta
from itertools import count

import pytest
from sqlalchemy import select

from models.requests.requests import Request
from tests.conftest import START
from tests.factories import audit_entries, configure, dms, statements_run

ELEVEN = START + timedelta(hours=1)  # Monday 11:00 in Berlin: Ana is the shield
_ts = count(1)


def request_of(db) -> Request:
    db.expire_all()
    return db.scalars(select(Request)).one()


def message(channel: str, user: str, text: str, thread: str | None, **extra) -> dict:
    ts = f"1790000{next(_ts):03d}.000200"
    event = {"type": "message", "channel": channel, "channel_type": "channel", "user": user}
    event |= {"text": text, "ts": ts, "event_ts": ts}
    if thread:
        event["thread_ts"] = thread
    return event | extra


@pytest.fixture
def asked(requests_workspace, driver, slack, scheduler, clock, db) -> Request:
    """payments#1, asked by Cho at 11:00; its card's thread in #C0PAYREQ."""
    clock.set(ELEVEN)
    scheduler.tick()
    driver.command("/ask", "payments Export refunds", user="U0CHO", channel="C0SEARCH")
    return request_of(db)


@pytest.mark.parametrize(
    "kind",
    [
        {"channel_type": "channel"},  # message.channels
        {"channel_type": "group"},  # message.groups
        {"channel_type": "channel", "subtype": "thread_broadcast"},  # also sent to the channel
        {"channel_type": "channel", "subtype": "file_share"},  # with a file
    ],
    ids=["channel", "group", "broadcast", "file"],
)
def test_a_reply_by_the_team_in_the_thread_is_the_first_response(
    asked, driver, slack, scheduler, clock, db, kind
):
    clock.advance(minutes=20)
    reply = message("C0PAYREQ", "U0BEN", "On it", asked.thread_ts, **kind)
    assert driver.event(reply, event_id="Ev0REPLY1").status == 200
    answered = request_of(db)
    assert (answered.first_response_at, answered.state) == (ELEVEN + timedelta(minutes=20), "open")
    last = audit_entries(db)[-1]
    assert (last.action, last.subject) == ("request.answer", "payments#1")
    clock.set(answered.breach_at + timedelta(minutes=1))
    scheduler.tick()
    assert [t for t in dms(slack, "U0ANA") if t.startswith((":hourglass:", ":rotating"))] == []
    assert request_of(db).breached_at is None


REPLIES_THAT_DONT_COUNT = {
    "the asker": dict(user="U0CHO"),
    "someone outside the team": dict(user="U0DAN"),
    "a bot": dict(user="U0BEN", bot_id="B0OTHER"),
    "an edit": dict(user="U0BEN", subtype="message_changed"),
    "a join": dict(user="U0BEN", subtype="channel_join"),
    "a message of the channel, not in the thread": dict(user="U0BEN", thread=None),
    "a reply in another thread": dict(user="U0BEN", thread="1790000999.000100"),
}


@pytest.mark.parametrize("who", list(REPLIES_THAT_DONT_COUNT))
def test_what_is_not_the_teams_reply_leaves_the_sla_running(asked, driver, slack, db, who):
    slack.add_user("U0DAN", "Dan Outside", "Europe/Berlin")
    extra = dict(REPLIES_THAT_DONT_COUNT[who])
    thread = extra.pop("thread", asked.thread_ts)
    user = extra.pop("user")
    assert driver.event(message("C0PAYREQ", user, "Any news?", thread, **extra)).status == 200
    assert request_of(db).first_response_at is None


def test_a_channel_message_outside_the_request_channels_reads_nothing(
    asked, driver, engine, clock, db
):
    driver.event(message("C0GENERAL", "U0BEN", "lunch?", "1790000998.000100"))  # channels read
    with statements_run(engine) as seen:
        for n in range(3):
            reply = message("C0GENERAL", "U0BEN", "lunch?", "1790000998.000100")
            assert driver.event(reply, event_id=f"Ev0LUNCH{n}").status == 200
    assert seen == []


def test_a_new_request_channel_counts_once_the_channels_are_read_again(
    asked, driver, slack, clock, db
):
    driver.event(message("C0GENERAL", "U0BEN", "lunch?", "1790000998.000100"))  # channels read
    configure(db, clock, "requests:\n  - team: search\n    channel: C0SEARCHREQ\n")
    driver.command("/ask", "search Reindex", user="U0ANA", channel="C0PAYMENTS")
    db.expire_all()
    search = db.scalars(select(Request).where(Request.channel_id == "C0SEARCHREQ")).one()
    reply = message("C0SEARCHREQ", "U0CHO", "Looking", search.thread_ts)
    driver.event(reply, event_id="Ev0SEARCH1")
    db.expire_all()
    assert db.get(Request, search.id).first_response_at is None  # not known yet here
    clock.advance(minutes=1)
    driver.event(reply, event_id="Ev0SEARCH2")
    db.expire_all()
    assert db.get(Request, search.id).first_response_at == clock.now()
