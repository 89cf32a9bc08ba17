"""The standup summary when members live far from the team: one message per team and standup
day, posted at the team's time with whoever has answered, updated as later answers arrive, and
never missing an answer, whether it came before the summary, after it, after a missed run or
while the summary was failing."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest

from bot.cli import build_parser
from bot.deps import Cli
from bot.features import FEATURES
from tests.factories import configure, lookup, tick_through, utc
from tests.held import answered_while_held
from tests.slack_requests import typed_value

# Payments stands up at 09:30 Berlin time, mon-fri (the default); Cho's 09:30 in Tokyo comes
# hours before it, Dev's in Los Angeles hours after it (the same standup day).
TEAMS = """
teams:
  - name: payments
    channel: C0PAYMENTS
    timezone: Europe/Berlin
    leads: [U0LEAD]
    members: [U0ANA, U0CHO, U0DEV]
"""
RITUALS = """
rituals:
  - kind: standup
    team: payments
    time: "09:30"
"""
CHANNEL = "C0PAYMENTS"
STEP = timedelta(minutes=15)
# Mon 02 Mar 2026 (winter time everywhere): the summary is due at 08:30 UTC (09:30 in Berlin),
# Cho is asked at 00:30 UTC, Ana at 08:30 UTC and Dev at 17:30 UTC.
MONDAY = utc(2026, 3, 2)
SUMMARY_AT = utc(2026, 3, 2, 8, 30)
DEV_AT = utc(2026, 3, 2, 17, 30)
SUMMARY_KEY = "standup-summary:payments:2026-03-02"


@pytest.fixture
def team(db, clock, slack):
    slack.add_user("U0DEV", "Dev Diaz", "America/Los_Angeles")
    return configure(db, clock, RITUALS, teams=TEAMS, lookup=lookup(slack))


def answer(driver, slack, user: str, texts: list[str]):
    """Press Answer on the member's latest prompt (or reminder) and send the modal."""
    prompt = next(m for m in reversed(slack.posted(user)) if "Answer" in json.dumps(m["blocks"]))
    button = next(e for b in prompt["blocks"] if b["type"] == "actions" for e in b["elements"])
    driver.action("standup_answer", button["value"], user=user, channel=None)
    view = slack.calls_to("views.open")[-1].body["view"]
    values = {f"q{i}": {"answer": typed_value(t)} for i, t in enumerate(texts)}
    resp = driver.view_submission(
        "standup_answer", values, user=user, private_metadata=view["private_metadata"]
    )
    assert resp.status == 200 and not resp.body
    return resp


def summary_blocks(slack) -> str:
    """The channel's one standup summary, as it reads now."""
    [message] = slack.posted(CHANNEL)
    return json.dumps(message["blocks"])


def status_line(slack) -> str:
    """The summary's last line: who is waited for, asked later, skipping or away."""
    [message] = slack.posted(CHANNEL)
    return message["blocks"][-1]["elements"][0]["text"]


def waiting_for(slack) -> str:
    """Whom the summary is still waiting for, as its last line says."""
    parts = [p for p in status_line(slack).split(" · ") if p.startswith("Waiting for: ")]
    return parts[0].removeprefix("Waiting for: ") if parts else ""


def test_a_member_west_of_the_team_is_asked_after_the_summary_and_their_answer_updates_it(
    team, scheduler, clock, slack, driver
):
    sent = tick_through(scheduler, clock, MONDAY, SUMMARY_AT + timedelta(hours=1), STEP)
    assert sent[SUMMARY_KEY] == [SUMMARY_AT]
    assert "standup:payments:U0DEV:2026-03-02" not in sent  # still night in Los Angeles
    # Only those already asked are waited for, by name (nobody is pinged); Dev comes later.
    assert waiting_for(slack) == "Ana Alves, Cho Chen"
    assert "Asked later today: Dev Diaz (18:30 CET)" in status_line(slack)
    assert "<@" not in status_line(slack)

    sent = tick_through(scheduler, clock, clock.now(), DEV_AT + timedelta(minutes=30), STEP)
    assert sent["standup:payments:U0DEV:2026-03-02"] == [DEV_AT]
    assert waiting_for(slack) == "Ana Alves, Cho Chen, Dev Diaz"  # asked now: waited for
    answer(driver, slack, "U0DEV", ["Fraud rules", "Chargebacks", ""])
    blocks = summary_blocks(slack)  # the same message, updated in place
    assert "Fraud rules" in blocks and waiting_for(slack) == "Ana Alves, Cho Chen"
    assert "later" not in status_line(slack)
    asked, answered = slack.calls_to("chat.update")
    assert asked.body["ts"] == answered.body["ts"] == slack.posted(CHANNEL)[0]["ts"]

    tick_through(scheduler, clock, clock.now(), utc(2026, 3, 3, 6), STEP)
    assert len(slack.posted(CHANNEL)) == 1  # nothing more that day


def test_an_answer_is_acknowledged_before_the_summary_is_updated_and_then_updates_it(
    team, scheduler, clock, slack, answer_driver
):
    tick_through(scheduler, clock, MONDAY, SUMMARY_AT + timedelta(minutes=15), STEP)
    assert waiting_for(slack) == "Ana Alves, Cho Chen"

    def send():
        return answer(answer_driver, slack, "U0ANA", ["Refunds", "Invoices", ""])

    # Slack holds its answer to chat.update until the modal submission has been answered.
    answered_while_held(slack, "chat.update", send, CHANNEL)
    answer_driver.drain()
    assert "Refunds" in summary_blocks(slack) and waiting_for(slack) == "Cho Chen"


def test_an_answer_before_the_summary_time_waits_for_the_summary_and_is_in_it(
    team, scheduler, clock, slack, driver
):
    tick_through(scheduler, clock, MONDAY, utc(2026, 3, 2, 1), STEP)  # Cho's 09:30 in Tokyo
    answer(driver, slack, "U0CHO", ["Payouts", "Reconciliation", "waiting on the bank"])
    assert slack.posted(CHANNEL) == []  # not before the team's time
    assert slack.calls_to("chat.update") == []

    sent = tick_through(scheduler, clock, clock.now(), SUMMARY_AT + timedelta(hours=1), STEP)
    assert sent[SUMMARY_KEY] == [SUMMARY_AT]
    blocks = summary_blocks(slack)
    assert "Payouts" in blocks and "waiting on the bank" in blocks
    assert waiting_for(slack) == "Ana Alves"


def test_when_the_summary_run_was_missed_the_first_answer_posts_it_and_the_scheduler_does_not(
    team, scheduler, clock, slack, driver, settings, capsys
):
    tick_through(scheduler, clock, MONDAY, utc(2026, 3, 2, 1), STEP)  # Cho is asked at 00:30
    # The worker is down from 01:00 until 10:00; the web app keeps answering. The summary's
    # time (08:30) passes with nobody to post it.
    clock.set(utc(2026, 3, 2, 9))
    answer(driver, slack, "U0CHO", ["Payouts", "Reconciliation", ""])
    assert "Payouts" in summary_blocks(slack)  # posted now, on the first answer
    assert waiting_for(slack) == "Ana Alves"
    clock.set(utc(2026, 3, 2, 9, 20))
    answer(driver, slack, "U0CHO", ["Payouts, and the ledger", "Reconciliation", ""])
    assert "Payouts, and the ledger" in summary_blocks(slack)  # updated, not posted again

    clock.set(utc(2026, 3, 2, 10))
    report = scheduler.tick()  # the worker is back and catches up on 01:00 to 10:00
    assert SUMMARY_KEY in report.already and SUMMARY_KEY not in report.sent
    assert "standup:payments:U0ANA:2026-03-02" in report.sent
    answer(driver, slack, "U0ANA", ["Refunds", "Invoices", ""])
    tick_through(scheduler, clock, clock.now(), DEV_AT + timedelta(hours=1), STEP)
    answer(driver, slack, "U0DEV", ["Fraud rules", "Chargebacks", ""])
    tick_through(scheduler, clock, clock.now(), utc(2026, 3, 3, 6), STEP)

    blocks = summary_blocks(slack)  # still exactly one summary, with everyone in it
    assert all(word in blocks for word in ("Payouts, and the ledger", "Refunds", "Fraud rules"))
    assert "Everyone has answered." in blocks

    run = build_parser().parse_args(["jobs", "run", "standup-summary", "--team", "payments"])
    clock.set(utc(2026, 3, 2, 20))
    assert run.func(Cli(settings, FEATURES, clock), run) == 0
    assert "already delivered: 1" in capsys.readouterr().out
    assert len(slack.posted(CHANNEL)) == 1


def test_a_standup_set_up_after_its_time_gets_its_summary_from_a_west_members_answer(
    team, scheduler, clock, slack, driver
):
    # The worker first runs at 10:00 UTC, after the team's 09:30: no summary today, but Dev's
    # prompt is still to come.
    sent = tick_through(scheduler, clock, utc(2026, 3, 2, 10), DEV_AT + timedelta(minutes=15), STEP)
    assert SUMMARY_KEY not in sent and slack.posted(CHANNEL) == []
    answer(driver, slack, "U0DEV", ["Fraud rules", "Chargebacks", ""])
    assert "Fraud rules" in summary_blocks(slack)
    assert waiting_for(slack) == "Ana Alves, Cho Chen"

    sent = tick_through(scheduler, clock, clock.now(), utc(2026, 3, 3, 9), STEP)
    assert SUMMARY_KEY not in sent
    assert sent["standup-summary:payments:2026-03-03"] == [utc(2026, 3, 3, 8, 30)]
    monday, tuesday = slack.posted(CHANNEL)
    assert "Mon 02 Mar" in monday["text"] and "Tue 03 Mar" in tuesday["text"]


def summary_post_fails(scheduler, clock, slack, driver, error: str):
    """Monday's summary post fails with `error` (Ana skips, so it is the only post at 08:30)."""
    tick_through(scheduler, clock, MONDAY, SUMMARY_AT - timedelta(minutes=15), STEP)
    driver.command("/standup", "skip", user="U0ANA")
    slack.fail("chat.postMessage", error)
    clock.set(SUMMARY_AT)
    return scheduler.tick()


def test_an_answer_while_the_summary_waits_for_a_retry_is_in_the_retried_post(
    team, scheduler, clock, slack, driver
):
    assert summary_post_fails(scheduler, clock, slack, driver, "internal_error").retrying == [
        SUMMARY_KEY
    ]
    clock.set(SUMMARY_AT + timedelta(seconds=30))
    answer(driver, slack, "U0CHO", ["Payouts", "Reconciliation", ""])
    assert slack.posted(CHANNEL) == []  # the engine owns the retry: no second post from here

    clock.set(SUMMARY_AT + timedelta(minutes=1))
    assert SUMMARY_KEY in scheduler.tick().sent
    tick_through(scheduler, clock, clock.now(), utc(2026, 3, 3, 6), STEP)
    assert "Payouts" in summary_blocks(slack)


def test_a_summary_that_failed_for_good_is_posted_by_the_next_answer(
    team, scheduler, clock, slack, driver
):
    assert summary_post_fails(scheduler, clock, slack, driver, "not_in_channel").failed == [
        SUMMARY_KEY
    ]
    assert [m["text"].startswith(":warning:") for m in slack.posted("U0LEAD")] == [True]

    # Someone invites the bot; Dev answers in the afternoon.
    tick_through(scheduler, clock, clock.now(), DEV_AT + timedelta(minutes=15), STEP)
    answer(driver, slack, "U0DEV", ["Fraud rules", "Chargebacks", ""])
    assert "Fraud rules" in summary_blocks(slack)
    tick_through(scheduler, clock, clock.now(), utc(2026, 3, 3, 6), STEP)
    assert len(slack.posted(CHANNEL)) == 1 and len(slack.posted("U0LEAD")) == 1


def test_an_answer_that_arrives_while_the_summary_is_being_posted_is_in_it(
    team, scheduler, clock, slack, driver
):
    tick_through(scheduler, clock, MONDAY, SUMMARY_AT - timedelta(minutes=15), STEP)
    driver.command("/standup", "skip", user="U0ANA")  # the summary is the only post at 08:30
    release = slack.pause("chat.postMessage", CHANNEL)
    posts = len(slack.calls_to("chat.postMessage"))
    clock.set(SUMMARY_AT)
    worker = threading.Thread(target=scheduler.tick)
    worker.start()
    # The summary, read before Cho's answer, is on its way to Slack when Cho answers.
    assert len(slack.wait_for_calls("chat.postMessage", count=posts + 1)) == posts + 1
    answer(driver, slack, "U0CHO", ["Payouts", "Reconciliation", ""])
    release.set()
    worker.join(timeout=30)

    assert "Payouts" in summary_blocks(slack)
    assert status_line(slack) == (
        "Asked later today: Dev Diaz (18:30 CET) · Skipping today: Ana Alves"
    )
    clock.set(SUMMARY_AT + timedelta(minutes=5))
    scheduler.tick()
    assert len(slack.posted(CHANNEL)) == 1


@pytest.mark.parametrize(
    ("day", "answer_at", "posted_by_the_answer"),
    [
        # Berlin springs forward on Sun 29 Mar: the team's 09:30 is 07:30 UTC, no longer 08:30.
        (utc(2026, 3, 29), utc(2026, 3, 29, 7, 45), True),
        # Berlin falls back on Sun 25 Oct: 09:30 is 08:30 UTC again; 07:45 UTC is 08:45 there.
        (utc(2026, 10, 25), utc(2026, 10, 25, 7, 45), False),
    ],
)
def test_whether_the_summary_is_due_follows_the_teams_clock_across_dst(
    db, clock, slack, driver, scheduler, day, answer_at, posted_by_the_answer
):
    slack.add_user("U0DEV", "Dev Diaz", "America/Los_Angeles")
    configure(
        db,
        clock,
        RITUALS + "    days: mon-sun\npeople:\n  - id: U0CHO\n    work_days: daily\n",
        teams=TEAMS,
        lookup=lookup(slack),
    )
    tick_through(scheduler, clock, day, day + timedelta(hours=1), STEP)  # Cho is asked
    clock.set(answer_at)  # the worker has been down since 01:00
    answer(driver, slack, "U0CHO", ["Payouts", "Reconciliation", ""])
    assert bool(slack.posted(CHANNEL)) == posted_by_the_answer

    clock.set(answer_at + timedelta(hours=2))
    report = scheduler.tick()  # the worker is back
    key = f"standup-summary:payments:{day:%Y-%m-%d}"
    assert (key in report.already) == posted_by_the_answer
    assert (key in report.sent) != posted_by_the_answer
    assert "Payouts" in summary_blocks(slack)


def test_answers_are_words_in_the_channel(team, scheduler, clock, slack, driver):
    """A form's text comes unescaped: `R&D` is escaped once, and `<!channel>` or a link typed in
    an answer doesn't ping or link from the team's channel."""
    tick_through(scheduler, clock, MONDAY, SUMMARY_AT + timedelta(minutes=15), STEP)
    answer(driver, slack, "U0ANA", ["<!channel> R&D <b>", "see https://evil.example/pr", ""])
    [message] = slack.posted(CHANNEL)
    [ana] = [b["text"]["text"] for b in message["blocks"] if "Ana Alves" in json.dumps(b)]
    assert "@channel R&amp;D &lt;b&gt;" in ana and "see `evil.example/pr`" in ana
    assert "<!" not in json.dumps(slack.calls_to("chat.update")[-1].body)


def test_a_summary_with_no_answers_says_so(team, scheduler, clock, slack):
    """With no answers the summary was a header and a rule."""
    tick_through(scheduler, clock, MONDAY, SUMMARY_AT + timedelta(minutes=15), STEP)
    [message] = slack.posted(CHANNEL)
    kinds = [b["type"] for b in message["blocks"]]
    assert kinds == ["header", "section", "divider", "context"]
    assert message["blocks"][1]["text"]["text"] == "Nobody has answered yet."
