"""Changing a rotation from Slack, through really signed requests: changes count from the next
handoff, someone out only gives up their own shifts, and nobody is on call before the start
(no shifts, no handoff posts, no reminders, no on-call hours)."""

from __future__ import annotations

import re

import pytest

from bot.jobs.engine import DeliveryEngine
from handlers.oncall.jobs import HandoffJob, HandoffReminderJob
from tests.factories import make_rotation, oncall_team, utc

WED = utc(2026, 3, 11, 12)  # Ben's week (9-16 Mar) in payments-primary


@pytest.fixture
def rotation(db):
    """payments-primary: Mondays 10:00 Berlin from Mon 2 Mar 2026: Ana, Ben, Cho."""
    rot = make_rotation(db)
    db.commit()
    return rot


def schedule(driver, weeks: int = 6, user: str = "U0LEAD") -> list[str]:
    """`/oncall schedule` as (start, who) pairs, in the lead's zone (Berlin)."""
    text = driver.command("/oncall", f"schedule payments-primary {weeks}w", user=user).text
    return [
        (m.group(1), m.group(2))
        for m in re.finditer(r"`(\w{3} \d\d \w{3} \d\d:\d\d)(?: [A-Z]+)? – [^`]*` <@(\w+)>", text)
    ]


def test_a_longer_shift_counts_from_the_next_handoff(driver, clock, rotation):
    clock.set(WED)
    reply = driver.command("/oncall", "set payments-primary every=2w", user="U0LEAD")
    assert reply.text == (
        "Changed *payments-primary* (payments): monday 10:00 every 2w, Europe/Berlin. This "
        "applies from Mon 16 Mar 10:00 CET; the shifts until then stay as they were.\n"
        "*payments-primary*: <@U0BEN> until Mon 16 Mar 10:00 CET · next <@U0CHO>"
    )
    assert schedule(driver) == [
        ("Mon 09 Mar 10:00", "U0BEN"),
        ("Mon 16 Mar 10:00", "U0CHO"),
        ("Mon 30 Mar 10:00", "U0ANA"),
        ("Mon 13 Apr 10:00", "U0BEN"),
    ]
    before = driver.command("/oncall", "payments-primary at 2026-03-04 12:00", user="U0LEAD")
    assert "*payments-primary*: <@U0ANA> until Mon 09 Mar 10:00 CET" in before.text
    other = driver.command("/oncall", "set payments-primary reminder_hours=2", user="U0LEAD")
    assert "applies from" not in other.text  # not a change of who is on call when
    assert len(schedule(driver)) == 4


def test_new_members_and_a_new_handoff_day_keep_the_current_shift(driver, clock, rotation):
    clock.set(WED)
    driver.command(
        "/oncall", "set payments-primary members=<@U0CHO> <@U0BEN> <@U0ANA>", user="U0LEAD"
    )
    assert schedule(driver, 3) == [
        ("Mon 09 Mar 10:00", "U0BEN"),
        ("Mon 16 Mar 10:00", "U0ANA"),  # after Ben in the new order
        ("Mon 23 Mar 10:00", "U0CHO"),
        ("Mon 30 Mar 10:00", "U0BEN"),
    ]
    reply = driver.command("/oncall", "set payments-primary handoff=tuesday 10:00", user="U0LEAD")
    assert "This applies from Mon 16 Mar 10:00 CET" in reply.text
    assert schedule(driver, 3) == [
        ("Mon 09 Mar 10:00", "U0BEN"),
        ("Mon 16 Mar 10:00", "U0ANA"),  # to Tue 24 Mar: no one-day shift on Tue 17 Mar
        ("Tue 24 Mar 10:00", "U0CHO"),
        ("Tue 31 Mar 10:00", "U0BEN"),
    ]


def test_out_fills_only_their_shifts_and_back_resumes_from_the_next_handoff(
    driver, clock, rotation
):
    before = schedule(driver, 5)
    assert [uid for _, uid in before] == ["U0ANA", "U0BEN", "U0CHO"] * 2
    asked = driver.command("/oncall", "out payments-primary <@U0BEN>", user="U0LEAD")
    assert "• leaves <@U0CHO> on call 2 weeks straight" in asked.text  # so it waits for Confirm
    confirm(driver, asked)
    during = schedule(driver, 5)
    assert [start for start, _ in during] == [start for start, _ in before]
    assert [uid for _, uid in during] == ["U0ANA", "U0CHO", "U0CHO", "U0ANA", "U0ANA", "U0CHO"]
    clock.set(utc(2026, 3, 18, 12))  # Cho's own week
    back = driver.command("/oncall", "back payments-primary <@U0BEN>", user="U0LEAD")
    assert "from the next handoff (Mon 23 Mar 10:00 CET)" in back.text
    assert [uid for _, uid in schedule(driver, 3)] == ["U0CHO", "U0ANA", "U0BEN", "U0CHO"]
    clock.set(utc(2026, 3, 30, 12))
    past = driver.command("/oncall", "payments-primary at 2026-03-10 12:00", user="U0LEAD")
    # history stays as it was: Cho covered Ben's week, then had her own
    assert "<@U0CHO> until Mon 23 Mar 10:00 CET · next <@U0ANA>" in past.text


def confirm(driver, asked) -> None:
    """Press Confirm on a change that waits for it (`tests/oncall/test_guard_rails.py`)."""
    button = next(b for b in asked.json["blocks"] if b["type"] == "actions")["elements"][0]
    assert button["text"]["text"] == "Confirm"
    driver.action(button["action_id"], button["value"], user="U0LEAD")


def test_a_start_that_has_passed_cannot_be_moved_back(driver, clock, rotation):
    clock.set(WED)
    moved = driver.command("/oncall", "set payments-primary start=2026-03-09", user="U0LEAD")
    assert "`start` 2026-03-09 has passed and payments-primary has been running since" in moved.text
    assert "Usage: /oncall set" in moved.text


def nights(driver) -> str:
    return driver.command(
        "/oncall",
        "set payments-nights team=payments handoff=22:00 every=1d start=2026-03-05 "
        "members=<@U0BEN>,<@U0CHO> channel=<#C0NIGHTS|nights>",
        user="U0LEAD",
    ).text


def test_before_its_start_a_rotation_has_nobody_on_call(driver, db):
    oncall_team(db)
    db.commit()
    made = nights(driver)
    assert "It starts Thu 05 Mar 22:00 CET; nobody is on call before." in made
    assert "*payments-nights*: _nobody_ until Thu 05 Mar 22:00 CET · next <@U0BEN>" in made
    quiet = driver.command("/oncall", "schedule payments-nights 1w", user="U0LEAD")
    assert "`Thu 05 Mar 22:00 – Fri 06 Mar 22:00 CET` <@U0BEN>" in quiet.text
    assert "Mar 04" not in quiet.text and "Mar 03" not in quiet.text
    early = driver.command(
        "/oncall", "override payments-nights <@U0CHO> 2026-03-03 22:00 to 2026-03-04 22:00"
    )
    assert "payments-nights starts Thu 05 Mar 22:00 CET; nobody is on call in it before" in (
        early.text
    )
    assert "/oncall override" in early.text


def test_no_handoff_posts_or_reminders_before_the_start(driver, db, deps, clock, slack):
    oncall_team(db)
    db.commit()
    nights(driver)
    engine = DeliveryEngine.from_deps(deps, jobs=[HandoffJob(), HandoffReminderJob()])
    engine.tick()
    for day in (2, 3):  # the rule's 22:00 handoffs before the start, and their reminders
        clock.set(utc(2026, 3, day, 21, 30))
        assert engine.tick().sent == []
    clock.set(utc(2026, 3, 4, 21, 30))  # the day before: only the first shift's reminder
    (sent,) = engine.tick().sent
    assert sent.startswith("handoff-reminder:")
    assert slack.posted("C0NIGHTS") == []
    assert "you're on call in *payments-nights* in 24 hours" in slack.posted("U0BEN")[-1]["text"]
    clock.set(utc(2026, 3, 5, 21, 30))
    assert [k.split(":")[0] for k in engine.tick().sent] == ["handoff", "handoff-reminder"]
    (post,) = slack.posted("C0NIGHTS")
    assert post["text"] == (
        ":pager: *payments-nights* starts: <@U0BEN> is on call until Fri 06 Mar 22:00 CET."
    )


def hours(text: str, uid: str) -> int | None:
    found = re.search(rf"<@{uid}>: [^\n]* · on call (\d+) h", text)
    return int(found.group(1)) if found else None


def test_on_call_hours_count_from_the_start_once_per_person_and_by_the_rule_then(
    driver, clock, rotation
):
    driver.command(  # Ben is also on call in a backup rotation, all the time
        "/oncall",
        "set payments-backup team=payments handoff=monday 10:00 every=1w start=2026-03-02 "
        "members=<@U0BEN>",
        user="U0LEAD",
    )
    clock.set(utc(2026, 3, 4))
    nights(driver)  # Cho, from Thu 5 Mar 22:00 Berlin
    clock.set(WED)  # Ben's week in payments-primary; then he leaves it
    driver.command("/oncall", "set payments-primary members=<@U0CHO> <@U0ANA>", user="U0LEAD")
    clock.set(utc(2026, 3, 16, 9))
    week = driver.command("/oncall", "load payments 7d", user="U0LEAD").text
    # 9-16 Mar was Ben's week in payments-primary (he left it since), he was on call in
    # payments-backup all week and on every other night: the week counts once
    assert hours(week, "U0BEN") == 168
    assert hours(week, "U0ANA") is None
    assert hours(week, "U0CHO") == 12 + 3 * 24  # her nights: the end of 8 Mar's, 10, 12, 14
    month = driver.command("/oncall", "load payments 30d", user="U0LEAD").text
    assert hours(month, "U0BEN") == 14 * 24  # since the start, Mon 2 Mar 10:00; nothing before


@pytest.mark.parametrize("hours", ["²", "99999999999999999999", "-1", "٣"])
def test_reminder_hours_take_a_plain_number_and_nothing_changes_otherwise(
    driver, db, rotation, hours
):
    """`"²".isdigit()` is true but `int("²")` fails: it was "something went wrong"."""
    db.expire_all()
    version = rotation.schedule_version
    reply = driver.command("/oncall", f"set payments-primary reminder_hours={hours}", user="U0LEAD")
    assert reply.text.startswith(
        "`reminder_hours=` takes a number of hours from 0 (none) to 168, like 24."
    )
    assert "Usage: /oncall set <rotation>" in reply.text
    db.expire_all()
    assert (rotation.reminder_hours, rotation.schedule_version) == (24, version)


@pytest.mark.parametrize("weeks", ["²", "٣w", "99999999999999999999w", "0w", "27"])
def test_a_schedule_takes_a_plain_number_of_weeks(driver, rotation, weeks):
    reply = driver.command("/oncall", f"schedule payments-primary {weeks}", user="U0LEAD")
    assert reply.text.startswith("Give a number of weeks from 1 to 26, like `6w`.")


@pytest.mark.parametrize(
    ("start", "refusal"),
    [
        ("9999-12-27", "`9999-12-27` is too far off: give a date from 1970 to 2200."),
        ("2026-02-30", "`2026-02-30` is not a date like `2026-03-09`, `tomorrow`"),
    ],
)
def test_a_start_that_is_no_date_or_far_off_is_refused(driver, db, rotation, start, refusal):
    """A Monday in 9999 was taken: its handoffs ran past the last date there is."""
    db.expire_all()
    version = rotation.schedule_version
    reply = driver.command("/oncall", f"set payments-primary start={start}", user="U0LEAD")
    assert reply.text.startswith(refusal) and "\nUsage: /oncall set <rotation>" in reply.text
    db.expire_all()
    assert (str(rotation.anchor), rotation.schedule_version) == ("2026-03-02", version)


def test_a_rotations_start_is_a_date_as_people_say_it(driver, db, clock):
    """`start=` took only 2026-03-09; `start=next monday` said "isn't a rotation field"."""
    oncall_team(db)
    db.commit()
    made = driver.command(
        "/oncall",
        "set nights team=payments handoff=monday 22:00 every=1w start=next monday members=<@U0BEN>",
        user="U0LEAD",
    )
    assert "It starts Mon 09 Mar 22:00 CET; nobody is on call before." in made.text, made.text
    bad = driver.command("/oncall", "set nights start=someday", user="U0LEAD")
    assert "`someday` is not a date" in bad.text and "Usage: /oncall set" in bad.text
