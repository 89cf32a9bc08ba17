"""Guard rails on changing who is on call: a change that leaves nobody on call, puts someone on
call shift after shift or for half the time or more, or takes the person on call now off call,
is explained and waits for Confirm (Cancel changes nothing); `/oncall out ... until <date>`; and
an override that puts someone on call in two rotations at once says so."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from models import AuditEntry
from tests.factories import make_rotation, utc

FOUR = ("U0ANA", "U0BEN", "U0CHO", "U0ADMIN")


@pytest.fixture
def rotation(db):
    """payments-primary: Mondays 10:00 Berlin from Mon 2 Mar 2026 (now): Ana, Ben, Cho, Adi."""
    rot = make_rotation(db, members=FOUR)
    db.commit()
    return rot


def schedule(driver, weeks: int = 8) -> list[str]:
    """Who is on call each of the next `weeks` weeks, from `/oncall schedule` (the lead's view;
    the summer time change makes it show one more shift, which is left out)."""
    text = driver.command("/oncall", f"schedule payments-primary {weeks}w", user="U0LEAD").text
    return re.findall(r"^`[^`]*` (<@\w+>|_nobody_)", text, flags=re.M)[:weeks]


def buttons(reply) -> dict[str, str]:
    """The reply's buttons: {label: (action id, value)}."""
    found = {}
    for block in reply.json.get("blocks", []):
        for element in block.get("elements", []) if block["type"] == "actions" else []:
            found[element["text"]["text"]] = (element["action_id"], element["value"])
    return found


def press(driver, slack, reply, label: str, user: str = "U0LEAD") -> str:
    action_id, value = buttons(reply)[label]
    driver.action(action_id, value, user=user, channel="C0PAYMENTS")
    return slack.calls_to("response_url")[-1].body["text"]


def audits(db) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(AuditEntry))


def test_taking_people_out_warns_and_waits_for_confirm(driver, slack, db, rotation):
    assert schedule(driver) == ["<@U0ANA>", "<@U0BEN>", "<@U0CHO>", "<@U0ADMIN>"] * 2
    ben = driver.command("/oncall", "out payments-primary <@U0BEN>", user="U0LEAD")
    assert ben.text == (
        ":warning: Taking <@U0BEN> out of *payments-primary*:\n"
        "• leaves <@U0CHO> on call 2 weeks straight, Mon 09 Mar 10:00 – Mon 23 Mar 10:00 CET\n"
        "Nothing has changed yet: Confirm or Cancel."
    )
    assert list(buttons(ben)) == ["Confirm", "Cancel"]
    # Nothing is done until it is confirmed: no change, no audit, nobody told.
    assert schedule(driver) == ["<@U0ANA>", "<@U0BEN>", "<@U0CHO>", "<@U0ADMIN>"] * 2
    assert audits(db) == 0 and slack.calls_to("chat.postMessage") == []
    done = press(driver, slack, ben, "Confirm")
    assert done.startswith("<@U0BEN> is out of *payments-primary* (keeping their place)")
    assert schedule(driver)[:4] == ["<@U0ANA>", "<@U0CHO>", "<@U0CHO>", "<@U0ADMIN>"]
    assert audits(db) == 1

    # Two left, who take the others' shifts in turn: some of them back to back, not more than
    # half the time each.
    cho = driver.command("/oncall", "out payments-primary <@U0CHO>", user="U0LEAD")
    assert cho.text == (
        ":warning: Taking <@U0CHO> out of *payments-primary*:\n"
        "• leaves <@U0ANA> on call 2 weeks straight, Mon 30 Mar 10:00 – Mon 13 Apr 10:00 CEST\n"
        "• leaves <@U0ADMIN> on call 2 weeks straight, Mon 13 Apr 10:00 – Mon 27 Apr 10:00 CEST\n"
        "Nothing has changed yet: Confirm or Cancel."
    )
    press(driver, slack, cho, "Confirm")
    ana, adi = "<@U0ANA>", "<@U0ADMIN>"
    assert schedule(driver) == [ana, adi, ana, adi, ana, ana, adi, adi]

    # The third leaves Ana alone: the answer says so before anything changes.
    adi = driver.command("/oncall", "out payments-primary <@U0ADMIN>", user="U0LEAD")
    assert adi.text.startswith(":warning: Taking <@U0ADMIN> out of *payments-primary*:\n")
    assert "• leaves <@U0ANA> on call 8 weeks straight and on, from Mon 02 Mar 10:00 CET" in (
        adi.text
    ), adi.text
    assert "• gives <@U0ANA> 100% of the on-call time over the next 8 weeks (up from 50%)" in (
        adi.text
    )
    press(driver, slack, adi, "Confirm")

    # The last leaves nobody, and takes the person on call now off at once.
    ana = driver.command("/oncall", "out payments-primary <@U0ANA>", user="U0LEAD")
    assert ana.text.startswith(":warning: Taking <@U0ANA> out of *payments-primary*:\n")
    assert "• leaves nobody on call from Mon 02 Mar 10:00 CET on" in ana.text, ana.text
    assert "• takes <@U0ANA> off call now, with nobody to take over" in ana.text
    cancelled = press(driver, slack, ana, "Cancel")
    assert cancelled == "Cancelled: <@U0ANA> stays in *payments-primary*; nothing changed."
    assert schedule(driver) == ["<@U0ANA>"] * 8  # still all Ana's
    assert audits(db) == 3
    assert slack.calls_to("response_url")[-1].body["replace_original"] is True


def test_taking_out_the_person_on_call_now_warns(driver, slack, db, rotation, clock):
    clock.set(utc(2026, 3, 10, 12))  # Ben's week
    reply = driver.command("/oncall", "out payments-primary <@U0BEN>", user="U0LEAD")
    assert "• takes <@U0BEN> off call now, <@U0CHO> taking over at once" in reply.text, reply.text
    assert "• leaves <@U0CHO> on call 13 days straight" in reply.text
    press(driver, slack, reply, "Confirm")
    db.expire_all()
    now = driver.command("/oncall", "payments-primary", user="U0LEAD").text
    assert "*payments-primary*: <@U0CHO> until Mon 23 Mar 10:00 CET" in now


def test_a_confirm_pressed_after_the_rotation_changed_asks_again(driver, slack, db, rotation):
    first = driver.command("/oncall", "out payments-primary <@U0BEN>", user="U0LEAD")
    second = driver.command("/oncall", "out payments-primary <@U0ADMIN>", user="U0LEAD")
    press(driver, slack, second, "Confirm")
    again = press(driver, slack, first, "Confirm")  # what it would do now is something else
    assert again.startswith(
        ":warning: *payments-primary* changed since you asked. Taking <@U0BEN> out of "
        "*payments-primary*:\n"
    ), again
    assert "• leaves <@U0CHO> on call 3 weeks straight, Mon 09 Mar 10:00" in again
    assert audits(db) == 1
    reply = slack.calls_to("response_url")[-1].body
    assert [e["text"]["text"] for e in reply["blocks"][-1]["elements"]] == ["Confirm", "Cancel"]


def test_out_until_a_date_puts_them_back_at_the_first_handoff_after_it(
    driver, slack, db, rotation, clock
):
    reply = driver.command(
        "/oncall", "out payments-primary <@U0BEN> until 2026-03-10", user="U0LEAD"
    )
    assert "Taking <@U0BEN> out of *payments-primary* until Tue 10 Mar:" in reply.text
    done = press(driver, slack, reply, "Confirm")
    assert done.startswith(
        "<@U0BEN> is out of *payments-primary* until Tue 10 Mar (keeping their place), back "
        "from the handoff Mon 16 Mar 10:00 CET: the others take their shifts in turn"
    ), done
    assert schedule(driver) == [
        "<@U0ANA>",
        "<@U0CHO>",
        "<@U0CHO>",
        "<@U0ADMIN>",
        "<@U0ANA>",
        "<@U0BEN>",  # back in his own place
        "<@U0CHO>",
        "<@U0ADMIN>",
    ]
    # A later change of the rotation keeps the date he comes back.
    driver.command("/oncall", "set payments-primary reminder_hours=12", user="U0LEAD")
    moved = driver.command("/oncall", "set payments-primary timezone=Europe/London", user="U0LEAD")
    assert moved.text.startswith("Changed *payments-primary*"), moved.text
    assert schedule(driver)[5] == "<@U0BEN>"
    again = driver.command("/oncall", "out payments-primary <@U0BEN>", user="U0LEAD")
    assert again.text.startswith("<@U0BEN> is already out of payments-primary.")
    clock.set(utc(2026, 3, 16, 12))  # he is back: what the rotation says, says so
    back = driver.command("/oncall", "back payments-primary <@U0BEN>", user="U0LEAD")
    assert back.text.startswith("<@U0BEN> is already in payments-primary.")
    out_again = driver.command("/oncall", "out payments-primary <@U0BEN>", user="U0LEAD")
    assert out_again.text.startswith(":warning: Taking <@U0BEN> out of *payments-primary*:")


def test_out_until_a_date_that_has_passed_is_refused(driver, rotation, clock):
    clock.set(utc(2026, 3, 4, 12))
    reply = driver.command(
        "/oncall", "out payments-primary <@U0BEN> until 2026-03-03", user="U0LEAD"
    )
    assert reply.text.startswith("Tue 03 Mar 2026 is in the past")
    bad = driver.command("/oncall", "out payments-primary <@U0BEN> until whenever", user="U0LEAD")
    assert "`whenever` is not a date" in bad.text
    assert "Usage: /oncall out <rotation> <@user> [until <date>]" in bad.text


def test_changing_members_warns_and_waits_for_confirm(driver, slack, db, rotation):
    reply = driver.command("/oncall", "set payments-primary members=<@U0ANA>", user="U0LEAD")
    assert reply.text.startswith(
        ":warning: Changing *payments-primary* (members):\n"
        "• leaves <@U0ANA> on call 8 weeks straight and on, from Mon 02 Mar 10:00 CET\n"
    ), reply.text
    assert schedule(driver)[:2] == ["<@U0ANA>", "<@U0BEN>"]
    done = press(driver, slack, reply, "Confirm")
    assert done.startswith("Changed *payments-primary* (payments)")
    assert schedule(driver) == ["<@U0ANA>"] * 8
    # A change that leaves everyone their share needs no confirmation.
    fine = driver.command(
        "/oncall", "set payments-primary members=<@U0ANA> <@U0BEN>", user="U0LEAD"
    )
    assert fine.text.startswith("Changed *payments-primary*"), fine.text


def test_an_override_onto_someone_on_call_elsewhere_says_so(driver, db, rotation):
    make_rotation(db, name="payments-backup", members=("U0CHO",), channel=None)
    db.commit()
    made = driver.command(
        "/oncall", "override payments-backup <@U0ANA> tomorrow 09:00 to 18:00", user="U0LEAD"
    )
    assert made.text == (
        "<@U0ANA> is on call in *payments-backup* Tue 03 Mar 09:00 – 18:00 CET.\n"
        ":warning: <@U0ANA> is also on call in *payments-primary* then (Tue 03 Mar 09:00 – "
        "18:00 CET): two rotations at once."
    )
    alone = driver.command(
        "/oncall", "override payments-backup <@U0BEN> tomorrow 19:00 to 20:00", user="U0LEAD"
    )
    assert ":warning:" not in alone.text


def test_taking_cover_while_on_call_elsewhere_says_so(driver, slack, db, rotation):
    make_rotation(db, name="payments-backup", members=("U0CHO",), channel=None)
    db.commit()
    driver.command("/oncall", "cover payments-primary tomorrow 09:00 to 18:00", user="U0ANA")
    [post] = slack.posted("C0PAYONCALL")
    accept = post["blocks"][-1]["elements"][0]
    driver.action(accept["action_id"], accept["value"], user="U0CHO", channel="C0PAYONCALL")
    [heads_up] = [c.body for c in slack.calls_to("chat.postEphemeral")]
    assert (heads_up["user"], heads_up["channel"]) == ("U0CHO", "C0PAYONCALL")
    assert heads_up["text"] == (
        ":warning: You're also on call in *payments-backup* then (Tue 03 Mar 17:00 – Wed 04 Mar "
        "02:00 JST): two rotations at once."
    )
