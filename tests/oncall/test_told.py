"""Whoever a change puts on or takes off call hears of it, in a DM with the times in their own
zone: overrides and their removal, cover taken or cancelled, and a cover request nobody takes is
followed up before it starts (the channel 24 hours before, the leads 2 hours before)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.jobs.engine import DeliveryEngine
from handlers.oncall import jobs as oncall_jobs
from handlers.oncall.blocks import COVER_ACCEPT, COVER_CANCEL
from models import CoverRequest
from tests.factories import make_rotation, utc

ONCALL_CHANNEL = "C0PAYONCALL"


@pytest.fixture
def rotation(db):
    """payments-primary: Mondays 10:00 Berlin from Mon 2 Mar 2026 (the clock's now): Ana, Ben,
    Cho; Ana's week first. Lea leads the team."""
    rot = make_rotation(db)
    db.commit()
    return rot


def dms(slack, uid: str) -> list[str]:
    return [m["text"] for m in slack.posted(uid)]


def test_an_override_tells_whoever_it_puts_on_and_whoever_it_takes_off(driver, slack, rotation):
    made = driver.command(
        "/oncall", "override payments-primary <@U0BEN> tomorrow 9am to 17:00 dentist", user="U0LEAD"
    )
    assert made.text == "<@U0BEN> is on call in *payments-primary* Tue 03 Mar 09:00 – 17:00 CET."
    # Ben, in New York, hears of it in his zone; Ana, whose week it is, that she is off then.
    assert dms(slack, "U0BEN") == [
        ":calendar: <@U0LEAD> put you on call in *payments-primary* (dentist).\n"
        "You're on call: Tue 03 Mar 03:00 – 11:00 EST"
    ]
    assert dms(slack, "U0ANA") == [
        ":calendar: <@U0LEAD> put <@U0BEN> on call in *payments-primary* (dentist).\n"
        "You're off call: Tue 03 Mar 09:00 – 17:00 CET"
    ]
    assert dms(slack, "U0LEAD") == [] and dms(slack, "U0CHO") == []


def test_whoever_makes_an_override_is_not_told_what_they_did(driver, slack, rotation):
    # Ben hands part of his own week (9-16 Mar) to Cho: he knows, she is told.
    made = driver.command(
        "/oncall", "override payments-primary <@U0CHO> 2026-03-10 09:00 to 12:00", user="U0BEN"
    )
    assert made.text.startswith("<@U0CHO> is on call"), made.text
    assert dms(slack, "U0BEN") == []
    assert dms(slack, "U0CHO") == [
        ":calendar: <@U0BEN> put you on call in *payments-primary*.\n"
        "You're on call: Tue 10 Mar 22:00 – Wed 11 Mar 01:00 JST"
    ]


def remove_button(driver, user: str) -> str:
    listed = driver.command("/oncall", "overrides payments-primary", user=user)
    return next(b["accessory"]["value"] for b in listed.json["blocks"] if b.get("accessory"))


def test_removing_an_override_tells_who_it_took_on_and_who_is_back_on(driver, slack, rotation):
    driver.command(
        "/oncall", "override payments-primary <@U0CHO> tomorrow 09:00 to 18:00", user="U0LEAD"
    )
    slack.reset()
    driver.action("oncall_override_remove", remove_button(driver, "U0LEAD"), user="U0LEAD")
    assert dms(slack, "U0CHO") == [
        ":calendar: <@U0LEAD> removed your override in *payments-primary*.\n"
        "You're off call: Tue 03 Mar 17:00 – Wed 04 Mar 02:00 JST"
    ]
    assert dms(slack, "U0ANA") == [
        ":calendar: <@U0LEAD> removed <@U0CHO>'s override in *payments-primary*.\n"
        "You're on call: Tue 03 Mar 09:00 – 18:00 CET"
    ]
    assert dms(slack, "U0LEAD") == []


def ask_cover(driver, db, text: str, user: str = "U0ANA") -> CoverRequest:
    resp = driver.command("/oncall", f"cover {text}", user=user)
    assert f"I'm asking for cover in <#{ONCALL_CHANNEL}>" in resp.text, resp.text
    db.expire_all()
    return db.scalars(select(CoverRequest).order_by(CoverRequest.id.desc())).first()


def press(driver, action: str, request: CoverRequest, user: str):
    message = {"type": "message", "ts": request.message_ts, "text": "", "blocks": []}
    return driver.action(
        action, str(request.id), user=user, channel=ONCALL_CHANNEL, message=message
    )


def test_cover_taken_tells_whose_shift_it_was_and_who_asked(driver, slack, db, rotation):
    request = ask_cover(
        driver, db, "payments-primary tomorrow 09:00 to 18:00 for <@U0ANA>", user="U0LEAD"
    )
    # Asked on her behalf, Ana hears that her shift is up for cover.
    assert dms(slack, "U0ANA") == [
        f":sos: <@U0LEAD> asked <#{ONCALL_CHANNEL}> to cover your shift in *payments-primary*, "
        "Tue 03 Mar 09:00 – 18:00 CET: the first to press *I'll cover* takes it. Until then it "
        "is yours."
    ]
    press(driver, COVER_ACCEPT, request, "U0CHO")
    assert dms(slack, "U0ANA")[-1] == (
        ":white_check_mark: <@U0CHO> covers your shift in *payments-primary*, "
        "Tue 03 Mar 09:00 – 18:00 CET."
    )
    assert dms(slack, "U0LEAD") == [
        ":white_check_mark: <@U0CHO> covers <@U0ANA>' shift in *payments-primary*, "
        "Tue 03 Mar 09:00 – 18:00 CET."
    ]
    assert dms(slack, "U0CHO") == []


def test_cover_taken_tells_the_asker_in_their_zone(driver, slack, db, rotation, clock):
    clock.set(utc(2026, 3, 9, 12))  # Ben's week
    request = ask_cover(driver, db, "payments-primary 2026-03-10 09:00 to 12:00", user="U0BEN")
    assert dms(slack, "U0BEN") == []  # he asked himself: his answer said so
    press(driver, COVER_ACCEPT, request, "U0ANA")
    assert dms(slack, "U0BEN") == [
        ":white_check_mark: <@U0ANA> covers your shift in *payments-primary*, "
        "Tue 10 Mar 09:00 – 12:00 EDT."
    ]


def test_a_cover_request_cancelled_by_a_lead_tells_whose_shift_it_is(driver, slack, db, rotation):
    request = ask_cover(driver, db, "payments-primary tomorrow 09:00 to 18:00")
    press(driver, COVER_CANCEL, request, "U0LEAD")
    assert dms(slack, "U0ANA") == [
        ":no_entry_sign: <@U0LEAD> cancelled the request for cover of your shift in "
        "*payments-primary*, Tue 03 Mar 09:00 – 18:00 CET: it is still yours."
    ]


# -- a cover request nobody takes is followed up --------------------------------------------


@pytest.fixture
def reminders(deps) -> DeliveryEngine:
    return DeliveryEngine.from_deps(deps, jobs=[oncall_jobs.CoverReminderJob()])


def run_to(engine: DeliveryEngine, clock, until, step=timedelta(minutes=30)) -> list[str]:
    sent = []
    while clock.now() < until:
        clock.advance(step)
        sent += engine.tick().sent
    return sent


def test_an_untaken_cover_request_reminds_the_channel_then_the_leads(
    driver, slack, db, rotation, clock, reminders
):
    reminders.tick()
    # Asked on Monday for Wednesday 09:00-18:00 Berlin (08:00 UTC).
    request = ask_cover(driver, db, "payments-primary wednesday 09:00 to 18:00 offsite")
    asked = slack.posted(ONCALL_CHANNEL)[-1]
    assert run_to(reminders, clock, utc(2026, 3, 3, 7, 30)) == []
    assert run_to(reminders, clock, utc(2026, 3, 3, 8)) == [f"cover-reminder:{request.id}:channel"]
    [again] = slack.posted(ONCALL_CHANNEL)[1:]
    assert again["thread_ts"] == asked["ts"]
    assert again["text"] == (
        ":sos: Still needed: <@U0ANA>' shift in *payments-primary*, Wed 04 Mar 09:00 – "
        "18:00 CET (it starts in 24 hours). Press *I'll cover* on the request to take it."
    )
    assert slack.calls_to("chat.postMessage")[-1].body.get("reply_broadcast") is True
    assert run_to(reminders, clock, utc(2026, 3, 4, 5, 30)) == []
    assert run_to(reminders, clock, utc(2026, 3, 4, 6)) == [f"cover-reminder:{request.id}:leads"]
    assert dms(slack, "U0LEAD") == [
        ":sos: Nobody has taken <@U0ANA>' cover request in *payments-primary* yet: Wed 04 Mar "
        "09:00 – 18:00 CET, starting in 2 hours. Take it in "
        f"<#{ONCALL_CHANNEL}>, or put someone on with `/oncall override payments-primary "
        "@someone ...`."
    ]
    assert dms(slack, "U0ANA") == [
        ":sos: Nobody has taken your cover request in *payments-primary* yet (Wed 04 Mar "
        "09:00 – 18:00 CET, starting in 2 hours): it is still yours. I told <@U0LEAD>."
    ]
    assert run_to(reminders, clock, utc(2026, 3, 4, 20)) == []  # nothing after it starts


def test_a_cover_request_taken_or_asked_late_is_not_reminded_for_nothing(
    driver, slack, db, rotation, clock, reminders
):
    reminders.tick()
    taken = ask_cover(driver, db, "payments-primary wednesday 09:00 to 18:00")
    press(driver, COVER_ACCEPT, taken, "U0BEN")
    assert run_to(reminders, clock, utc(2026, 3, 4, 9)) == []
    # Asked three hours before it starts: the channel has just seen it, the leads hear 2 h before.
    clock.set(utc(2026, 3, 5, 5))
    reminders.tick()
    late = ask_cover(driver, db, "payments-primary 2026-03-05 09:00 to 12:00")
    assert run_to(reminders, clock, utc(2026, 3, 5, 9)) == [f"cover-reminder:{late.id}:leads"]
    # Asked an hour before: the leads hear half-way there.
    clock.set(utc(2026, 3, 6, 7))
    reminders.tick()
    later = ask_cover(driver, db, "payments-primary 2026-03-06 09:00 to 12:00")
    sent = []
    while clock.now() < utc(2026, 3, 6, 8):
        clock.advance(timedelta(minutes=10))
        sent += [(clock.now(), key) for key in reminders.tick().sent]
    assert sent == [(utc(2026, 3, 6, 7, 30), f"cover-reminder:{later.id}:leads")]


def test_out_and_back_tell_everyone_whose_shifts_moved(driver, slack, db, rotation):
    asked = driver.command("/oncall", "out payments-primary <@U0BEN>", user="U0LEAD")
    assert slack.posted() == []  # nothing happens, and nobody hears, until it is confirmed
    confirm = next(b for b in asked.json["blocks"] if b["type"] == "actions")["elements"][0]
    driver.action(confirm["action_id"], confirm["value"], user="U0LEAD")
    note = "_Over the next 6 weeks; `/oncall me` shows all your shifts._"
    assert dms(slack, "U0BEN") == [
        ":calendar: <@U0LEAD> took you out of *payments-primary*.\n"
        "You're off call: Mon 09 Mar 05:00 – Mon 16 Mar 05:00 EDT · "
        f"Mon 30 Mar 04:00 – Mon 06 Apr 04:00 EDT\n{note}"
    ]
    assert dms(slack, "U0CHO") == [
        ":calendar: <@U0LEAD> took <@U0BEN> out of *payments-primary*.\n"
        f"You're on call: Mon 09 Mar 18:00 – Mon 16 Mar 18:00 JST\n{note}"
    ]
    assert dms(slack, "U0ANA") == [
        ":calendar: <@U0LEAD> took <@U0BEN> out of *payments-primary*.\n"
        f"You're on call: Mon 30 Mar 10:00 – Mon 06 Apr 10:00 CEST\n{note}"
    ]
    slack.reset()
    driver.command("/oncall", "back payments-primary <@U0BEN>", user="U0LEAD")
    assert dms(slack, "U0BEN") == [
        ":calendar: <@U0LEAD> put you back in *payments-primary*.\n"
        "You're on call: Mon 09 Mar 05:00 – Mon 16 Mar 05:00 EDT · "
        f"Mon 30 Mar 04:00 – Mon 06 Apr 04:00 EDT\n{note}"
    ]
    assert dms(slack, "U0CHO")[0].endswith(
        "You're off call: Mon 09 Mar 18:00 – Mon 16 Mar 18:00 JST\n" + note
    )
    assert len(dms(slack, "U0ANA")) == 1 and dms(slack, "U0LEAD") == []


def test_changing_or_creating_a_rotation_tells_everyone_their_shifts(driver, slack, rotation):
    driver.command(
        "/oncall", "set payments-primary members=<@U0ANA> <@U0CHO> <@U0BEN>", user="U0LEAD"
    )
    # From the next handoff: Ana's week, then Cho, Ben, Ana... (Ben's and Cho's weeks swap).
    note = "_Over the next 6 weeks; `/oncall me` shows all your shifts._"
    assert dms(slack, "U0CHO") == [
        ":calendar: <@U0LEAD> changed *payments-primary*.\n"
        "Your shifts: Mon 09 Mar 18:00 – Mon 16 Mar 18:00 JST · "
        f"Mon 30 Mar 17:00 – Mon 06 Apr 17:00 JST\n{note}"
    ]
    assert dms(slack, "U0BEN")[0].startswith(
        ":calendar: <@U0LEAD> changed *payments-primary*.\nYour shifts: Mon 16 Mar 05:00 – "
    )
    assert dms(slack, "U0ANA") == []  # her weeks stay hers
    slack.reset()
    driver.command(
        "/oncall",
        "set payments-nights team=payments handoff=22:00 every=1d start=2026-03-05 "
        "members=<@U0CHO>",
        user="U0LEAD",
    )
    [made] = dms(slack, "U0CHO")
    assert made.startswith(
        ":calendar: <@U0LEAD> created *payments-nights*.\nYour shifts: Fri 06 Mar 06:00 – "
    )
