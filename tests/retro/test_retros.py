"""Retros: anonymous topics, action items with owners and due dates, the reminder the day before,
the owner's DM on the due date with Done and Snooze, and overdue items followed up."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from models import AuditEntry, RetroAction, RetroTopic
from models.core.workspace import Team
from tests.factories import tick_through, utc

RITUALS = """
rituals:
  - kind: retro
    team: payments
    days: thu
    time: "15:00"
    start: 2026-03-05
  - kind: standup
    team: payments
    days: mon-fri
    time: "09:30"
"""


def test_topics_are_kept_without_names(rituals_workspace, driver, db):
    resp = driver.command("/retro", "topic Deploys are flaky on Fridays", user="U0ANA")
    assert resp.text == "Added to payments' next retro. It will be shown without your name."
    [topic] = db.scalars(select(RetroTopic)).all()
    assert topic.text == "Deploys are flaky on Fridays"
    assert not any("person" in c.name or "author" in c.name for c in RetroTopic.__table__.columns)


def test_action_items_record_owner_and_due_and_list(rituals_workspace, driver):
    resp = driver.command(
        "/retro", "action Fix the deploy script <@U0BEN|ben> due 2026-03-03", user="U0ANA"
    )
    assert resp.json["response_type"] == "in_channel"
    assert resp.text == "Action item #1 for <@U0BEN>, due Tue 03 Mar: Fix the deploy script"
    driver.command("/retro", "action Write the refunds runbook <@U0ANA>", user="U0LEAD")
    listing = driver.command("/retro", "actions", user="U0CHO", channel="C0PAYMENTS").text
    assert listing.splitlines()[1:] == [
        "#1 Fix the deploy script · <@U0BEN> (due Tue 03 Mar)",
        "#2 Write the refunds runbook · <@U0ANA>",
    ]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("action Fix it", "Name the owner with an @mention."),
        ("action Fix it <@U0BEN> by friday", "only `due <date>` may follow"),
        ("action Fix it <@U0BEN> due soon", "`soon` is not a date"),
        ("action Fix it <@U0BEN> due 2026-01-01", "is in the past"),
        ("action <@U0BEN>", "Say what it is."),
        ("topic Retro team=nope", "There is no team called `nope`"),
    ],
)
def test_retro_usage_errors(rituals_workspace, driver, text, error):
    resp = driver.command("/retro", text, user="U0ANA")
    assert error in resp.text and "Usage: /retro" in resp.text


@pytest.mark.parametrize(
    "text",
    ["topic", "topic " + "x" * 501, "action <@U0BEN>", "action Fix it <@U0BEN> due 2026-01-01"],
)
def test_retro_errors_show_the_usage_help_shows(rituals_workspace, driver, text):
    """The text and date checks showed usages without `[team=<team>]`."""
    sub = text.split()[0]
    usage = next(
        line
        for line in driver.command("/retro", "help").text.splitlines()
        if f"/retro {sub} " in line
    )
    resp = driver.command("/retro", text, user="U0ANA")
    assert resp.text.endswith("\nUsage: " + usage.split("`")[1])


def test_actions_names_words_it_does_not_take(rituals_workspace, driver):
    answer = driver.command("/retro", "actions payments overdue", user="U0ANA").text
    assert answer == "I don't know what to do with `overdue`.\nUsage: /retro actions [team]"


def test_reminder_the_day_before_lists_topics_and_open_items_with_overdue_marked(
    rituals_workspace, scheduler, driver, clock, slack
):
    clock.set(utc(2026, 3, 2, 6))
    scheduler.tick()
    driver.command("/retro", "topic Too many pages at night", user="U0BEN")
    driver.command("/retro", "action Fix the deploy script <@U0BEN> due 2026-03-03", user="U0ANA")
    driver.command("/retro", "action Write the refunds runbook <@U0ANA>", user="U0ANA")
    sent = tick_through(scheduler, clock, clock.now(), utc(2026, 3, 4, 16), timedelta(minutes=30))

    # The owner hears on the due date at 09:00 in New York, with Done and Snooze.
    assert sent["retro-action:1:2026-03-03"] == [utc(2026, 3, 3, 14)]
    dm = next(m for m in slack.posted("U0BEN") if m["text"].startswith("Your retro action"))
    assert [e["text"]["text"] for e in dm["blocks"][1]["elements"]] == ["Done", "Snooze 3 days"]
    # Then the item is overdue: in Ben's standup prompt on 4 March...
    prompt = next(m for m in slack.posted("U0BEN") if "Wed 04 Mar" in m["text"])
    assert "Fix the deploy script" in json.dumps(prompt["blocks"])
    # ...and in the reminder the day before the retro (Wed 15:00 Berlin = 14:00 UTC).
    assert sent["retro-reminder:payments:2026-03-05"] == [utc(2026, 3, 4, 14)]
    reminder = next(m for m in slack.posted("C0PAYMENTS") if m["text"].startswith("Retro"))
    assert reminder["text"] == (
        "Retro for payments tomorrow, Thu 05 Mar 15:00 CET. "
        "1 topics, 2 open action items (1 overdue)."
    )
    blocks = json.dumps(reminder["blocks"])
    assert "Too many pages at night" in blocks and "Ben" not in blocks.split("Open action")[0]
    assert (
        "#1 Fix the deploy script \\u00b7 <@U0BEN> (due Tue 03 Mar) :warning: *overdue*" in blocks
    )


def test_the_due_date_dm_waits_for_the_owners_next_working_day(
    rituals_workspace, scheduler, driver, clock, slack
):
    clock.set(utc(2026, 3, 5, 6))
    driver.command("/retro", "action Fix the deploy script <@U0BEN> due 2026-03-07", user="U0ANA")
    # Due on Saturday: Ben hears on Monday at 09:00 in New York, on summer time since Sunday.
    sent = tick_through(scheduler, clock, clock.now(), utc(2026, 3, 10), timedelta(hours=1))
    assert sent["retro-action:1:2026-03-07"] == [utc(2026, 3, 9, 13)]
    # Due on Memorial Day, when Ben takes US holidays off: Tuesday.
    driver.command("/standup", "holidays US", user="U0BEN")
    driver.command("/retro", "action Rotate the keys <@U0BEN> due 2026-05-25", user="U0ANA")
    sent = tick_through(scheduler, clock, utc(2026, 5, 24), utc(2026, 5, 27), timedelta(hours=1))
    assert sent["retro-action:2:2026-05-25"] == [utc(2026, 5, 26, 13)]


def test_done_and_snooze_buttons(rituals_workspace, scheduler, driver, clock, slack, db):
    driver.command("/retro", "action Fix the deploy script <@U0BEN> due 2026-03-03", user="U0ANA")
    clock.set(utc(2026, 3, 3, 15))
    dm_message = {"type": "message", "ts": "1700000099.000100", "text": "", "blocks": []}
    slack.messages["U0BEN"] = [{**dm_message, "channel": "U0BEN"}]

    driver.action("retro_action_snooze", "1", user="U0BEN", channel="U0BEN", message=dm_message)
    assert db.get(RetroAction, 1).due.isoformat() == "2026-03-06"
    assert slack.posted("U0BEN")[0]["text"] == (
        ":zzz: Snoozed: #1 Fix the deploy script, now due Fri 06 Mar."
    )

    driver.action("retro_action_done", "1", user="U0CHO", channel="U0BEN", message=dm_message)
    [denied] = slack.calls_to("chat.postEphemeral")
    assert "Only <@U0BEN> or payments' leads can change #1." in denied.body["text"]
    db.expire_all()
    assert db.get(RetroAction, 1).done_at is None
    refusal = db.scalars(select(AuditEntry).where(AuditEntry.refused)).one()
    assert (refusal.actor.slack_user_id, refusal.action, refusal.team.name) == (
        "U0CHO",
        "button retro_action_done 1",
        "payments",
    )

    driver.action("retro_action_done", "1", user="U0BEN", channel="U0BEN", message=dm_message)
    db.expire_all()
    assert db.get(RetroAction, 1).done_at == utc(2026, 3, 3, 15)
    assert slack.posted("U0BEN")[0]["text"] == ":white_check_mark: Done: #1 Fix the deploy script"
    assert "no open retro action items" in driver.command("/retro", "actions", user="U0ANA").text


def test_cadence_every_four_weeks_and_topics_since_the_last_retro(
    rituals_workspace, scheduler, driver, clock, slack
):
    clock.set(utc(2026, 3, 2, 6))
    scheduler.tick()
    driver.command("/retro", "topic Old topic", user="U0ANA")
    sent = tick_through(scheduler, clock, clock.now(), utc(2026, 3, 6), timedelta(hours=1))
    assert "retro-reminder:payments:2026-03-05" in sent
    driver.command("/retro", "topic New topic", user="U0ANA")
    sent = tick_through(scheduler, clock, clock.now(), utc(2026, 4, 3), timedelta(hours=1))
    reminders = sorted(k for k in sent if k.startswith("retro-reminder"))
    assert reminders == ["retro-reminder:payments:2026-04-02"]  # not the 12th, 19th or 26th
    last = [m for m in slack.posted("C0PAYMENTS") if m["text"].startswith("Retro")][-1]
    blocks = json.dumps(last["blocks"])
    assert "New topic" in blocks and "Old topic" not in blocks
    assert last["text"].startswith("Retro for payments tomorrow, Thu 02 Apr 15:00 CEST.")


def test_app_home_lists_my_open_action_items(rituals_workspace, driver, slack, clock):
    driver.command("/retro", "action Fix the flaky deploy <@U0BEN> due 2026-03-03", user="U0ANA")
    driver.command("/retro", "action Write the runbook <@U0ANA>", user="U0ANA")
    clock.advance(days=3)
    driver.event({"type": "app_home_opened", "user": "U0BEN", "tab": "home"})
    home = json.dumps(slack.home["U0BEN"]["blocks"])
    assert "Your retro action items" in home and "Fix the flaky deploy" in home
    assert "overdue" in home and "Write the runbook" not in home


def everything_sent(slack, *answers) -> str:
    """All Upkeep said: the commands' answers and every call to the fake Slack."""
    return json.dumps([a.json for a in answers] + [c.body for c in slack.calls])


def test_action_text_never_broadcasts_nor_links_and_mentions_stay_live(
    rituals_workspace, scheduler, driver, clock, slack, db
):
    clock.set(utc(2026, 3, 2, 6))
    scheduler.tick()
    made = driver.command(
        "/retro", "action <!channel> fix <https://evil.example> <@U0ANA|ana>", user="U0LEAD"
    )
    assert made.json["response_type"] == "in_channel"
    assert made.text == "Action item #1 for <@U0ANA>: @channel fix `evil.example`"
    thanks = driver.command(
        "/retro", "action thank <@U0BEN|ben> <!here> <!subteam^S0OPS|@ops> <@U0CHO> due 2026-03-03"
    )
    assert thanks.text.endswith(": thank <@U0BEN> @here @ops")
    driver.command("/retro", "topic <!everyone> see <https://x.example/a?b=1&amp;c=2|the doc>")
    listing = driver.command("/retro", "actions", user="U0CHO")
    tick_through(scheduler, clock, clock.now(), utc(2026, 3, 4, 16), timedelta(hours=1))
    driver.event({"type": "app_home_opened", "user": "U0ANA", "tab": "home"})
    sent = everything_sent(slack, made, thanks, listing)
    assert "<!" not in sent and "<http" not in sent
    assert "<@U0ANA>" in sent and "thank <@U0BEN> @here @ops" in sent
    reminder = next(m for m in slack.posted("C0PAYMENTS") if m["text"].startswith("Retro"))
    assert "@everyone see the doc (`x.example/a?b=1&amp;c=2`)" in json.dumps(reminder["blocks"])


def test_r_and_d_is_escaped_once(rituals_workspace, driver, db):
    """Slack sends `R&amp;D`; it is kept as typed and shown as `R&amp;D`, which reads R&D."""
    made = driver.command("/retro", "action Ask R&amp;D about a &lt;b&gt; tag <@U0BEN>")
    listing = driver.command("/retro", "actions", user="U0CHO")
    [listed] = [b["text"]["text"] for b in listing.json["blocks"] if b["type"] == "section"]
    assert listed == "• #1 Ask R&amp;D about a &lt;b&gt; tag · <@U0BEN>"
    assert made.text == "Action item #1 for <@U0BEN>: Ask R&amp;D about a &lt;b&gt; tag"
    assert db.get(RetroAction, 1).text == "Ask R&D about a <b> tag"


def test_an_error_quoting_what_was_typed_never_pings(rituals_workspace, driver):
    answer = driver.command("/retro", "topic Hi team=<!channel> <https://evil.example>")
    assert "There is no team called" in answer.text
    assert "<!" not in answer.text and "<http" not in answer.text
    unknown = driver.command("/retro", "<!here>&")
    assert unknown.text.startswith("`/retro &lt;!here&gt;&amp;` isn't something I know.")


def test_only_the_teams_people_add_topics_and_action_items(rituals_workspace, driver, slack, db):
    """Topics are shown without a name, so anyone in no team, or in another, could post to any
    team's retro unattributed: like `/priority`, only a team's members, leads or an admin add."""
    refused = "Only payments' members, leads or a workspace admin can add retro topics."
    topic = driver.command("/retro", "topic Your deploys are bad team=payments", user="U0CHO")
    assert topic.json["response_type"] == "ephemeral"
    assert topic.text == f"{refused} You can use search."
    in_channel = driver.command("/retro", "topic Your deploys are bad", user="U0CHO")
    assert in_channel.text == f"{refused} You can use search."
    action = driver.command("/retro", "action Rewrite it all <@U0ANA> team=payments", user="U0CHO")
    assert action.text.startswith(
        "Only payments' members, leads or a workspace admin can add retro action items."
    )
    slack.add_user("U0NEW", "Nea New", "Europe/Berlin")
    stranger = driver.command("/retro", "topic Hello team=search", user="U0NEW")
    assert stranger.text.endswith("You are in no team yet: ask a team's lead to add you.")
    assert db.scalars(select(RetroTopic)).all() == []
    assert db.scalars(select(RetroAction)).all() == []
    refusals = db.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(r.actor.slack_user_id, r.action, r.subject, r.refused) for r in refusals] == [
        ("U0CHO", "/retro topic", "payments", True),
        ("U0CHO", "/retro topic", "payments", True),
        ("U0CHO", "/retro action", "payments", True),
        ("U0NEW", "/retro topic", "search", True),
    ]
    assert not any("deploys" in json.dumps(r.after) for r in refusals)  # topics stay nameless

    driver.command("/retro", "topic From a member", user="U0BEN")
    driver.command("/retro", "topic From the lead team=search", user="U0LEAD")
    driver.command("/retro", "topic From an admin team=payments", user="U0ADMIN")
    driver.command("/retro", "action Fix it <@U0CHO> team=search", user="U0CHO")
    assert [t.text for t in db.scalars(select(RetroTopic).order_by(RetroTopic.id))] == [
        "From a member",
        "From the lead",
        "From an admin",
    ]
    assert [a.text for a in db.scalars(select(RetroAction))] == ["Fix it"]


FRIDAY_EVENING = utc(2026, 12, 4, 19, 41)  # Fri 4 Dec, 20:41 in Ana's Berlin


@pytest.mark.parametrize(
    ("said", "due"),
    [
        ("friday", "Fri 11 Dec"),  # it was tonight: today is no longer ahead
        ("Fri", "Fri 11 Dec"),
        ("monday", "Mon 07 Dec"),
        ("today", "Fri 04 Dec"),  # said outright
        ("this friday", "Fri 04 Dec"),
        ("tomorrow", "Sat 05 Dec"),
        ("next friday", "Fri 11 Dec"),
        ("next tuesday", "Tue 08 Dec"),
        ("in 2 weeks", "Fri 18 Dec"),
        ("in 3 days", "Mon 07 Dec"),
        ("end of month", "Thu 31 Dec"),
        ("end of the week", "Fri 11 Dec"),
        ("24 dec", "Thu 24 Dec"),
        ("Dec 24th", "Thu 24 Dec"),
        ("15 jan", "Fri 15 Jan"),  # the next 15 January: 2027
        ("2026-12-24", "Thu 24 Dec"),
    ],
)
def test_due_dates_as_people_say_them(rituals_workspace, driver, clock, said, due):
    """`due friday` on Friday evening was due that night."""
    clock.set(FRIDAY_EVENING)
    resp = driver.command("/retro", f"action Fix the deploy script <@U0BEN> due {said}")
    assert resp.text == f"Action item #1 for <@U0BEN>, due {due}: Fix the deploy script"


def test_a_due_date_that_is_no_date_says_what_is_taken(rituals_workspace, driver, clock):
    clock.set(FRIDAY_EVENING)
    resp = driver.command("/retro", "action Fix it <@U0BEN> due next someday")
    assert "`next someday` is not a date" in resp.text
    assert resp.text.endswith("Usage: /retro action <text> <@owner> [due <date>] [team=<team>]")
    year = driver.command("/retro", "action Fix it <@U0BEN> due 31 feb")
    assert "`31 feb` is not a date" in year.text


def test_a_snooze_that_would_end_on_a_weekend_ends_on_the_next_workday(
    rituals_workspace, scheduler, driver, clock, slack, db
):
    """Snoozed on a Thursday, the item was due on Sunday, and its DM came that Sunday morning."""
    driver.command("/retro", "action Fix the deploy script <@U0BEN> due 2026-03-05", user="U0ANA")
    clock.set(utc(2026, 3, 5, 15))  # Thursday
    dm_message = {"type": "message", "ts": "1700000099.000100", "text": "", "blocks": []}
    slack.messages["U0BEN"] = [{**dm_message, "channel": "U0BEN"}]
    driver.action("retro_action_snooze", "1", user="U0BEN", channel="U0BEN", message=dm_message)
    assert db.get(RetroAction, 1).due.isoformat() == "2026-03-09"
    assert slack.posted("U0BEN")[0]["text"] == (
        ":zzz: Snoozed: #1 Fix the deploy script, now due Mon 09 Mar."
    )
    sent = tick_through(scheduler, clock, clock.now(), utc(2026, 3, 10), timedelta(hours=1))
    assert sent["retro-action:1:2026-03-09"] == [utc(2026, 3, 9, 13)]  # 09:00 in New York


def test_in_a_teams_channel_retro_is_that_teams(rituals_workspace, driver, db):
    """Lea leads payments and search: in each one's channel her topics and action items go to
    that team with no `team=`; out of both channels she is asked which."""
    topic = driver.command("/retro", "topic Slow reindex", user="U0LEAD", channel="C0SEARCH")
    assert topic.text == "Added to search's next retro. It will be shown without your name."
    driver.command("/retro", "action Fix reindex <@U0CHO>", user="U0LEAD", channel="C0SEARCH")
    here = driver.command("/retro", "actions", user="U0LEAD", channel="C0SEARCH").text
    assert "#1 Fix reindex · <@U0CHO>" in here.splitlines()
    assert here == driver.command("/retro", "actions search", user="U0LEAD").text
    payments = driver.command("/retro", "actions", user="U0LEAD", channel="C0PAYMENTS").text
    assert "Fix reindex" not in payments
    [made] = db.scalars(select(RetroTopic)).all()
    assert db.get(Team, made.team_id).name == "search"
    elsewhere = driver.command("/retro", "topic Slow", user="U0LEAD", channel="C0RANDOM").text
    assert elsewhere.startswith("Which team? Add `team=<team>` (one of payments, search).")
