"""`/onboard` end to end: signed requests in, the delivery engine ticking on the frozen clock, and
what reached the fake Slack: the welcome and each step in the hire's zone, once each, "Done" and
"I need help", the lead's note when a step waits two workdays, feedback, changes and their audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.features import all_jobs
from bot.jobs.engine import DeliveryEngine
from bot.slack import build_client
from models.config import import_config
from models.core.deliveries import SchedulerState
from models.core.people import set_team_people
from models.core.workspace import LEAD, Person, Team, Workspace
from models.onboarding.walkthroughs import Shadow, Walkthrough
from tests.conftest import START
from tests.factories import audit_entries, make_team
from tests.slack_requests import TEAM_ID, typed_value

THURSDAY = "2026-03-05"
CHO = "<@U0CHO>"  # the hire, in Tokyo


@pytest.fixture
def team(db) -> Team:
    leads = {"U0LEAD": "Lea Lead"}
    team = make_team(db, TEAM_ID, leads, {"U0BEN": "Ben Brooks", "U0ANA": "Ana Alves"})
    db.commit()
    return team


@pytest.fixture
def ticker(session_factory, settings, clock) -> DeliveryEngine:
    """The worker's delivery engine with every registered job (onboarding's among them)."""
    return DeliveryEngine(
        session_factory,
        build_client(settings, clock),
        clock,
        settings,
        jobs=all_jobs(),
        worker="w1",
    )


def at(day: str, hour: int, minute: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=UTC)


def texts(slack, channel: str) -> list[str]:
    return [m["text"] for m in slack.posted(channel)]


def walkthrough(db) -> Walkthrough:
    db.expire_all()
    return db.scalars(select(Walkthrough)).one()


def audits(db, *, refused: bool = False) -> list[str]:
    return [a.action for a in audit_entries(db, refused=refused)]


def tick_at(ticker, clock, when: datetime):
    clock.set(when)
    return ticker.tick()


def onboard_cho(driver, extra: str = f"start {THURSDAY}"):
    return driver.command("/onboard", f"{CHO} {extra}", user="U0LEAD")


# -- starting ---------------------------------------------------------------------------------


def test_a_lead_starts_a_walkthrough_and_the_suggested_buddy_hears(driver, slack, db, team):
    resp = onboard_cho(driver)
    assert resp.json["response_type"] == "ephemeral"
    assert resp.text.startswith(
        f"Onboarding for {CHO} with *payments* starts Thu 05 Mar (13 steps over 10 workdays, "
        "template `default`, their zone Asia/Tokyo). Buddy: <@U0ANA> (suggested: fewest "
        "buddies, not on call that week)."
    )
    [note] = slack.posted("U0ANA")
    assert note["text"].startswith(
        f"You're {CHO}'s onboarding buddy in *payments*, from Thu 05 Mar"
    )
    w = walkthrough(db)
    assert (w.lead.slack_user_id, w.buddy.slack_user_id, w.status) == ("U0LEAD", "U0ANA", "active")
    assert audits(db) == ["onboarding.start"]
    again = onboard_cho(driver)
    assert f"{CHO} is already onboarding with payments" in again.text


def test_only_leads_and_admins_start_one(driver, db, team):
    resp = driver.command("/onboard", f"{CHO} team payments", user="U0BEN")
    assert "Only payments' leads or a workspace admin can start an onboarding" in resp.text
    admin = driver.command("/onboard", f"{CHO} team payments buddy <@U0BEN>", user="U0ADMIN")
    assert "Buddy: <@U0BEN>." in admin.text
    assert walkthrough(db).lead.slack_user_id == "U0LEAD"  # the team's lead, not the admin


def test_the_hire_never_leads_their_own_onboarding(driver, db, team):
    # An admin onboards the team's only lead: the admin follows it, not the hire.
    admin = driver.command("/onboard", f"<@U0LEAD> start {THURSDAY}", user="U0ADMIN")
    assert admin.text.startswith("Onboarding for <@U0LEAD> with *payments*")
    assert walkthrough(db).lead.slack_user_id == "U0ADMIN"


def test_a_lead_onboarding_themselves_gets_another_lead_or_is_refused(driver, db, team):
    refused = driver.command("/onboard", f"<@U0LEAD> start {THURSDAY}", user="U0LEAD")
    assert refused.text == (
        "<@U0LEAD> can't lead their own onboarding, and payments has no other lead. "
        "Ask a workspace admin to start it."
    )
    assert db.scalars(select(Walkthrough)).all() == [] and audits(db) == []

    ben = next(p for p in team.members if p.slack_user_id == "U0BEN")
    set_team_people(team, LEAD, [*team.leads, ben])
    db.commit()
    started = driver.command("/onboard", f"<@U0LEAD> start {THURSDAY}", user="U0LEAD")
    assert started.text.startswith("Onboarding for <@U0LEAD> with *payments*")
    assert walkthrough(db).lead.slack_user_id == "U0BEN"


def test_wrong_input_is_explained_with_the_usage(driver, team):
    assert "`someday` is not a date like `2026-03-09`" in onboard_cho(driver, "start someday").text
    past = onboard_cho(driver, "start 2026-03-01")
    assert "Sun 01 Mar 2026 is in the past" in past.text
    unknown = onboard_cho(driver, "frontend")
    assert "no onboarding template called `frontend`. Templates: default." in unknown.text
    assert "Usage: /onboard <@user>" in driver.command("/onboard", "start", user="U0LEAD").text


def test_a_change_missing_its_words_says_which(driver, team):
    """They all answered "That's not quite it." """
    onboard_cho(driver)
    date = driver.command("/onboard", "start-date", user="U0LEAD").text
    assert "Mention the hire and give the new start date." in date
    assert "Usage: /onboard start-date <@user> <date>" in date
    buddy = driver.command("/onboard", f"buddy {CHO}", user="U0LEAD").text
    assert "Mention the hire and their new buddy." in buddy
    pause = driver.command("/onboard", "pause", user="U0LEAD").text
    assert "Mention the hire." in pause and "Usage: /onboard pause <@user>" in pause
    extra = driver.command("/onboard", f"pause {CHO} today", user="U0LEAD").text
    assert "I don't know what to do with `today`." in extra


# -- the steps, through the engine ------------------------------------------------------------


def test_welcome_and_steps_arrive_at_local_times_in_the_hires_zone_once(
    driver, slack, db, team, ticker, session_factory, settings, clock
):
    onboard_cho(driver)
    ticker.tick()  # the worker's first tick: from now on
    assert tick_at(ticker, clock, at("2026-03-04", 23, 59)).sent == []
    # 09:00 in Tokyo is 00:00 UTC: the welcome; 10:00 there, the first step.
    assert tick_at(ticker, clock, at(THURSDAY, 0, 0)).sent == [
        f"onboarding:{walkthrough(db).id}:welcome"
    ]
    report = tick_at(ticker, clock, at(THURSDAY, 2, 30))
    wid = walkthrough(db).id
    assert report.sent == [f"onboarding:{wid}:0", f"onboarding:{wid}:1"]
    messages = slack.posted("U0CHO")
    assert messages[0]["text"].startswith(f"Welcome to *payments*, {CHO}!")
    assert messages[1]["text"].startswith("Step 1 of 13: The company and the team\nWelcome to")
    assert messages[2]["text"].startswith("Step 2 of 13: Meet your buddy\n<@U0ANA> is your buddy")
    buttons = messages[1]["blocks"][-1]["elements"]
    assert [b["text"]["text"] for b in buttons] == ["Done", "I need help"]

    # A second tick, and a restarted worker that goes over the same window again: nothing twice.
    assert tick_at(ticker, clock, at(THURSDAY, 2, 31)).sent == []
    with session_factory() as s:
        s.get(SchedulerState, "engine").last_tick = at("2026-03-04", 23, 0)
        s.commit()
    restarted = DeliveryEngine(
        session_factory,
        build_client(settings, clock),
        clock,
        settings,
        jobs=all_jobs(),
        worker="w2",
    )
    assert restarted.tick().sent == []
    assert len(slack.posted("U0CHO")) == 3
    # Thursday 14:00 in Tokyo (Access), then Friday 10:00 there: workday 1, Ways of working.
    assert tick_at(ticker, clock, at("2026-03-06", 1, 0)).sent == [
        f"onboarding:{wid}:2",
        f"onboarding:{wid}:3",
    ]
    ways = slack.posted("U0CHO")[-1]["text"]
    assert ways.startswith("Step 4 of 13: Ways of working")
    assert "`/upkeep rituals` shows the rituals Upkeep runs for the team" in ways


def test_a_failed_dm_is_retried_and_arrives_once(driver, slack, db, team, ticker, clock):
    onboard_cho(driver)
    ticker.tick()
    slack.fail("chat.postMessage", "fatal_error", times=1)
    wid = walkthrough(db).id
    assert tick_at(ticker, clock, at(THURSDAY, 0, 0)).retrying == [f"onboarding:{wid}:welcome"]
    assert tick_at(ticker, clock, at(THURSDAY, 0, 1)).sent == [f"onboarding:{wid}:welcome"]
    assert tick_at(ticker, clock, at(THURSDAY, 0, 5)).sent == []
    assert len(slack.posted("U0CHO")) == 1
    assert walkthrough(db).welcome_sent_at == at(THURSDAY, 0, 1)


def test_a_monday_start_sends_week_two_after_the_weekend(driver, slack, db, team, ticker, clock):
    driver.command("/onboard", "<@U0BEN> start 2026-03-09 buddy <@U0ANA>", user="U0LEAD")
    ticker.tick()
    tick_at(ticker, clock, at("2026-03-13", 23, 0))  # week 1, Berlin: Mon 9 to Fri 13
    assert len(slack.posted("U0BEN")) == 1 + 8
    assert tick_at(ticker, clock, at("2026-03-15", 23, 0)).sent == []  # the weekend
    tick_at(ticker, clock, at("2026-03-16", 9, 0))  # Monday 10:00 in Berlin
    assert texts(slack, "U0BEN")[-1].startswith("Step 9 of 13: Team communication")


def steps_through(ticker, clock, start: datetime, end: datetime, every=timedelta(hours=3)):
    when = start
    while when < end:
        when += every
        tick_at(ticker, clock, min(when, end))


def test_a_step_two_workdays_overdue_marks_the_hire_and_tells_the_lead_once(
    driver, slack, db, team, ticker, clock
):
    onboard_cho(driver)
    ticker.tick()
    # Ticks every three hours from Monday to the next: step 1 goes out at 03:00 UTC on Thursday
    # and is overdue on Monday at the same time.
    steps_through(ticker, clock, START, at("2026-03-09", 12, 0))
    dms = [t for t in texts(slack, "U0LEAD") if "needs attention" in t]
    assert len(dms) == 1
    assert dms[0].startswith(
        f":warning: {CHO} needs attention: onboarding step 1 *The company and the team* was "
        "sent Thu 05 Mar 04:00 CET and isn't done two workdays later. Their buddy is <@U0ANA>."
    )
    assert walkthrough(db).needs_attention
    status = driver.command("/onboard", "status", user="U0LEAD")
    assert f":warning: {CHO} · payments · 0/13 done" in status.text
    assert "*needs attention*" in status.text


# -- the buttons ------------------------------------------------------------------------------


def first_step(driver, slack, ticker, clock) -> dict:
    onboard_cho(driver)
    ticker.tick()
    tick_at(ticker, clock, at(THURSDAY, 1, 0))
    return slack.posted("U0CHO")[1]


def test_i_need_help_reaches_the_buddy_and_the_lead_over_http(
    http_driver, slack, db, team, ticker, clock
):
    message = first_step(http_driver, slack, ticker, clock)
    value = message["blocks"][-1]["elements"][1]["value"]
    resp = http_driver.action(
        "onboarding_step_help", value, user="U0CHO", channel="U0CHO", message=message
    )
    assert resp.status == 200
    ping = slack.posted("U0ANA")[-1]
    assert ping["text"].startswith(
        f":raising_hand: {CHO} asked for help with onboarding step 1, *The company and the team*"
    )
    reply = slack.posted("U0CHO")[-1]
    assert (reply["text"], reply["thread_ts"]) == (
        "I pinged <@U0ANA>, your buddy, and <@U0LEAD>, your lead; they'll get back to you.",
        message["ts"],
    )
    assert walkthrough(db).steps[0].help_requested_at == at(THURSDAY, 1, 0)
    status = http_driver.command("/onboard", f"status {CHO}", user="U0ANA")
    assert ":raising_hand: help asked" in status.text


def test_a_ping_that_failed_is_not_said_to_have_reached_the_buddy(
    driver, slack, db, team, ticker, clock
):
    message = first_step(driver, slack, ticker, clock)
    value = message["blocks"][-1]["elements"][1]["value"]
    slack.fail("chat.postMessage", "account_inactive")  # the DM to the buddy
    driver.action("onboarding_step_help", value, user="U0CHO", channel="U0CHO", message=message)
    assert not any(t.startswith("I pinged") for t in texts(slack, "U0CHO"))
    [told] = [c.body["text"] for c in slack.calls_to("response_url")]
    assert told.startswith(":warning: Something went wrong on my side (ref "), told


def test_done_updates_the_message_and_only_the_hire_may_press_it(
    driver, slack, db, team, ticker, clock
):
    message = first_step(driver, slack, ticker, clock)
    value = message["blocks"][-1]["elements"][0]["value"]
    driver.action("onboarding_step_done", value, user="U0BEN", channel="U0CHO", message=message)
    [refused] = slack.calls_to("chat.postEphemeral")
    assert refused.body["text"] == f"This step is {CHO}'s to tick off."
    driver.action("onboarding_step_done", value, user="U0CHO", channel="U0CHO", message=message)
    updated = slack.posted("U0CHO")[1]
    assert updated["blocks"][-1] == {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": ":white_check_mark: Done Thu 05 Mar 10:00 JST"}],
    }
    assert walkthrough(db).done_count == 1


def test_a_steps_checklist_is_ticked_off_and_remembered(driver, slack, db, team, ticker, clock):
    """The Access step says "tick them off as they arrive", but its items could not be ticked."""
    onboard_cho(driver)
    ticker.tick()
    tick_at(ticker, clock, at(THURSDAY, 5, 0))  # 14:00 in Tokyo: Access
    access = next(m for m in slack.posted("U0CHO") if m["text"].startswith("Step 3 of 13"))
    boxes = [b for b in access["blocks"] if (b.get("accessory") or {}).get("type") == "checkboxes"]
    assert [b["text"]["text"] for b in boxes] == [
        "Single sign-on and email",
        "Source code hosting",
        "Cloud console (read-only to start)",
        "Monitoring, logs and dashboards",
        "The paging tool (for shadowing in week 2)",
    ]
    assert not any("initial_options" in b["accessory"] for b in boxes)

    def tick(box: dict, on: bool, user: str = "U0CHO", message: dict = access):
        checkboxes = box["accessory"]
        return driver.action(
            checkboxes["action_id"],
            user=user,
            channel="U0CHO",
            message=message,
            block_id=box["block_id"],
            checked=checkboxes["options"] if on else [],
        )

    tick(boxes[1], True, user="U0BEN")
    assert slack.calls_to("chat.postEphemeral")[-1].body["text"] == (
        f"This step is {CHO}'s to tick off."
    )
    tick(boxes[1], True)
    tick(boxes[3], True)
    [*_, update] = slack.calls_to("chat.update")
    ticked = [
        b.get("block_id")
        for b in update.body["blocks"]
        if b.get("accessory", {}).get("initial_options")
    ]
    assert ticked == [boxes[1]["block_id"], boxes[3]["block_id"]]
    status = driver.command("/onboard", f"status {CHO}", user="U0LEAD").text
    assert "3. Access · Thu 05 Mar 06:00 CET · 2/5 ticked" in status

    tick(boxes[3], False)  # unticked again
    value = next(b for b in access["blocks"] if b["type"] == "actions")["elements"][0]["value"]
    driver.action("onboarding_step_done", value, user="U0CHO", channel="U0CHO", message=access)
    done = slack.calls_to("chat.update")[-1].body["blocks"]
    ticked = [b.get("block_id") for b in done if b.get("accessory", {}).get("initial_options")]
    assert ticked == [boxes[1]["block_id"]]  # remembered when the step is done


def test_status_says_an_onboarding_still_to_come_starts(driver, db, team, ticker, clock):
    """The status said "Started Thu 05 Mar" on the Monday before, over steps all to come."""
    onboard_cho(driver)
    summary = driver.command("/onboard", f"status {CHO}", user="U0LEAD").json["blocks"][1]
    assert "Starts Thu 05 Mar 2026 · template `default`" in summary["text"]["text"]
    tick_at(ticker, clock, at(THURSDAY, 1, 0))  # Thursday 10:00 in Tokyo
    summary = driver.command("/onboard", f"status {CHO}", user="U0LEAD").json["blocks"][1]
    assert "Started Thu 05 Mar 2026 · template `default`" in summary["text"]["text"]


SHORT = {
    "onboarding": [
        {"name": "short", "steps": [{"day": 0, "at": "10:00", "title": "All of it", "body": "x"}]}
    ]
}


def only_step(driver, slack, db, team, ticker, clock) -> dict:
    """The hire's one step of the SHORT walkthrough, which is also the last."""
    import_config(db, team_workspace(db, team), SHORT, START)
    db.commit()
    onboard_cho(driver, f"short start {THURSDAY}")
    ticker.tick()
    tick_at(ticker, clock, at(THURSDAY, 1, 0))
    return slack.posted("U0CHO")[-1]


def test_the_last_step_asks_for_feedback_and_the_lead_reads_it(
    driver, slack, db, team, ticker, clock
):
    step = only_step(driver, slack, db, team, ticker, clock)
    buttons = step["blocks"][-1]["elements"]
    assert [b["text"]["text"] for b in buttons] == ["Done", "I need help", "Share feedback"]
    driver.action("onboarding_feedback_open", buttons[2]["value"], user="U0CHO", channel="U0CHO")
    [opened] = slack.calls_to("views.open")
    assert opened.body["view"]["callback_id"] == "onboarding_feedback"

    metadata = buttons[2]["value"]
    empty = driver.view_submission(
        "onboarding_feedback",
        {"feedback": {"value": typed_value("  ")}},
        user="U0CHO",
        private_metadata=metadata,
    )
    assert empty.json == {
        "response_action": "errors",
        "errors": {"feedback": "Write a few words of feedback first."},
    }
    sent = driver.view_submission(
        "onboarding_feedback",
        {"feedback": {"value": typed_value("Great buddy.\nAccess took too long.")}},
        user="U0CHO",
        private_metadata=metadata,
    )
    assert sent.status == 200 and sent.body == ""
    assert texts(slack, "U0LEAD")[-1] == (
        f":memo: {CHO}'s feedback on their onboarding:\n> Great buddy.\n> Access took too long."
    )
    assert texts(slack, "U0CHO")[-1] == "Thank you! I passed your feedback to <@U0LEAD>."
    driver.action(
        "onboarding_step_done", buttons[0]["value"], user="U0CHO", channel="U0CHO", message=step
    )
    assert texts(slack, "U0LEAD")[-1] == f":tada: {CHO} finished all 1 onboarding steps."
    lead_view = driver.command("/onboard", f"status {CHO}", user="U0LEAD")
    assert (
        "*Feedback*\n> Great buddy.\n> Access took too long."
        in lead_view.json["blocks"][3]["text"]["text"]
    )
    assert "Feedback" not in driver.command("/onboard", f"status {CHO}", user="U0ANA").text


def test_feedback_the_lead_never_got_is_not_said_to_have_been_passed_on(
    driver, slack, db, team, ticker, clock
):
    step = only_step(driver, slack, db, team, ticker, clock)
    metadata = step["blocks"][-1]["elements"][2]["value"]
    slack.fail("chat.postMessage", "account_inactive")  # the DM to the lead
    sent = driver.view_submission(
        "onboarding_feedback",
        {"feedback": {"value": typed_value("Great buddy.")}},
        user="U0CHO",
        private_metadata=metadata,
    )
    assert sent.status == 200
    assert not any("passed your feedback" in t for t in texts(slack, "U0CHO"))
    assert walkthrough(db).feedback == "Great buddy."  # kept: the lead reads it in the status


def test_feedback_is_quoted_as_words(driver, slack, db, team, ticker, clock):
    """A form's text comes unescaped: `R&D` is escaped once, `<!here>` and links stay words."""
    step = only_step(driver, slack, db, team, ticker, clock)
    driver.view_submission(
        "onboarding_feedback",
        {"feedback": {"value": typed_value("R&D <!here>\n<https://evil.example|docs>")}},
        user="U0CHO",
        private_metadata=step["blocks"][-1]["elements"][2]["value"],
    )
    assert texts(slack, "U0LEAD")[-1] == (
        f":memo: {CHO}'s feedback on their onboarding:\n> R&amp;D @here\n> docs (`evil.example`)"
    )
    status = driver.command("/onboard", f"status {CHO}", user="U0LEAD").json["blocks"][3]
    assert status["text"]["text"] == "*Feedback*\n> R&amp;D @here\n> docs (`evil.example`)"


def team_workspace(db, team: Team) -> Workspace:
    return db.get(Workspace, team.workspace_id)


# -- changes ----------------------------------------------------------------------------------


def test_a_new_start_date_moves_the_steps_still_to_come(driver, slack, db, team, ticker, clock):
    onboard_cho(driver)
    resp = driver.command("/onboard", f"start-date {CHO} monday", user="U0LEAD")
    assert (
        resp.text == f"{CHO}'s onboarding now starts Mon 09 Mar; 13 steps still to come were moved."
    )
    ticker.tick()
    assert tick_at(ticker, clock, at("2026-03-06", 12, 0)).sent == []
    tick_at(ticker, clock, at("2026-03-09", 1, 0))
    welcome, step = texts(slack, "U0CHO")
    assert welcome.startswith(f"Welcome to *payments*, {CHO}!")
    assert step.startswith("Step 1 of 13: The company and the team")
    assert audits(db) == ["onboarding.start", "onboarding.start-date"]


def test_a_new_start_date_in_the_past_is_refused(driver, db, team):
    """It was taken: `start-date @cho 2020-01-01` said "now starts Wed 01 Jan", and moved the
    steps."""
    onboard_cho(driver)
    resp = driver.command("/onboard", f"start-date {CHO} 2020-01-01", user="U0LEAD")
    assert resp.text == (
        "Wed 01 Jan 2020 is in the past; use today or later.\n"
        "Usage: /onboard start-date <@user> <date>"
    )
    assert walkthrough(db).start_date.isoformat() == THURSDAY
    assert audits(db) == ["onboarding.start"]


@pytest.mark.parametrize(
    ("day", "refusal"),
    [
        ("9999-12-31", "`9999-12-31` is too far off: give a date from 1970 to 2200."),
        ("2027-03-03", "Wed 03 Mar 2027 is more than a year ahead; give a start date by Tue"),
        ("0001-01-01", "`0001-01-01` is too far off: give a date from 1970 to 2200."),
    ],
)
def test_a_start_date_far_off_is_refused_and_nothing_is_written(driver, db, team, day, refusal):
    """9999-12-31 was "something went wrong": the steps' days ran past the last date there is."""
    refused = onboard_cho(driver, f"start {day}")
    assert refused.text.startswith(refusal) and "Usage: /onboard <@user>" in refused.text
    assert db.scalars(select(Walkthrough)).all() == []
    onboard_cho(driver)
    moved = driver.command("/onboard", f"start-date {CHO} {day}", user="U0LEAD")
    assert moved.text.startswith(refusal) and "Usage: /onboard start-date" in moved.text
    assert walkthrough(db).start_date.isoformat() == THURSDAY
    assert audits(db) == ["onboarding.start"]
    year_on = driver.command("/onboard", f"start-date {CHO} 2027-03-02", user="U0LEAD")
    assert "onboarding now starts Tue 02 Mar" in year_on.text


def test_buddy_pause_resume_cancel_are_for_leads_and_audited(
    driver, slack, db, team, ticker, clock
):
    onboard_cho(driver)
    refused = driver.command("/onboard", f"pause {CHO}", user="U0ANA")
    assert "Only payments' leads or a workspace admin can change an onboarding" in refused.text
    resp = driver.command("/onboard", f"buddy {CHO} <@U0BEN>", user="U0LEAD")
    assert resp.text == f"<@U0BEN> is now {CHO}'s buddy instead of <@U0ANA>; I told them both."
    assert slack.posted("U0BEN")[-1]["text"].startswith(f"You're {CHO}'s onboarding buddy")
    ticker.tick()
    assert "Paused" in driver.command("/onboard", f"pause {CHO}", user="U0LEAD").text
    assert tick_at(ticker, clock, at(THURSDAY, 12, 0)).sent == []  # nothing while paused
    resumed = driver.command("/onboard", f"resume {CHO}", user="U0LEAD")
    assert resumed.text == f"Resumed {CHO}'s onboarding. Next: *The company and the team*."
    # Paused from Monday to Thursday: the start (Thu 05) moves by those three workdays.
    assert walkthrough(db).start_date.isoformat() == "2026-03-10"
    cancelled = driver.command("/onboard", f"cancel {CHO}", user="U0LEAD")
    assert cancelled.text == f"Cancelled {CHO}'s onboarding; no more steps will be sent."
    assert (
        "is over; nothing to change"
        in driver.command("/onboard", f"resume {CHO}", user="U0LEAD").text
    )
    assert audits(db) == [
        "onboarding.start",
        "onboarding.buddy",
        "onboarding.pause",
        "onboarding.resume",
        "onboarding.cancel",
    ]
    assert audits(db, refused=True) == ["/onboard pause"]
    assert tick_at(ticker, clock, at("2026-03-20", 12, 0)).sent == []
    assert slack.posted("U0CHO") == []


# -- seeing progress --------------------------------------------------------------------------


def test_status_is_for_the_people_involved(driver, db, team):
    onboard_cho(driver)
    lead = driver.command("/onboard", f"status {CHO}", user="U0LEAD")
    lines = lead.text.splitlines()
    assert lines[0] == "Onboarding: Cho Chen (payments)"
    assert lines[1].startswith(f"{CHO} · payments · 0/13 done · next: The company and the team")
    assert ":hourglass: 1. The company and the team · Thu 05 Mar 02:00 CET" in lead.text
    refused = driver.command("/onboard", f"status {CHO}", user="U0BEN")
    assert refused.text.startswith(f"Only {CHO}, their buddy, their lead or a team lead")
    none = driver.command("/onboard", "status <@U0BEN>", user="U0LEAD")
    assert "<@U0BEN> has no onboarding" in none.text


def test_the_mention_and_the_app_home_show_progress(driver, slack, db, team):
    onboard_cho(driver)
    driver.mention("how is onboarding going?", user="U0ANA")
    [answer] = slack.posted("C0PAYMENTS")
    assert answer["text"].startswith(f"*Onboarding*\n{CHO} · payments · 0/13 done")
    driver.event({"type": "app_home_opened", "user": "U0ANA", "tab": "home"})
    sections = [b["text"]["text"] for b in slack.home["U0ANA"]["blocks"] if b["type"] == "section"]
    assert any(t.startswith(f"*Onboarding*\n{CHO} · payments · 0/13 done") for t in sections)
    nothing = driver.command("/onboard", "status", user="U0BEN")
    assert nothing.text.startswith("You follow no onboarding.")


# -- with on-call -----------------------------------------------------------------------------

ROTATION = {
    "rotations": [
        {
            "name": "payments-primary",
            "team": "payments",
            "handoff": "monday 10:00",
            "every": "1w",
            "start": "2026-03-02",
            "members": ["U0ANA", "U0BEN"],  # Ana from 2 March, Ben from 9 March, Ana again...
        }
    ]
}


@pytest.fixture
def rotation(db, team):
    import_config(db, team_workspace(db, team), ROTATION, START)
    db.commit()


def test_the_suggested_buddy_is_not_on_call_in_the_hires_first_week(driver, slack, db, rotation):
    resp = onboard_cho(driver)  # Thursday 5 March: Ana is on call until Monday
    assert "Buddy: <@U0BEN> (suggested" in resp.text
    slack.add_user("U0DAN", "Dan Diaz", "Europe/Berlin")
    driver.command("/onboard", "<@U0CHO>", user="U0LEAD")  # refused: already onboarding
    resp = driver.command("/onboard", "<@U0DAN> team payments start 2026-03-09", user="U0LEAD")
    # Ana hands over on Monday at 10:00, hours into that week; Ben is on call for the rest.
    assert "Buddy: <@U0ANA> (suggested" in resp.text


def test_oncall_shows_a_shadow_added_after_it_last_answered(driver, db, rotation, engine):
    """`/oncall` keeps the rotation's timeline and its shadows between requests: a shadow
    written elsewhere (the worker, another replica) shows at once, and so does its removal."""
    assert "shadowed" not in driver.command("/oncall", "payments-primary", user="U0LEAD").text
    workspace = db.scalars(select(Workspace)).one()
    ben = db.scalars(select(Person).where(Person.slack_user_id == "U0BEN")).one()
    with Session(engine) as elsewhere:
        elsewhere.add(
            Shadow(
                workspace_id=workspace.id,
                rotation="payments-primary",
                person_id=ben.id,
                start=START - timedelta(hours=1),
                end=START + timedelta(days=2),
                created_at=START,
            )
        )
        elsewhere.commit()
    now = driver.command("/oncall", "payments-primary", user="U0LEAD")
    assert now.text.endswith("· shadowed by <@U0BEN>")
    with Session(engine) as elsewhere:
        elsewhere.delete(elsewhere.scalars(select(Shadow)).one())
        elsewhere.commit()
    assert "shadowed" not in driver.command("/oncall", "payments-primary", user="U0LEAD").text


def test_the_shadowing_step_records_the_hire_as_a_shadow_shown_in_oncall(
    driver, slack, db, rotation, ticker, clock
):
    onboard_cho(driver)
    ticker.tick()
    tick_at(ticker, clock, at("2026-03-17", 1, 0))  # Tuesday, 10:00 in Tokyo: workday 8
    step = slack.posted("U0CHO")[-1]
    assert step["text"].startswith("Step 12 of 13: Shadow the on-call rotation")
    shadowing = next(b for b in step["blocks"] if ":eyes:" in b.get("text", {}).get("text", ""))
    assert shadowing["text"]["text"] == (
        ":eyes: You're shadowing <@U0ANA> on *payments-primary* from Mon 16 Mar 18:00 JST to "
        "Mon 23 Mar 18:00 JST. You won't be paged."
    )
    [shadow] = db.scalars(select(Shadow)).all()
    assert (shadow.rotation, shadow.person.slack_user_id, shadow.start, shadow.end) == (
        "payments-primary",
        "U0CHO",
        at("2026-03-16", 9, 0),
        at("2026-03-23", 9, 0),
    )
    now = driver.command("/oncall", "payments-primary", user="U0LEAD")
    assert "*payments-primary*: <@U0ANA> until" in now.text
    assert now.text.endswith("· shadowed by <@U0CHO>")
    schedule = driver.command("/oncall", "schedule payments-primary 2w", user="U0LEAD").text
    shadowed = [line for line in schedule.splitlines() if "shadowed by <@U0CHO>" in line]
    assert len(shadowed) == 1 and "Mon 16 Mar 10:00" in shadowed[0]
    clock.set(at("2026-03-24", 1, 0))
    assert "shadowed" not in driver.command("/oncall", "payments-primary", user="U0LEAD").text


@pytest.mark.parametrize(
    ("said", "starts"),
    [
        ("next monday", "Mon 09 Mar"),
        ("9 mar", "Mon 09 Mar"),
        ("march 9th", "Mon 09 Mar"),
        ("in 2 weeks", "Mon 16 Mar"),
        ("monday", "Mon 09 Mar"),  # said on a Monday: next week's
    ],
)
def test_start_dates_as_people_say_them(driver, team, said, starts):
    resp = onboard_cho(driver, f"start {said} buddy <@U0ANA>")
    assert resp.text.startswith(f"Onboarding for {CHO} with *payments* starts {starts} "), resp.text


def test_a_new_start_date_as_people_say_it(driver, team):
    onboard_cho(driver)
    resp = driver.command("/onboard", f"start-date {CHO} next wednesday", user="U0LEAD")
    assert resp.text.startswith(f"{CHO}'s onboarding now starts Wed 11 Mar;")
