"""The weekly checkpoint and the quarterly survey: what is due when, and what each sends."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.features import all_jobs
from bot.jobs import SendContext
from bot.jobs.engine import DeliveryEngine
from handlers.priorities.jobs import CheckpointJob, SurveyJob
from models.priorities.backlog import BacklogItem, add_item, update_item
from models.priorities.settings import PrioritySettings, ensure_settings
from tests.conftest import START
from tests.factories import audit_entries, priorities_team
from tests.slack_requests import typed_value

RICE = {"reach": 100, "impact": 1, "confidence": 100, "effort": 2}


@pytest.fixture
def team(db):
    return priorities_team(db)


@pytest.fixture
def ctx(db, deps, clock) -> SendContext:
    return SendContext(db=db, client=deps.client, clock=clock, settings=deps.settings)


def test_the_jobs_are_registered():
    kinds = {job.kind for job in all_jobs()}
    assert {"priority-checkpoint", "priority-survey"} <= kinds


def test_a_team_without_a_backlog_has_no_checkpoint(db, team):
    assert list(CheckpointJob().due(db, START - timedelta(days=7), START)) == []


def test_checkpoint_is_weekly_at_the_teams_local_time(db, team):
    add_item(db, team, "something", now=START - timedelta(days=30))
    db.commit()
    # START is Monday 2 March 2026, 09:00 UTC: 10:00 in Berlin, the default checkpoint.
    [due] = CheckpointJob().due(db, START - timedelta(minutes=1), START)
    assert (due.key, due.due_at, due.team_id) == (
        "priority-checkpoint:payments:2026-03-02",
        START,
        team.id,
    )
    assert list(CheckpointJob().due(db, START, START + timedelta(days=6))) == []
    catch_up = CheckpointJob().due(db, START - timedelta(days=15), START)
    assert [d.key[-10:] for d in catch_up] == ["2026-02-16", "2026-02-23", "2026-03-02"]


def test_checkpoint_settings_move_or_stop_it(driver, db, team):
    add_item(db, team, "something", now=START)
    db.commit()
    refused = driver.command("/priority", "settings checkpoint=off", user="U0ANA")
    assert "Only payments' leads" in refused.text
    bad = driver.command("/priority", "settings checkpoint=someday", user="U0LEAD")
    assert "`someday` is not a weekday and a local time, like `monday 10:00`" in bad.text
    resp = driver.command(
        "/priority", "settings checkpoint=wed@16:30 survey=jan,jul target=55", user="U0LEAD"
    )
    assert resp.text == (
        "payments: target=55 checkpoint=wednesday 16:30 survey=jan,jul "
        "(checkpoint in Europe/Berlin)"
    )
    [due] = CheckpointJob().due(db, START, START + timedelta(days=7))
    assert due.due_at == datetime(2026, 3, 4, 15, 30, tzinfo=UTC)
    driver.command("/priority", "settings checkpoint=off", user="U0LEAD")
    db.expire_all()
    assert db.get(PrioritySettings, team.id).checkpoint_day is None
    assert list(CheckpointJob().due(db, START, START + timedelta(days=30))) == []
    assert [e.action for e in audit_entries(db)] == ["priority.settings", "priority.settings"]
    assert [e.action for e in audit_entries(db, refused=True)] == ["/priority settings"]


def test_checkpoint_posts_what_moved_what_is_stuck_and_the_budget(db, team, ctx, slack):
    stuck = add_item(db, team, "Migrate the ledger", now=START - timedelta(days=40), values=RICE)
    update_item(stuck, {"status": "in_progress"}, START - timedelta(days=20))
    moved = add_item(db, team, "Retry webhooks", now=START - timedelta(days=40), values=RICE)
    update_item(moved, {"status": "planned"}, START - timedelta(days=3))
    db.commit()
    [due] = CheckpointJob().due(db, START - timedelta(minutes=1), START)
    ts = due.send(ctx)
    [post] = slack.posted("C0PAYMENTS")
    assert post["ts"] == ts
    assert post["text"] == "payments: weekly priorities checkpoint: 1 moved, 1 stuck"
    texts = [b["text"]["text"] for b in post["blocks"] if b["type"] == "section"]
    assert texts[0] == "*What moved*\n*#2* Retry webhooks · score 50 · feature · planned · no owner"
    assert texts[1].endswith("\n*#1* Migrate the ledger · score 50 · feature · no owner")
    assert "Planned and in progress: 4 person-months" in texts[3]
    assert ":warning: Feature work is 100%, 40 points above the 60% target" in texts[3]


def test_a_checkpoint_after_the_last_item_is_done_does_not_call_the_backlog_empty(
    db, team, ctx, slack, driver
):
    """ "What moved: #1 ... done" over "Top items: Nothing on the backlog yet." in one post."""
    add_item(db, team, "Retry webhooks", now=START - timedelta(days=40), values=RICE)
    db.commit()
    driver.command("/priority", "done 1", user="U0ANA")  # at START - its checkpoint is due
    [due] = CheckpointJob().due(db, START - timedelta(minutes=1), START + timedelta(minutes=1))
    due.send(ctx)
    [post] = [m for m in slack.posted("C0PAYMENTS") if "checkpoint" in m["text"]]
    texts = [b["text"]["text"] for b in post["blocks"] if b["type"] == "section"]
    assert "*#1* Retry webhooks" in texts[0] and "· done ·" in texts[0]
    assert texts[2] == "*Top items*\nNothing open on the backlog: 1 item is done or dropped."
    listed = driver.command("/priority", "", user="U0ANA").text
    assert "Nothing open on the backlog: 1 item is done or dropped." in listed
    assert "yet" not in listed


def test_a_checkpoint_in_the_spring_forward_gap_comes_when_the_gap_ends(db, team):
    settings = ensure_settings(db, team)
    settings.checkpoint_day, settings.checkpoint_time = 7, "02:30"
    db.commit()
    # 02:30 doesn't exist in Berlin on Sunday 29 March 2026: 03:00 CEST, 01:00 UTC.
    start = datetime(2026, 3, 28, tzinfo=UTC)
    [due] = CheckpointJob().due(db, start, start + timedelta(days=2))
    assert (due.key, due.due_at) == (
        "priority-checkpoint:payments:2026-03-29",
        datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
    )


def test_the_engine_posts_the_checkpoint_once(db, team, session_factory, deps, clock, slack):
    add_item(db, team, "something", now=START - timedelta(days=30), values=RICE)
    db.commit()
    clock.set(START - timedelta(minutes=5))
    engine = DeliveryEngine(
        session_factory, deps.client, clock, deps.settings, jobs=[CheckpointJob()], worker="w1"
    )
    assert engine.tick().sent == []
    clock.set(START + timedelta(minutes=1))
    assert engine.tick().sent == ["priority-checkpoint:payments:2026-03-02"]
    clock.set(START + timedelta(minutes=2))
    assert engine.tick().sent == []
    assert [m["text"] for m in slack.posted("C0PAYMENTS")] == [
        "payments: weekly priorities checkpoint: 0 moved, 0 stuck"
    ]


def test_survey_is_due_to_each_member_in_their_own_zone(db, team):
    add_item(db, team, "something", now=START)
    db.commit()
    # The survey months default to Jan, Apr, Jul, Oct; the first Monday of April 2026 is the 6th.
    start = datetime(2026, 4, 5, tzinfo=UTC)
    dues = sorted(SurveyJob().due(db, start, start + timedelta(days=2)), key=lambda d: d.due_at)
    assert [(d.key, d.due_at.hour) for d in dues] == [
        ("priority-survey:payments:U0ANA:2026-04", 8),  # 10:00 CEST
        ("priority-survey:payments:U0LEAD:2026-04", 8),
        ("priority-survey:payments:U0BEN:2026-04", 14),  # 10:00 EDT
    ]
    assert list(SurveyJob().due(db, START, START + timedelta(days=20))) == []  # March: no survey


def test_survey_answer_becomes_a_proposed_item(db, team, ctx, slack, driver):
    add_item(db, team, "something", now=START)
    db.commit()
    start = datetime(2026, 4, 5, tzinfo=UTC)
    dues = SurveyJob().due(db, start, start + timedelta(days=2))
    ana = next(d for d in dues if ":U0ANA:" in d.key)
    ana.send(ctx)
    [dm] = slack.posted("D0ANA")
    assert "what would it be, and why?" in dm["text"]
    button = dm["blocks"][1]["elements"][0]
    assert button["action_id"] == "priority_survey_answer"

    driver.action("priority_survey_answer", button["value"], user="U0ANA", channel="D0ANA")
    [opened] = slack.calls_to("views.open")
    view = opened.body["view"]
    assert view["callback_id"] == "priority_survey"
    values = {
        "what": {"value": typed_value("   ")},
        "why": {"value": typed_value("It costs us an hour a week")},
    }
    blank = driver.view_submission("priority_survey", values, user="U0ANA", view=view)
    assert blank.json == {
        "response_action": "errors",
        "errors": {"what": "An item needs a title."},  # under the field the form has
    }
    values["what"] = {"value": typed_value("Kill the flaky deploy step")}
    resp = driver.view_submission(
        "priority_survey", values, user="U0ANA", private_metadata=view["private_metadata"]
    )
    assert resp.status == 200 and resp.body == ""
    db.expire_all()
    item = db.scalars(select(BacklogItem).where(BacklogItem.source == "survey")).one()
    assert (item.ref, item.title, item.status, item.score) == (
        "#2",
        "Kill the flaky deploy step",
        "proposed",
        None,
    )
    assert item.evidence == "Ana Alves: It costs us an hour a week"
    thanks = slack.posted("D0ANA")[-1]
    assert thanks["text"] == "Thanks! It is payments #2, proposed, for <@U0LEAD> to score."
    assert json.loads(view["private_metadata"]) == {"team": team.id}


@pytest.mark.parametrize(
    "written",
    ["friday 16:00", "fri 16:00", "fri@16:00", "Friday at 4pm", "fridays 16:00", '"friday 16:00"'],
)
def test_a_weekly_time_is_written_one_way_and_the_others_are_taken(driver, db, team, written):
    """`/priority settings checkpoint=friday 16:00` was refused ("I don't know what to do with
    16:00"): it wanted `fri@16:00` while the config file takes `mon 10:00`."""
    resp = driver.command("/priority", f"settings checkpoint={written}", user="U0LEAD")
    assert resp.text == (
        "payments: target=60 checkpoint=friday 16:00 survey=jan,apr,jul,oct "
        "(checkpoint in Europe/Berlin)"
    )
    db.expire_all()
    settings = db.get(PrioritySettings, team.id)
    assert (settings.checkpoint_day, settings.checkpoint_time) == (5, "16:00")
