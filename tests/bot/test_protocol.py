"""Requests signed as Slack signs them reach the app; anything else is refused, writes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from models import Person, ProcessedEvent, Workspace


def count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


def test_signed_slash_command_over_http_is_answered(http_driver):
    resp = http_driver.command("/upkeep", "help")
    assert resp.status == 200
    assert "/upkeep" in resp.text
    assert resp.json["response_type"] == "ephemeral"


def test_bad_signature_is_401_and_writes_nothing(http_driver, db):
    resp = http_driver.command("/upkeep", "help", bad_signature=True)
    assert resp.status == 401
    assert count(db, Workspace) == 0
    assert count(db, Person) == 0


def test_timestamp_six_minutes_old_is_401_and_writes_nothing(http_driver, db):
    resp = http_driver.command("/upkeep", "help", age=6 * 60)
    assert resp.status == 401
    assert count(db, Person) == 0


def test_bad_signature_through_dispatch_is_401(driver):
    assert driver.command("/upkeep", "help", bad_signature=True).status == 401


def test_unknown_path_is_404_and_get_on_events_is_405(server):
    import urllib.error
    import urllib.request

    for path, code in (("/nope", 404), ("/slack/events", 405)):
        try:
            urllib.request.urlopen(server + path, timeout=5)
        except urllib.error.HTTPError as e:
            assert e.code == code
        else:
            raise AssertionError(f"{path} answered 200")


def test_retried_event_with_same_id_is_processed_once(driver, slack, db):
    first = driver.mention("status?", event_id="Ev0RETRY1")
    again = driver.mention("status?", event_id="Ev0RETRY1", retry_num=1)
    assert first.status == 200 and again.status == 200
    replies = [m for m in slack.posted("C0PAYMENTS") if m["thread_ts"]]
    assert len(replies) == 1
    assert count(db, ProcessedEvent) == 1


def test_a_different_event_id_is_processed_again(driver, slack):
    driver.mention("hello", event_id="Ev0A")
    driver.mention("hello", event_id="Ev0B")
    assert len(slack.posted("C0PAYMENTS")) == 2


def test_person_is_fetched_from_users_info_on_first_sight_only(driver, slack, db):
    driver.command("/upkeep", "help", user="U0BEN")
    driver.command("/upkeep", "status", user="U0BEN")
    person = db.scalars(select(Person).where(Person.slack_user_id == "U0BEN")).one()
    assert person.tz == "America/New_York"
    assert person.real_name == "Ben Brooks"
    lookups = [c for c in slack.calls_to("users.info") if c.body.get("user") == "U0BEN"]
    assert len(lookups) == 1


def test_auth_test_is_called_once_for_a_static_token(driver, slack):
    driver.command("/upkeep", "help")
    driver.command("/upkeep", "help")
    assert len(slack.calls_to("auth.test")) == 1


def test_user_change_refreshes_the_person(driver, slack, db):
    driver.command("/upkeep", "help", user="U0ANA")
    changed = dict(slack.users["U0ANA"], tz="America/Los_Angeles", real_name="Ana A.")
    changed["profile"] = {"real_name": "Ana A.", "display_name": ""}
    assert driver.event({"type": "user_change", "user": changed}).status == 200
    db.expire_all()
    person = db.scalars(select(Person).where(Person.slack_user_id == "U0ANA")).one()
    assert person.tz == "America/Los_Angeles"
    assert person.real_name == "Ana A."


def test_app_home_is_published_with_blocks(driver, slack):
    driver.event({"type": "app_home_opened", "user": "U0ANA", "channel": "D0ANA", "tab": "home"})
    publishes = slack.calls_to("views.publish")
    assert len(publishes) == 1
    assert publishes[0].body["view"]["type"] == "home"
    assert "Ana Alves" in publishes[0].body["view"]["blocks"][0]["text"]["text"]


def test_a_request_that_needs_no_data_runs_no_sql(driver, engine):
    from tests.factories import statements_run

    driver.command("/upkeep", "help")  # first sight of the workspace and person: written once
    with statements_run(engine) as statements:
        assert "/upkeep status" in driver.command("/upkeep", "help").text
        assert statements == []
        driver.command("/upkeep", "status")
    assert len(statements) >= 2, "status reads the asker's zone and the worker's heartbeat"


def test_a_direct_message_to_the_app_is_answered_in_the_dm(driver, slack, catalog):
    """The Messages tab answers like a mention; the app's own messages and edits are not
    questions."""
    dm = {"type": "message", "channel_type": "im", "channel": "D0ANA", "user": "U0ANA"}
    driver.event(dm | {"text": "who owns billing-api?", "ts": "1763884800.000100"})
    [reply] = slack.posted("D0ANA")
    assert "billing-api" in reply["text"] and not reply.get("thread_ts")
    driver.event(dm | {"text": "who owns ledger?", "ts": "1763884801.000100", "bot_id": "B0UP"})
    driver.event(dm | {"subtype": "message_changed", "ts": "1763884802.000100"})
    channel = {"type": "message", "channel_type": "channel", "channel": "C0PAYMENTS"}
    driver.event(channel | {"user": "U0ANA", "text": "who owns ledger?", "ts": "1763884803.1"})
    assert len(slack.posted("D0ANA")) == 1 and slack.posted("C0PAYMENTS") == []
