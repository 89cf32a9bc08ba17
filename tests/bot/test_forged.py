"""What doesn't come from Slack is refused before it is read as anything: no Slack call, no write,
no error handler running on an unverified body."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from bot.console.signed import command_form, event_body, mention_event
from models import Person, Workspace
from tests.conftest import SIGNING_SECRET


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url + "/slack/events", data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def signed_with(timestamp: str, body: bytes) -> dict[str, str]:
    """A signature made with the real secret over whatever timestamp is given."""
    base = b"v0:" + timestamp.encode() + b":" + body
    digest = hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()
    return {
        "content-type": "application/json",
        "x-slack-request-timestamp": timestamp,
        "x-slack-signature": f"v0={digest}",
    }


def nothing_happened(slack, db) -> bool:
    rows = sum(db.scalar(select(func.count()).select_from(m)) for m in (Workspace, Person))
    return slack.calls == [] and rows == 0


@pytest.mark.parametrize("timestamp", ["abc", "", "1e9", "123.5", " 17", "+1"])
def test_a_timestamp_that_is_not_an_integer_is_401_and_nothing_happens(
    server, slack, db, app, timestamp
):
    body = json.dumps(event_body(mention_event("help"))).encode()
    assert post(server, body, signed_with(timestamp, body)) == 401
    app.drain()
    assert nothing_happened(slack, db), slack.calls


def test_unsigned_malformed_json_is_401_not_500(server, slack, db):
    headers = {"content-type": "application/json", "x-slack-request-timestamp": "1"}
    assert post(server, b'{"type": "event_callback", "event": ', headers) == 401
    assert nothing_happened(slack, db)


def test_a_body_over_the_limit_is_413_before_it_is_read(server, slack, db):
    body = b"x" * (2 * 1024 * 1024)
    headers = signed_with(str(int(time.time())), body) | {"content-type": "text/plain"}
    assert post(server, body, headers) == 413
    assert nothing_happened(slack, db)


def test_through_dispatch_a_bad_timestamp_is_401_too(driver, slack, db):
    assert driver.mention("help", extra_headers={"x-slack-request-timestamp": "abc"}).status == 401
    assert nothing_happened(slack, db)


def test_a_request_from_another_workspace_is_refused_and_writes_nothing(driver, slack, db):
    """The bot token belongs to one workspace (`auth.test`); a signed request naming another
    would otherwise create a second workspace, after which `upkeep export` can't tell which."""
    form = command_form("/upkeep", "status", "U0ANA", "C0PAYMENTS", slack.response_url())
    form["team_id"] = "T0OTHER"
    answer = driver.send(urlencode(form), driver.FORM)
    assert answer.status == 200 and "another Slack workspace" in answer.text
    event = event_body(mention_event("help")) | {"team_id": "T0OTHER"}
    event["authorizations"][0]["team_id"] = "T0OTHER"
    assert driver.send(json.dumps(event), "application/json").status == 200
    assert slack.posted() == []
    assert nothing_happened_but_auth_test(slack, db)


def nothing_happened_but_auth_test(slack, db) -> bool:
    rows = sum(db.scalar(select(func.count()).select_from(m)) for m in (Workspace, Person))
    return {c.method for c in slack.calls} <= {"auth.test"} and rows == 0
