"""`/oncall` through really signed requests: lookups, schedules, overrides, cover requests."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import func, select

from handlers.oncall.blocks import COVER_ACCEPT, COVER_CANCEL
from models import AuditEntry, CoverRequest, Override
from models.oncall.rotations import Rotation
from models.oncall.shifts import on_call_at
from tests.factories import audit_entries, make_rotation, utc

ONCALL_CHANNEL = "C0PAYONCALL"


@pytest.fixture
def rotation(db):
    """payments-primary: Mondays 10:00 Berlin from Mon 2 Mar 2026 (the clock's now): Ana, Ben,
    Cho."""
    rot = make_rotation(db)
    db.commit()
    return rot


def count(db, model) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model))


def who(db, rotation, at) -> str:
    db.expire_all()
    return on_call_at(db, rotation, at).slack_user_id


def test_bare_oncall_shows_the_channels_rotations_now_until_and_next(driver, rotation):
    resp = driver.command("/oncall", "")
    assert resp.json["response_type"] == "ephemeral"
    assert "*payments-primary*: <@U0ANA> until Mon 09 Mar 10:00 CET · next <@U0BEN>" in resp.text


def test_the_answer_moves_on_at_each_handoff_as_time_passes(driver, rotation, clock):
    """The process keeps the timeline and its last answer: a later time in the same shift
    gets that answer, a time past the handoff the next one, on the same day and the next."""
    lines = []
    for at in (
        utc(2026, 3, 9, 8, 59),
        utc(2026, 3, 9, 8, 59, 59),
        utc(2026, 3, 9, 9),
        utc(2026, 3, 16, 9),
    ):
        clock.set(at)
        lines.append(driver.command("/oncall", "payments-primary").text.splitlines()[1])
    assert lines == [
        "*payments-primary*: <@U0ANA> until Mon 09 Mar 10:00 CET · next <@U0BEN>",
        "*payments-primary*: <@U0ANA> until Mon 09 Mar 10:00 CET · next <@U0BEN>",
        "*payments-primary*: <@U0BEN> until Mon 16 Mar 10:00 CET · next <@U0CHO>",
        "*payments-primary*: <@U0CHO> until Mon 23 Mar 10:00 CET · next <@U0ANA>",
    ]


def test_lookup_at_a_time_in_the_askers_zone(driver, rotation):
    # Ben is in New York: 12:00 EDT on Tue 10 Mar is 16:00 UTC, in shift 1 (Ben's)
    resp = driver.command("/oncall", "payments-primary at 2026-03-10 12:00", user="U0BEN")
    assert "On call at Tue 10 Mar 12:00 EDT" in resp.text
    assert "<@U0BEN> until Mon 16 Mar 05:00 EDT · next <@U0CHO>" in resp.text
    team = driver.command("/oncall", "payments at tomorrow 09:00")
    assert "*payments-primary*: <@U0ANA>" in team.text


@pytest.mark.parametrize(
    ("text", "user", "expected"),
    [
        # Now is Monday 10:00 in Ana's Berlin, 04:00 in Ben's New York; Ben's week is next. A
        # day is its handoff (Mondays 10:00 Berlin) or else its start, in the asker's zone.
        (
            "at friday",
            "U0ANA",
            "On call at the start of Fri 06 Mar (00:00 CET):\n*payments-primary*: <@U0ANA>",
        ),
        ("payments-primary at tomorrow", "U0ANA", "On call at the start of Tue 03 Mar (00:00 CET)"),
        ("at friday 3pm", "U0ANA", "On call at Fri 06 Mar 15:00 CET"),
        (
            "payments at 2026-03-10",
            "U0BEN",
            "On call at the start of Tue 10 Mar (00:00 EDT):\n*payments-primary*: <@U0BEN>",
        ),
        ("at next monday", "U0BEN", "On call at the handoff on Mon 09 Mar (05:00 EDT)"),
        ("at friday lunch", "U0ANA", "I don't know what to do with `lunch`."),
        ("at friday 25:00", "U0ANA", "`friday 25:00` is not a time I understand"),
    ],
)
def test_lookup_on_a_day_is_its_handoff_or_its_start(driver, rotation, text, user, expected):
    assert expected in driver.command("/oncall", text, user=user).text


def test_unknown_rotation_suggests_and_bad_time_explains(driver, rotation):
    resp = driver.command("/oncall", "paymnts-primary")
    assert "There is no rotation called `paymnts-primary`" in resp.text
    assert "Did you mean `payments-primary`?" in resp.text
    bad = driver.command("/oncall", "payments-primary at noonish")
    assert "`noonish` is not a time I understand" in bad.text


def test_a_range_of_days_without_times_asks_for_the_times(driver, rotation):
    """`friday to saturday` answered "`friday to` is not a time I understand"."""
    days = driver.command("/oncall", "override payments-primary <@U0CHO> friday to saturday")
    assert "`friday` needs a time of day too, like `friday 18:00`." in days.text
    assert "Usage: /oncall override <rotation>" in days.text
    cover = driver.command("/oncall", "cover payments-primary tomorrow to friday", user="U0ANA")
    assert "`tomorrow` needs a time of day too, like `tomorrow 18:00`." in cover.text
    unknown = driver.command("/oncall", "override payments-primary <@U0CHO> yesterday to today")
    assert "`yesterday` is not a time I understand" in unknown.text


@pytest.mark.parametrize(
    ("text", "extra", "usage"),
    [
        # These answered "Which rotation?" or "Say which rotation and who." though both were said.
        ("schedule payments-primary 2w please", "please", "/oncall schedule [<rotation>] [<N>w]"),
        (
            "out payments-primary <@U0BEN> today",
            "today",
            "/oncall out <rotation> <@user> [until <date>]",
        ),
        ("back payments-primary <@U0BEN> today", "today", "/oncall back <rotation> <@user>"),
        # These answered as if the extra words weren't there.
        ("overrides payments-primary next week", "next week", "/oncall overrides [<rotation>]"),
        ("me tomorrow", "tomorrow", "/oncall me"),
        ("calendar now", "now", "/oncall calendar"),
    ],
)
def test_words_a_subcommand_does_not_take_are_named(driver, rotation, text, extra, usage):
    answer = driver.command("/oncall", text, user="U0LEAD").text
    assert answer == f"I don't know what to do with `{extra}`.\nUsage: {usage}"


def test_me_lists_my_next_shifts(driver, rotation):
    resp = driver.command("/oncall", "me", user="U0BEN")
    lines = [line for line in resp.text.splitlines() if "payments-primary" in line]
    assert lines[0] == "*payments-primary* `Mon 09 Mar 05:00 – Mon 16 Mar 05:00 EDT` <@U0BEN>"
    assert len(lines) == 3  # weeks 2, 5 and 8 of the next 8 weeks


def test_schedule_marks_overrides(driver, rotation, db):
    made = driver.command(
        "/oncall", "override payments-primary <@U0CHO> tomorrow 09:00 to 18:00 dentist"
    )
    assert made.text == "<@U0CHO> is on call in *payments-primary* Tue 03 Mar 09:00 – 18:00 CET."
    resp = driver.command("/oncall", "schedule payments-primary 2w")
    lines = resp.text.splitlines()[1:]
    assert lines == [
        "`Mon 02 Mar 10:00 – Tue 03 Mar 09:00 CET` <@U0ANA>",
        "`Tue 03 Mar 09:00 – 18:00 CET` <@U0CHO> :repeat: _override: dentist_",
        "`Tue 03 Mar 18:00 – Mon 09 Mar 10:00 CET` <@U0ANA>",
        "`Mon 09 Mar 10:00 – Mon 16 Mar 10:00 CET` <@U0BEN>",
    ]
    assert who(db, rotation, utc(2026, 3, 3, 9)) == "U0CHO"


def test_a_schedule_of_one_week_says_the_next_week(driver, rotation):
    assert driver.command("/oncall", "schedule payments-primary 1w").text.startswith(
        "payments-primary: the next week\n"
    )
    assert driver.command("/oncall", "schedule payments-primary 3w").text.startswith(
        "payments-primary: the next 3 weeks\n"
    )


def test_overrides_are_listed_and_removed_with_a_button(driver, rotation, db, slack):
    driver.command("/oncall", "override payments-primary <@U0CHO> tomorrow 09:00 to 18:00 dentist")
    listed = driver.command("/oncall", "overrides payments-primary", user="U0BEN")
    assert "<@U0CHO> Tue 03 Mar 03:00 – 12:00 EST (dentist)" in listed.text  # in Ben's zone
    # Ben neither made it, nor is put on call by it, nor leads: no button for him.
    assert not [b for b in listed.json["blocks"] if b.get("accessory")]
    mine = driver.command("/oncall", "overrides payments-primary", user="U0CHO")
    remove = next(b["accessory"] for b in mine.json["blocks"] if b.get("accessory"))
    denied = driver.action("oncall_override_remove", remove["value"], user="U0BEN")
    assert denied.status == 200 and count(db, Override) == 1
    assert "Only payments' leads" in slack.calls_to("chat.postEphemeral")[-1].body["text"]
    driver.action("oncall_override_remove", remove["value"], user="U0CHO")
    assert count(db, Override) == 0
    assert who(db, rotation, utc(2026, 3, 3, 9)) == "U0ANA"
    replaced = slack.calls_to("response_url")[-1].body
    assert replaced["replace_original"] and "No overrides coming up." in replaced["text"] + str(
        replaced["blocks"]
    )
    entry = db.scalars(
        select(AuditEntry).where(AuditEntry.action == "oncall.override.remove")
    ).one()
    assert entry.before["person"] == "U0CHO" and entry.after is None
    gone = driver.action("oncall_override_remove", remove["value"], user="U0CHO")
    assert gone.status == 200
    assert "no longer exists" in slack.calls_to("chat.postEphemeral")[-1].body["text"]


def test_override_permissions_and_bad_input_write_nothing(driver, rotation, db):
    denied = driver.command(
        "/oncall", "override payments-primary <@U0CHO> now to 18:00", user="U0BEN"
    )
    assert "Only payments' leads, a workspace admin, or the person on call" in denied.text
    backwards = driver.command(
        "/oncall", "override payments-primary <@U0CHO> 18:00 to 2026-03-02 12:00"
    )
    assert "The end must be after the start." in backwards.text
    stranger = driver.command("/oncall", "override payments-primary <@U0NOBODY> now to 18:00")
    assert "<@U0NOBODY> is not in this workspace." in stranger.text
    assert count(db, Override) == 0 and audit_entries(db) == []
    assert [e.action for e in audit_entries(db, refused=True)] == ["/oncall override"]
    lead = driver.command(
        "/oncall",
        "override payments-primary <@U0BEN> 2026-03-05 00:00 2026-03-06 00:00",
        user="U0LEAD",
    )
    assert "<@U0BEN> is on call" in lead.text
    [entry] = audit_entries(db)
    assert (entry.action, entry.subject, entry.after["person"], entry.team.name) == (
        "oncall.override",
        "payments-primary",
        "U0BEN",
        "payments",
    )
    assert who(db, rotation, utc(2026, 3, 5, 12)) == "U0BEN"


def cover_message(slack) -> dict:
    return slack.posted(ONCALL_CHANNEL)[-1]


def ask_cover(
    driver, slack, db, user="U0ANA", text="payments-primary tomorrow 09:00 to 18:00 dentist"
):
    resp = driver.command("/oncall", f"cover {text}", user=user)
    assert f"I'm asking for cover in <#{ONCALL_CHANNEL}>" in resp.text, resp.text
    db.expire_all()
    return db.scalars(select(CoverRequest).order_by(CoverRequest.id.desc())).first()


def press(driver, slack, action: str, request, user: str):
    message = {"type": "message", "ts": request.message_ts, "text": "", "blocks": []}
    return driver.action(
        action, str(request.id), user=user, channel=ONCALL_CHANNEL, message=message
    )


def ephemerals(slack, user: str) -> list[str]:
    return [c.body["text"] for c in slack.calls_to("chat.postEphemeral") if c.body["user"] == user]


def test_cover_request_first_accept_wins_and_everyone_sees_it(driver, slack, rotation, db):
    request = ask_cover(driver, slack, db)
    posted = cover_message(slack)
    assert (
        "Cover needed: <@U0ANA>' shift in *payments-primary*, Tue 03 Mar 09:00 – 18:00 CET"
        in posted["text"]
    )
    buttons = posted["blocks"][-1]["elements"]
    assert [b["action_id"] for b in buttons] == [COVER_ACCEPT, COVER_CANCEL]

    assert press(driver, slack, COVER_ACCEPT, request, "U0ANA").status == 200
    assert ephemerals(slack, "U0ANA") == ["That's your own shift: someone else has to cover it."]

    assert press(driver, slack, COVER_ACCEPT, request, "U0BEN").status == 200
    updated = cover_message(slack)
    assert updated["text"].startswith(":white_check_mark: <@U0BEN> covers <@U0ANA>' shift")
    assert not any(b["type"] == "actions" for b in updated["blocks"])
    assert who(db, rotation, utc(2026, 3, 3, 12)) == "U0BEN"
    assert who(db, rotation, utc(2026, 3, 3, 18)) == "U0ANA"

    press(driver, slack, COVER_ACCEPT, request, "U0CHO")
    assert ephemerals(slack, "U0CHO") == ["Too late: <@U0BEN> already covers this shift."]
    assert count(db, Override) == 1
    actions = [e.action for e in db.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions == ["oncall.cover.request", "oncall.cover.accept"]


def test_cover_requests_overlap_cancel_and_on_behalf(driver, slack, rotation, db):
    request = ask_cover(driver, slack, db)
    again = driver.command("/oncall", "cover payments-primary tomorrow 12:00 to 20:00")
    assert "already an open cover request" in again.text
    not_mine = driver.command(
        "/oncall", "cover payments-primary tomorrow 12:00 to 20:00", user="U0BEN"
    )
    assert "<@U0BEN> is not on call in payments-primary" in not_mine.text
    behalf = driver.command(
        "/oncall", "cover payments-primary tomorrow 12:00 to 20:00 for <@U0ANA>", user="U0CHO"
    )
    assert (
        "Only payments' leads or a workspace admin can ask for cover on someone else's"
        in behalf.text
    )

    press(driver, slack, COVER_CANCEL, request, "U0BEN")
    assert ephemerals(slack, "U0BEN") == [
        "Only the person who asked (or a team lead) can cancel this request."
    ]
    press(driver, slack, COVER_CANCEL, request, "U0ANA")
    assert cover_message(slack)["text"].startswith(":no_entry_sign: Cover request cancelled")
    press(driver, slack, COVER_ACCEPT, request, "U0CHO")
    assert ephemerals(slack, "U0CHO") == ["That cover request was cancelled."]

    second = ask_cover(
        driver,
        slack,
        db,
        user="U0LEAD",
        text="payments-primary tomorrow 12:00 to 20:00 for <@U0ANA>",
    )
    assert (second.person.slack_user_id, second.asked_by.slack_user_id) == ("U0ANA", "U0LEAD")
    assert "asked by <@U0LEAD>" in str(cover_message(slack)["blocks"])
    assert count(db, Override) == 0


def test_a_cover_request_slack_refused_to_post_is_withdrawn_and_can_be_asked_again(
    driver, slack, rotation, db
):
    slack.fail("chat.postMessage", "not_in_channel")
    resp = driver.command("/oncall", "cover payments-primary tomorrow 09:00 to 18:00 dentist")
    assert resp.text.startswith(f"I'm asking for cover in <#{ONCALL_CHANNEL}>: "), resp.text
    # Nobody saw it, so nobody could take or cancel it: it is withdrawn, and the asker told why.
    [told] = [c.body["text"] for c in slack.calls_to("response_url")]
    assert told == (
        f"I couldn't post your cover request in <#{ONCALL_CHANNEL}> (Slack said "
        "`not_in_channel`), so nobody was asked and it is withdrawn. Check that I'm in "
        f"<#{ONCALL_CHANNEL}> (`/invite @Upkeep`), then ask again."
    )
    db.expire_all()
    assert db.scalars(select(CoverRequest.status)).all() == ["cancelled"]
    request = ask_cover(driver, slack, db)  # nothing open is in the way
    assert cover_message(slack)["ts"] == request.message_ts


def test_a_stale_cover_button_says_it_was_taken_or_cancelled_whoever_presses_it(
    driver, slack, rotation, db
):
    taken = ask_cover(driver, slack, db)
    press(driver, slack, COVER_ACCEPT, taken, "U0BEN")
    # The asker and an outsider, who could never take it, learn first that it is gone.
    slack.add_user("U0EVE", "Eve Outsider", "UTC")
    for user in ("U0ANA", "U0EVE"):
        press(driver, slack, COVER_ACCEPT, taken, user)
        assert ephemerals(slack, user) == ["Too late: <@U0BEN> already covers this shift."]
    press(driver, slack, COVER_CANCEL, taken, "U0CHO")
    assert ephemerals(slack, "U0CHO") == ["Too late: <@U0BEN> already covers this shift."]

    cancelled = ask_cover(driver, slack, db, text="payments-primary tomorrow 19:00 to 21:00")
    press(driver, slack, COVER_CANCEL, cancelled, "U0ANA")
    press(driver, slack, COVER_ACCEPT, cancelled, "U0ANA")
    press(driver, slack, COVER_CANCEL, cancelled, "U0EVE")
    assert ephemerals(slack, "U0ANA") == [
        "Too late: <@U0BEN> already covers this shift.",
        "That cover request was cancelled.",
    ]
    assert ephemerals(slack, "U0EVE")[-1] == "That cover request was cancelled."
    assert count(db, Override) == 1


def override_as_lead(driver, text: str) -> None:
    made = driver.command("/oncall", f"override payments-primary {text}", user="U0LEAD")
    assert "is on call in *payments-primary*" in made.text, made.text


def test_cover_is_only_ever_asked_for_the_askers_own_time(driver, slack, rotation, db):
    # Ana's week ends at Monday's 10:00 handoff; from there it is Ben's.
    resp = driver.command("/oncall", "cover payments-primary sunday 12:00 to monday 12:00 trip")
    assert resp.text == (
        f"I'm asking for cover in <#{ONCALL_CHANNEL}>: Sun 08 Mar 12:00 – Mon 09 Mar 10:00 CET, "
        "the part of that time when you are on call. The rest isn't yours to hand over: "
        "<@U0BEN> Mon 09 Mar 10:00 – 12:00 CET."
    )
    assert (
        "Cover needed: <@U0ANA>' shift in *payments-primary*, Sun 08 Mar 12:00 – Mon 09 Mar "
        "10:00 CET." in cover_message(slack)["text"]
    )
    request = db.scalars(select(CoverRequest)).one()
    assert (request.start, request.end) == (utc(2026, 3, 8, 11), utc(2026, 3, 9, 9))
    press(driver, slack, COVER_ACCEPT, request, "U0CHO")
    assert who(db, rotation, utc(2026, 3, 8, 12)) == "U0CHO"
    assert who(db, rotation, utc(2026, 3, 9, 9, 30)) == "U0BEN"  # Ben keeps his Monday


def test_cover_is_asked_from_now_on_when_the_start_is_gone(driver, slack, rotation, clock):
    clock.set(utc(2026, 3, 3, 9))  # Tuesday, 10:00 in Berlin
    resp = driver.command("/oncall", "cover payments-primary today 08:00 to 12:00")
    assert resp.text == (
        f"I'm asking for cover in <#{ONCALL_CHANNEL}>: Tue 03 Mar 10:00 – 12:00 CET."
    )


def test_cover_over_several_stretches_of_yours_says_how_to_ask_for_each(
    driver, slack, rotation, db
):
    override_as_lead(driver, "<@U0CHO> tomorrow 12:00 to 14:00")
    resp = driver.command("/oncall", "cover payments-primary tomorrow 09:00 to 18:00 dentist")
    assert resp.text == (
        "You are on call for more than one stretch of that time; the rest isn't yours to hand "
        "over: <@U0CHO> Tue 03 Mar 12:00 – 14:00 CET. Ask for cover for each of yours:\n"
        "`/oncall cover payments-primary 2026-03-03 09:00 to 12:00 dentist`\n"
        "`/oncall cover payments-primary 2026-03-03 14:00 to 18:00 dentist`\n"
        "Usage: /oncall cover <rotation> <start> [to] <end> [for <@user>] [reason]"
    )
    assert count(db, CoverRequest) == 0 and slack.posted(ONCALL_CHANNEL) == []
    # Asked for someone else, the commands say for whom.
    lead = driver.command(
        "/oncall", "cover payments-primary tomorrow 09:00 to 18:00 for <@U0ANA>", user="U0LEAD"
    )
    assert "`/oncall cover payments-primary 2026-03-03 14:00 to 18:00 for <@U0ANA>`" in lead.text
    assert lead.text.startswith("<@U0ANA> is on call for more than one stretch of that time")


def test_accepting_covers_only_what_is_still_the_askers(driver, slack, rotation, db):
    request = ask_cover(driver, slack, db)  # tomorrow 09:00 - 18:00
    override_as_lead(driver, "<@U0CHO> tomorrow 12:00 to 14:00")  # the schedule changes
    press(driver, slack, COVER_ACCEPT, request, "U0BEN")
    assert (who(db, rotation, utc(2026, 3, 3, 9)), who(db, rotation, utc(2026, 3, 3, 12))) == (
        "U0BEN",
        "U0CHO",
    )
    assert who(db, rotation, utc(2026, 3, 3, 14)) == "U0BEN"
    updated = cover_message(slack)
    assert updated["text"] == (
        ":white_check_mark: <@U0BEN> covers <@U0ANA>' shift in *payments-primary*, "
        "Tue 03 Mar 09:00 – 12:00 CET and Tue 03 Mar 14:00 – 18:00 CET."
    )
    assert "asked for Tue 03 Mar 09:00 – 18:00 CET; the rest is no longer <@U0ANA>'" in str(
        updated["blocks"]
    )
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "oncall.cover.accept")).one()
    assert len(entry.after["overrides"]) == 2


def test_accepting_late_covers_from_now_and_nothing_left_is_not_taken(
    driver, slack, rotation, db, clock
):
    request = ask_cover(driver, slack, db)  # tomorrow 09:00 - 18:00 Berlin
    clock.set(utc(2026, 3, 3, 11))  # 12:00 in Berlin: Ana has been on call all morning
    press(driver, slack, COVER_ACCEPT, request, "U0BEN")
    assert who(db, rotation, utc(2026, 3, 3, 10)) == "U0ANA"
    assert who(db, rotation, utc(2026, 3, 3, 11)) == "U0BEN"
    assert ", Tue 03 Mar 12:00 – 18:00 CET." in cover_message(slack)["text"]
    assert "asked for" not in str(cover_message(slack)["blocks"])

    later = ask_cover(driver, slack, db, text="payments-primary wednesday 09:00 to 18:00")
    override_as_lead(driver, "<@U0CHO> wednesday 08:00 to wednesday 20:00")
    press(driver, slack, COVER_ACCEPT, later, "U0BEN")
    assert ephemerals(slack, "U0BEN") == [
        "<@U0ANA> is no longer on call for any of that time, so there is nothing left to "
        "cover; they can cancel the request."
    ]
    db.expire_all()
    assert db.get(CoverRequest, later.id).status == "open"
    assert who(db, rotation, utc(2026, 3, 4, 12)) == "U0CHO"


def test_two_simultaneous_accepts_make_exactly_one_override(http_driver, slack, rotation, db):
    request = ask_cover(http_driver, slack, db)
    barrier = threading.Barrier(2)
    statuses: dict[str, int] = {}

    def accept(user: str) -> None:
        barrier.wait()
        statuses[user] = press(http_driver, slack, COVER_ACCEPT, request, user).status

    threads = [threading.Thread(target=accept, args=(u,)) for u in ("U0BEN", "U0CHO")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == {"U0BEN": 200, "U0CHO": 200}
    assert count(db, Override) == 1
    db.expire_all()
    winner = db.get(CoverRequest, request.id).accepted_by.slack_user_id
    loser = "U0CHO" if winner == "U0BEN" else "U0BEN"
    assert ephemerals(slack, loser) == [f"Too late: <@{winner}> already covers this shift."]
    assert ephemerals(slack, winner) == []
    assert cover_message(slack)["text"].startswith(f":white_check_mark: <@{winner}> covers")
    assert who(db, rotation, utc(2026, 3, 3, 12)) == winner


def test_leads_take_people_out_and_back(driver, slack, rotation, db):
    denied = driver.command("/oncall", "out payments-primary <@U0BEN>", user="U0CHO")
    assert "Only payments' leads or a workspace admin can change payments-primary." in denied.text
    asked = driver.command("/oncall", "out payments-primary <@U0BEN>", user="U0LEAD")
    confirm = next(b for b in asked.json["blocks"] if b["type"] == "actions")["elements"][0]
    driver.action(confirm["action_id"], confirm["value"], user="U0LEAD")
    out = slack.calls_to("response_url")[-1].body
    assert out["text"] == (
        "<@U0BEN> is out of *payments-primary* (keeping their place): the others take their "
        "shifts in turn, and nobody else's shifts move.\n"
        "*payments-primary*: <@U0ANA> until Mon 09 Mar 10:00 CET · next <@U0CHO>"
    )
    assert who(db, rotation, utc(2026, 3, 10)) == "U0CHO"  # Ben's slot, taken by the next member
    back = driver.command("/oncall", "back payments-primary <@U0BEN>", user="U0ADMIN")
    assert back.text.startswith(
        "<@U0BEN> is back in *payments-primary* in their old place, from the next handoff "
        "(Mon 09 Mar 09:00 UTC)."  # in the admin's zone
    )
    assert who(db, rotation, utc(2026, 3, 10)) == "U0BEN"
    assert [e.action for e in audit_entries(db)] == ["rotation.out", "rotation.back"]
    [refusal] = audit_entries(db, refused=True)
    assert (refusal.action, refusal.team.name, refusal.actor.slack_user_id) == (
        "/oncall out",
        "payments",
        "U0CHO",
    )


def test_mention_who_is_on_call(driver, slack, rotation):
    driver.mention("who is on call for payments-primary?")
    reply = slack.posted("C0PAYMENTS")[-1]
    assert reply["thread_ts"]
    assert "*payments-primary*: <@U0ANA> until Mon 09 Mar 10:00 CET" in reply["text"]


def test_mention_for_something_unknown_says_so(driver, slack, rotation):
    """ "who is on call for payments-nights?" answered for the channel's rotations instead."""
    driver.mention("who is on call for payments-nights?")
    reply = slack.posted("C0PAYMENTS")[-1]["text"]
    assert "There is no rotation called `payments-nights`" in reply
    assert "<@U0ANA> until" not in reply


@pytest.mark.parametrize("words", ["for the weekend", "for us", "for tonight"])
def test_mention_for_everyday_words_answers_for_the_channel(driver, slack, rotation, words):
    driver.mention(f"who is on call {words}?")
    reply = slack.posted("C0PAYMENTS")[-1]["text"]
    assert "*payments-primary*: <@U0ANA> until Mon 09 Mar 10:00 CET" in reply, reply


def test_app_home_shows_on_call_now_and_my_next_shifts(driver, slack, rotation):
    driver.event({"type": "app_home_opened", "user": "U0BEN", "tab": "home"})
    text = str(slack.home["U0BEN"]["blocks"])
    assert "*On call now*\\n*payments-primary*: <@U0ANA> until Mon 09 Mar 05:00 EDT" in text
    assert (
        "*Your next shifts*\\n*payments-primary* `Mon 09 Mar 05:00 – Mon 16 Mar 05:00 EDT`" in text
    )


def test_help_lists_every_subcommand(driver):
    resp = driver.command("/oncall", "help")
    for sub in ("me", "schedule", "override", "cover", "calendar", "out", "back"):
        assert f"/oncall {sub}" in resp.text


def test_leads_create_and_change_rotations_from_slack(driver, rotation, db):
    made = driver.command(
        "/oncall",
        "set payments-nights team=payments handoff=22:00 every=1d start=2026-03-01 "
        "members=<@U0BEN|ben>,<@U0CHO> channel=<#C0PAYONCALL|payments-oncall>",
        user="U0LEAD",
    )
    assert made.text.startswith("Created *payments-nights* (payments): 22:00 every 1d")
    changed = driver.command(
        "/oncall", "set payments-nights members=<@U0CHO> <@U0BEN> reminder_hours=2", user="U0LEAD"
    )
    assert changed.text.startswith("Changed *payments-nights*")
    db.expire_all()
    nights = db.scalars(select(Rotation).where(Rotation.name == "payments-nights")).one()
    assert [m.person.slack_user_id for m in nights.members] == ["U0CHO", "U0BEN"]
    assert nights.reminder_hours == 2 and nights.channel_id == "C0PAYONCALL"
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.subject == "payments-nights"))
    assert list(actions) == ["rotation.set", "rotation.set"]


def test_setting_a_rotation_checks_rights_and_values_and_writes_nothing_on_error(
    driver, rotation, db
):
    denied = driver.command("/oncall", "set payments-primary handoff=11:00", user="U0BEN")
    assert "Only payments' leads or an admin can change payments-primary" in denied.text
    bad = driver.command("/oncall", "set payments-primary handoff=noon", user="U0LEAD")
    assert "`handoff` must be a time like 10:00" in bad.text and "Usage: /oncall set" in bad.text
    past = driver.command("/oncall", "set payments-primary start=2026-02-23", user="U0LEAD")
    assert (
        "`start` 2026-02-23 has passed and payments-primary has been running since 2026-03-02"
        in past.text
    )
    room = driver.command("/oncall", "set payments-primary channel=oncall-room", user="U0LEAD")
    assert (
        "must be a channel id (like C0PAYMENTS)" in room.text and "Usage: /oncall set" in room.text
    )
    unknown = driver.command("/oncall", "set payments-primary colour=blue", user="U0LEAD")
    assert "`colour=` isn't a rotation field" in unknown.text
    new = driver.command("/oncall", "set nights handoff=22:00", user="U0LEAD")
    assert "A new rotation needs `team=`" in new.text
    assert audit_entries(db) == []
    assert [e.action for e in audit_entries(db, refused=True)] == ["/oncall set"]
    db.expire_all()
    assert db.get(Rotation, rotation.id).handoff_time.hour == 10


def test_reasons_never_broadcast_nor_link(driver, slack, rotation, db):
    """Override and cover reasons are shown to the channel: `<!here>` in one stays words."""
    made = driver.command(
        "/oncall",
        "override payments-primary <@U0CHO> tomorrow 09:00 to 18:00 "
        "<!here> R&amp;D <https://evil.example>",
    )
    assert made.status == 200 and count(db, Override) == 1
    schedule = driver.command("/oncall", "schedule payments-primary 1w")
    assert "_override: @here R&amp;D `evil.example`_" in schedule.text
    listed = driver.command("/oncall", "overrides payments-primary", user="U0CHO")
    assert "(@here R&amp;D `evil.example`)" in listed.text
    ask_cover(
        driver, slack, db, text="payments-primary 2026-03-05 09:00 to 18:00 <!channel> offsite"
    )
    posted = cover_message(slack)
    assert "@channel offsite" in json.dumps(posted["blocks"])
    sent = json.dumps([made.json, schedule.json, listed.json] + [c.body for c in slack.calls])
    assert "<!" not in sent and "<http" not in sent
