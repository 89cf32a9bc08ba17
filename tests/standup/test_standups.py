"""Standups: prompts at the team's time in each member's own zone (DST included), the answer
modal, one summary per team and day kept up to date, one reminder, skip and out of office."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.cli import build_parser
from bot.deps import Cli
from bot.features import FEATURES
from tests.factories import configure, lookup, tick_through, utc
from tests.held import answered_while_held
from tests.slack_requests import typed_value

RITUALS = """
rituals:
  - kind: standup
    team: payments
    days: mon-sun
    time: "09:30"
people:  # they work every day, so the weekend standups ask them too
  - id: U0ANA
    work_days: mon-sun
  - id: U0BEN
    work_days: daily
"""


@pytest.mark.parametrize(
    ("day", "ana_at", "ben_at"),
    [
        # New York springs forward on 8 March: Ben's 09:30 is 13:30 UTC, not 14:30 as before.
        (utc(2026, 3, 8), utc(2026, 3, 8, 8, 30), utc(2026, 3, 8, 13, 30)),
        # Berlin springs forward on 29 March: Ana's 09:30 is 07:30 UTC.
        (utc(2026, 3, 29), utc(2026, 3, 29, 7, 30), utc(2026, 3, 29, 13, 30)),
        # Berlin falls back on 25 October: 08:30 UTC; New York (still EDT) 13:30 UTC.
        (utc(2026, 10, 25), utc(2026, 10, 25, 8, 30), utc(2026, 10, 25, 13, 30)),
        # New York falls back on 1 November: 14:30 UTC.
        (utc(2026, 11, 1), utc(2026, 11, 1, 8, 30), utc(2026, 11, 1, 14, 30)),
    ],
)
def test_prompts_at_0930_in_each_members_zone_on_dst_change_days(
    rituals_workspace, scheduler, clock, slack, day, ana_at, ben_at
):
    sent = tick_through(scheduler, clock, day, day + timedelta(days=1), timedelta(minutes=15))
    iso = f"{day:%Y-%m-%d}"
    assert sent[f"standup:payments:U0ANA:{iso}"] == [ana_at]
    assert sent[f"standup:payments:U0BEN:{iso}"] == [ben_at]
    # The summary goes to the channel at the team's 09:30 (Berlin), once.
    assert sent[f"standup-summary:payments:{iso}"] == [ana_at]
    prompts = [m["text"] for m in slack.posted("U0ANA") if m["text"].startswith("Standup for")]
    assert prompts == [f"Standup for *payments*, {day:%a %d %b}."]
    assert len(slack.posted("C0PAYMENTS")) == 1


def answer(driver, slack, user: str, texts: list[str]):
    prompt = slack.posted(user)[-1]
    button = prompt["blocks"][-2]["elements"][0]
    assert button["text"]["text"] == "Answer"
    driver.action("standup_answer", button["value"], user=user, channel=None)
    view = slack.calls_to("views.open")[-1].body["view"]
    values = {f"q{i}": {"answer": typed_value(t)} for i, t in enumerate(texts)}
    return view, driver.view_submission(
        "standup_answer", values, user=user, private_metadata=view["private_metadata"]
    )


def test_answers_fill_one_summary_that_lists_who_has_not_answered(
    rituals_workspace, scheduler, clock, slack, driver
):
    tick_through(scheduler, clock, utc(2026, 3, 2, 8), utc(2026, 3, 2, 8, 30), timedelta(minutes=5))
    [summary] = slack.posted("C0PAYMENTS")
    # 09:30 in Berlin: Ana is asked; Ben's 09:30 in New York is six hours away.
    status = summary["blocks"][-1]["elements"][0]["text"]
    assert status == "Waiting for: Ana Alves · Asked later today: Ben Brooks (15:30 CET)"

    view, resp = answer(driver, slack, "U0ANA", ["Shipped refunds", "Invoices", "billing-api"])
    assert resp.status == 200
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert labels == [
        "What did you do yesterday?",
        "What will you do today?",
        "Anything blocking you?",
    ]
    [updated] = slack.posted("C0PAYMENTS")  # the same message, updated in place
    blocks = json.dumps(updated["blocks"])
    assert "Shipped refunds" in blocks and "Waiting for" not in blocks
    assert "Asked later today: Ben Brooks (15:30 CET)" in blocks

    clock.set(utc(2026, 3, 2, 14, 30))  # Ben's 09:30 in New York: asked, so now waited for
    scheduler.tick()
    asked = slack.calls_to("chat.update")[-1].body["blocks"][-1]["elements"][0]["text"]
    assert asked == "Waiting for: Ben Brooks"
    answer(driver, slack, "U0BEN", ["Reviews", "Search", ""])
    final = json.dumps(slack.posted("C0PAYMENTS")[0]["blocks"])
    assert "Everyone has answered." in final and "Reviews" in final
    assert len(slack.calls_to("chat.update")) == 3
    assert len(slack.posted("C0PAYMENTS")) == 1


def test_one_reminder_goes_to_those_who_have_not_answered(
    rituals_workspace, scheduler, clock, slack, driver
):
    day = utc(2026, 3, 2, 8)
    tick_through(scheduler, clock, day, utc(2026, 3, 2, 9), timedelta(minutes=10))
    answer(driver, slack, "U0ANA", ["a", "b", "c"])
    sent = tick_through(scheduler, clock, clock.now(), utc(2026, 3, 3, 6), timedelta(minutes=10))
    assert "standup-reminder:payments:U0ANA:2026-03-02" not in sent
    assert sent["standup-reminder:payments:U0BEN:2026-03-02"] == [utc(2026, 3, 2, 16, 30)]
    assert [m["text"].split(":")[0] for m in slack.posted("U0BEN")] == [
        "Standup for *payments*, Mon 02 Mar.",
        "Reminder",
    ]


def test_out_of_office_stops_prompts_until_the_day_and_back_restarts_them(
    rituals_workspace, scheduler, clock, slack, driver
):
    clock.set(utc(2026, 3, 2, 6))
    resp = driver.command("/standup", "ooo until 2026-03-04", user="U0BEN")
    assert resp.text == "Out of office until Wed 04 Mar 2026: no standup prompts till then."
    sent = tick_through(
        scheduler, clock, utc(2026, 3, 2, 6), utc(2026, 3, 6), timedelta(minutes=30)
    )
    ben = sorted(k for k in sent if k.startswith("standup:payments:U0BEN"))
    assert ben == ["standup:payments:U0BEN:2026-03-05"]
    assert len([k for k in sent if k.startswith("standup:payments:U0ANA")]) == 4
    summary = json.dumps(slack.posted("C0PAYMENTS")[0]["blocks"])
    assert "Out of office: Ben Brooks" in summary and "<@U0BEN>" not in summary

    driver.command("/standup", "ooo until 2026-03-20", user="U0BEN")
    clock.set(utc(2026, 3, 6, 12))
    assert "Welcome back" in driver.command("/standup", "back", user="U0BEN").text
    sent = tick_through(scheduler, clock, clock.now(), utc(2026, 3, 6, 15), timedelta(minutes=30))
    assert "standup:payments:U0BEN:2026-03-06" in sent


def test_standup_status_does_not_promise_a_prompt_while_you_are_away(
    rituals_workspace, clock, driver
):
    """`/standup` named the next standup as if it would be asked, then said "You're out." without
    until when."""
    clock.set(utc(2026, 3, 2, 6))  # Mon 01:00 in New York
    driver.command("/standup", "ooo until 2026-03-04", user="U0BEN")
    status = driver.command("/standup", "", user="U0BEN").text
    assert status == (
        "*payments*: mon-sun 09:30 your time · next Mon 02 Mar 09:30 EST (you're out)\n"
        "You work mon-sun; public holidays off: none.\n"
        "You're out until Wed 04 Mar."
    )
    driver.command("/standup", "back", user="U0BEN")
    driver.command("/standup", "skip", user="U0BEN")
    status = driver.command("/standup", "", user="U0BEN").text
    assert status == (
        "*payments*: mon-sun 09:30 your time · next Mon 02 Mar 09:30 EST (you skip it)\n"
        "You work mon-sun; public holidays off: none.\n"
        "You're skipping today."
    )


def test_skip_leaves_out_todays_prompt_and_shows_in_the_summary(
    rituals_workspace, scheduler, clock, slack, driver
):
    clock.set(utc(2026, 3, 2, 6))
    scheduler.tick()
    assert (
        driver.command("/standup", "skip", user="U0BEN").text
        == "OK, no standup for you today (Mon 02 Mar)."
    )
    sent = tick_through(scheduler, clock, clock.now(), utc(2026, 3, 3, 18), timedelta(minutes=30))
    assert "standup:payments:U0BEN:2026-03-02" not in sent
    assert "standup:payments:U0BEN:2026-03-03" in sent
    today = json.dumps(slack.posted("C0PAYMENTS")[0]["blocks"])
    assert "Skipping today: Ben Brooks" in today


def test_skip_is_answered_before_the_summary_is_updated_and_then_updates_it(
    rituals_workspace, scheduler, clock, slack, answer_driver
):
    tick_through(scheduler, clock, utc(2026, 3, 2, 8), utc(2026, 3, 2, 9), timedelta(minutes=30))
    [summary] = slack.posted("C0PAYMENTS")
    assert "Skipping today" not in json.dumps(summary["blocks"])

    def skip():
        return answer_driver.command("/standup", "skip", user="U0BEN")

    # Slack holds its answer to chat.update until the command has been answered.
    answered = answered_while_held(slack, "chat.update", skip, "C0PAYMENTS")
    assert answered.text == "OK, no standup for you today (Mon 02 Mar)."
    answer_driver.drain()
    [summary] = slack.posted("C0PAYMENTS")
    assert "Skipping today: Ben Brooks" in json.dumps(summary["blocks"])


def test_standup_usage_errors(rituals_workspace, driver):
    assert (
        "Usage: /standup ooo until <date>" in driver.command("/standup", "ooo", user="U0BEN").text
    )
    assert "is not a date" in driver.command("/standup", "ooo until someday", user="U0BEN").text
    assert "until Fri 06 Mar" in driver.command("/standup", "ooo until friday", user="U0BEN").text
    assert "in the past" in driver.command("/standup", "ooo until 2026-01-01", user="U0BEN").text
    assert "payments" in driver.command("/standup", "", user="U0BEN").text


def test_skip_takes_the_day_it_is_given_and_back_takes_none(rituals_workspace, driver, db):
    """`/standup skip tomorrow` used to skip today without a word about `tomorrow`."""
    tomorrow = driver.command("/standup", "skip tomorrow", user="U0BEN").text
    assert tomorrow == "OK, no standup for you on Tue 03 Mar."
    someday = driver.command("/standup", "skip someday", user="U0BEN").text
    assert "`someday` is not a date" in someday and "Usage: /standup skip [<day>]" in someday
    past = driver.command("/standup", "skip 2026-03-01", user="U0BEN").text
    assert "Sun 01 Mar 2026 is in the past." in past
    later = driver.command("/standup", "back monday", user="U0BEN").text
    assert "I don't know what to do with `monday`." in later and "Usage: /standup back" in later
    assert "skipping today" not in driver.command("/standup", "", user="U0BEN").text
    nobody = driver.command("/standup", "skip", user="U0CHO").text  # search has no standup
    assert nobody.startswith("You're not in any team with a standup.")


def test_jobs_run_sends_todays_prompts_once_unless_forced(
    rituals_workspace, clock, settings, slack, capsys
):
    clock.set(utc(2026, 3, 2, 6))
    parser = build_parser()
    args = parser.parse_args(["jobs", "run", "standup", "--team", "payments"])
    assert args.func(Cli(settings, FEATURES, clock), args) == 0
    assert capsys.readouterr().out.startswith("sent: 2")
    assert args.func(Cli(settings, FEATURES, clock), args) == 0
    assert "already delivered: 2" in capsys.readouterr().out
    forced = parser.parse_args(["jobs", "run", "standup", "--team", "payments", "--force"])
    assert forced.func(Cli(settings, FEATURES, clock), forced) == 0
    assert len(slack.posted("U0ANA")) == 2 and len(slack.posted("U0BEN")) == 2


def test_whoever_is_on_call_is_asked_about_on_call_instead(scheduler, clock, slack, driver, db):
    configure(
        db,
        clock,
        RITUALS
        + """
rotations:
  - name: payments-primary
    team: payments
    handoff: monday 10:00
    every: 1w
    start: 2026-03-02
    members: [U0BEN, U0ANA]
""",
        lookup=lookup(slack),
    )
    day = utc(2026, 3, 4)  # Ben's week
    tick_through(scheduler, clock, day, day + timedelta(days=1), timedelta(minutes=15))
    ben = [m["text"] for m in slack.posted("U0BEN") if m["text"].startswith("Standup for")]
    ana = [m["text"] for m in slack.posted("U0ANA") if m["text"].startswith("Standup for")]
    assert ben == [
        "Standup for *payments*, Wed 04 Mar. "
        "You're on call today, so I'll ask about on call instead of project work."
    ]
    assert ana == ["Standup for *payments*, Wed 04 Mar."]
    prompt = next(m for m in slack.posted("U0BEN") if m["text"].startswith("Standup for"))
    button = next(e for b in prompt["blocks"] if b["type"] == "actions" for e in b["elements"])
    driver.action("standup_answer", button["value"], user="U0BEN", channel=None)
    view = slack.calls_to("views.open")[-1].body["view"]
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert labels[0] == "What paged you or interrupted you on call?"


def test_an_empty_answer_is_a_field_error_and_the_form_stays(
    rituals_workspace, scheduler, clock, slack, driver
):
    """Every form answers a wrong value with a field error and keeps the rest: an answer with
    nothing in it replaced the form with a message."""
    tick_through(scheduler, clock, utc(2026, 3, 2, 8), utc(2026, 3, 2, 8, 30), timedelta(minutes=5))
    view, resp = answer(driver, slack, "U0ANA", ["  ", "", ""])
    assert resp.json == {
        "response_action": "errors",
        "errors": {"q0": "Answer at least one question."},
    }


def test_a_blocker_naming_a_catalogued_service_mentions_its_owner(
    catalog, rituals_workspace, scheduler, clock, slack, driver
):
    tick_through(scheduler, clock, utc(2026, 3, 2, 8), utc(2026, 3, 2, 8, 30), timedelta(minutes=5))
    answer(driver, slack, "U0ANA", ["Refunds", "Invoices", "waiting on billing-api, and ledger"])
    summary = json.dumps(slack.posted("C0PAYMENTS")[0]["blocks"])
    assert "billing-api: <@U0BEN>" in summary and "ledger: <@U0ANA>" in summary


def test_a_forced_run_that_fails_is_retried_and_sent_once(
    rituals_workspace, scheduler, clock, slack
):
    clock.set(utc(2026, 3, 2, 6))
    slack.fail("chat.postMessage", "internal_error", times=2)  # both forced prompts fail once
    report = scheduler.run_kind("standup", force=True)
    assert len(report.retrying) == 2 and not report.sent
    clock.advance(minutes=5)  # past the first backoff
    retried = scheduler.tick()
    assert sorted(k.split(":forced:")[0] for k in retried.sent) == [
        "standup:payments:U0ANA:2026-03-02",
        "standup:payments:U0BEN:2026-03-02",
    ]
    assert len(slack.posted("U0ANA")) == 1 and len(slack.posted("U0BEN")) == 1
    assert not scheduler.tick().sent  # and only once


def test_app_home_shows_my_standups_and_whether_i_am_away(rituals_workspace, driver, slack):
    driver.command("/standup", "skip", user="U0BEN")
    driver.event({"type": "app_home_opened", "user": "U0BEN", "tab": "home"})
    home = json.dumps(slack.home["U0BEN"]["blocks"])
    assert "Your standups" in home and "*payments*: mon-sun 09:30 your time" in home
    assert "skipping today" in home


def test_skip_after_todays_prompt_skips_the_next_one_and_says_which(
    rituals_workspace, scheduler, clock, slack, driver
):
    """`/standup skip` at 22:04 skipped the standup that was asked at 09:30 that morning."""
    clock.set(utc(2026, 3, 2, 21, 4))  # Mon 22:04 in Ana's Berlin
    resp = driver.command("/standup", "skip", user="U0ANA")
    assert resp.text == (
        "OK, no standup for you on Tue 03 Mar, your next one (today's was at 09:30; "
        "`/standup skip today` skips that one)."
    )
    status = driver.command("/standup", "", user="U0ANA").text
    assert "next Tue 03 Mar 09:30 CET (you skip it)" in status
    sent = tick_through(scheduler, clock, clock.now(), utc(2026, 3, 4, 12), timedelta(minutes=30))
    assert "standup:payments:U0ANA:2026-03-03" not in sent
    assert "standup:payments:U0ANA:2026-03-04" in sent
    # Ben, in New York, hasn't been asked yet today (09:30 there is 14:30 UTC): today's.
    clock.set(utc(2026, 3, 2, 12))
    assert driver.command("/standup", "skip", user="U0BEN").text == (
        "OK, no standup for you today (Mon 02 Mar)."
    )


def test_skip_takes_a_day(rituals_workspace, driver, clock):
    clock.set(utc(2026, 3, 2, 21, 4))
    days = {"today": "today (Mon 02 Mar)", "tomorrow": "on Tue 03 Mar", "friday": "on Fri 06 Mar"}
    days["next monday"] = "on Mon 09 Mar"
    for said, day in days.items():
        answer = driver.command("/standup", f"skip {said}", user="U0ANA").text
        assert answer == f"OK, no standup for you {day}."


@pytest.mark.parametrize(
    ("said", "until"),
    [
        ("next friday", "Fri 13 Mar 2026"),  # said on Friday 6 March
        ("friday", "Fri 13 Mar 2026"),
        ("tomorrow", "Sat 07 Mar 2026"),
        ("in 2 weeks", "Fri 20 Mar 2026"),
        ("end of month", "Tue 31 Mar 2026"),
        ("end of the month", "Tue 31 Mar 2026"),
        ("20 march", "Fri 20 Mar 2026"),
        ("Mar 20", "Fri 20 Mar 2026"),
        ("2026-03-20", "Fri 20 Mar 2026"),
    ],
)
def test_out_of_office_until_any_day_people_say(rituals_workspace, driver, clock, said, until):
    """`/standup ooo until next friday` answered "Say until when." """
    clock.set(utc(2026, 3, 6, 19, 41))
    resp = driver.command("/standup", f"ooo until {said}", user="U0ANA")
    assert resp.text == f"Out of office until {until}: no standup prompts till then."


WEEKDAY_RITUALS = """
rituals:
  - kind: standup
    team: payments
    days: mon-fri
    time: "09:30"
"""


def question_asked(driver, slack, user: str) -> str:
    prompt = slack.posted(user)[-1]
    button = next(e for b in prompt["blocks"] if b["type"] == "actions" for e in b["elements"])
    driver.action("standup_answer", button["value"], user=user, channel=None)
    view = slack.calls_to("views.open")[-1].body["view"]
    return [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"][0]


def test_monday_asks_since_the_last_standup_not_yesterday(scheduler, clock, slack, driver, db):
    """The standup asked "What did you do yesterday?" on Mondays."""
    configure(db, clock, WEEKDAY_RITUALS, lookup=lookup(slack))
    tick_through(scheduler, clock, utc(2026, 3, 9, 8), utc(2026, 3, 9, 9), timedelta(minutes=15))
    assert question_asked(driver, slack, "U0ANA") == "What did you do since your last standup?"
    answer(driver, slack, "U0ANA", ["Refunds", "Invoices", ""])
    summary = json.dumps(slack.posted("C0PAYMENTS")[-1]["blocks"])
    assert "What did you do since your last standup?" in summary
    tick_through(scheduler, clock, utc(2026, 3, 10, 8), utc(2026, 3, 10, 9), timedelta(minutes=15))
    assert question_asked(driver, slack, "U0ANA") == "What did you do yesterday?"


def test_after_a_day_away_it_asks_since_the_last_standup(
    rituals_workspace, scheduler, clock, slack, driver
):
    clock.set(utc(2026, 3, 2, 6))
    driver.command("/standup", "skip", user="U0ANA")
    tick_through(scheduler, clock, utc(2026, 3, 3, 8), utc(2026, 3, 3, 9), timedelta(minutes=15))
    assert question_asked(driver, slack, "U0ANA") == "What did you do since your last standup?"


def test_skip_on_a_weekend_takes_mondays_and_a_day_without_standup_is_said(
    scheduler, clock, slack, driver, db
):
    configure(db, clock, WEEKDAY_RITUALS, lookup=lookup(slack))
    clock.set(utc(2026, 3, 7, 12))  # Saturday
    resp = driver.command("/standup", "skip", user="U0ANA")
    assert resp.text == "OK, no standup for you on Mon 09 Mar, your next one."
    sunday = driver.command("/standup", "skip sunday", user="U0ANA")
    assert sunday.text.startswith("You have no standup on Sun 08 Mar.\nUsage: /standup skip")


def test_the_prompt_says_how_to_skip_the_standup_it_asks(
    rituals_workspace, scheduler, clock, slack, driver
):
    """The prompt said "`/standup skip` for today", which after its time skips the next one."""
    tick_through(
        scheduler, clock, utc(2026, 3, 2, 8), utc(2026, 3, 2, 8, 45), timedelta(minutes=15)
    )
    prompt = json.dumps(slack.posted("U0ANA")[-1]["blocks"])
    assert "Away? `/standup skip today`, `/standup ooo until <date>`." in prompt
    said = driver.command("/standup", "skip today", user="U0ANA").text
    assert said == "OK, no standup for you today (Mon 02 Mar)."
    assert "Skipping today: Ana Alves" in json.dumps(slack.posted("C0PAYMENTS")[0]["blocks"])
