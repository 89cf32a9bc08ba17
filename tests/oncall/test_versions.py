"""Changing a rotation: the rule is kept in versions, so a change takes effect from the next
handoff (or at once, for someone taken out) and never rewrites the shifts before it."""

from __future__ import annotations

from datetime import date, time, timedelta

from models.core.workspace import Workspace
from models.oncall.changes import pending_change, reschedule, set_active, set_members
from models.oncall.rotations import Rotation
from models.oncall.schedule import RotationSchedule
from models.oncall.shifts import on_call_at, shifts
from tests.factories import CREATED, make_rotation, person, utc

H = timedelta(hours=1)
ANA, BEN, CHO, LEA = "U0ANA", "U0BEN", "U0CHO", "U0LEAD"


def table(db, rot: Rotation, start, end) -> list[tuple]:
    return [
        (s.start, s.end, s.person.slack_user_id if s.person else None)
        for s in shifts(db, rot, start, end=end)
    ]


def change(db, rot: Rotation, now, members: tuple[str, ...] | None = None, **settings):
    """What `/oncall set` and `upkeep import` do to the settings, then the versions."""
    for name, value in settings.items():
        setattr(rot, name, value)
    if members is not None:
        ws = db.get(Workspace, rot.workspace_id)
        set_members(rot, [person(db, ws, uid) for uid in members], set())
    effective = reschedule(rot, now)
    db.flush()
    return effective


def out(db, rot: Rotation, uid: str, now, active: bool = False):
    effective = set_active(
        rot, person(db, db.get(Workspace, rot.workspace_id), uid), active, now=now
    )
    db.flush()
    return effective


# Weekly, Mondays 10:00 Berlin from Mon 2 Mar 2026: Ana, Ben, Cho. On Wed 11 Mar, Ben is on.
WED = utc(2026, 3, 11, 12)
HISTORY = [
    (utc(2026, 3, 2, 9), utc(2026, 3, 9, 9), ANA),
    (utc(2026, 3, 9, 9), utc(2026, 3, 16, 9), BEN),
]


def test_a_longer_shift_starts_at_the_next_handoff_and_the_current_one_keeps_its_end(db):
    rot = make_rotation(db)
    assert change(db, rot, WED, shift_length=2) == utc(2026, 3, 16, 9)
    assert pending_change(rot, WED) == utc(2026, 3, 16, 9)
    assert table(db, rot, utc(2026, 3, 2, 9), utc(2026, 4, 27, 8)) == [
        *HISTORY,
        (utc(2026, 3, 16, 9), utc(2026, 3, 30, 8), CHO),  # two weeks, across spring forward
        (utc(2026, 3, 30, 8), utc(2026, 4, 13, 8), ANA),
        (utc(2026, 4, 13, 8), utc(2026, 4, 27, 8), BEN),
    ]
    assert on_call_at(db, rot, WED).slack_user_id == BEN


def test_a_new_handoff_day_never_leaves_a_stub_of_a_shift(db):
    rot = make_rotation(db)
    change(db, rot, WED, handoff_weekday=1)  # Tuesdays 10:00
    # Tue 17 Mar is a day after the old handoff: Cho's first shift runs to Tue 24 Mar instead
    assert table(db, rot, utc(2026, 3, 2, 9), utc(2026, 4, 7, 8)) == [
        *HISTORY,
        (utc(2026, 3, 16, 9), utc(2026, 3, 24, 9), CHO),
        (utc(2026, 3, 24, 9), utc(2026, 3, 31, 8), ANA),
        (utc(2026, 3, 31, 8), utc(2026, 4, 7, 8), BEN),
    ]
    friday = make_rotation(db, name="fridays")
    change(db, friday, WED, handoff_weekday=4)  # Fri 20 Mar is half a week or more later
    assert table(db, friday, utc(2026, 3, 16, 9), utc(2026, 3, 27, 9))[:2] == [
        (utc(2026, 3, 16, 9), utc(2026, 3, 20, 9), CHO),
        (utc(2026, 3, 20, 9), utc(2026, 3, 27, 9), ANA),
    ]


def test_new_members_join_after_the_current_shift_in_the_new_order(db):
    cases = {
        (ANA, BEN, CHO, LEA): [CHO, LEA, ANA, BEN],  # added at the end
        (ANA, BEN): [ANA, BEN, ANA, BEN],  # Cho left: after Ben comes Ana
        (ANA, CHO): [CHO, ANA, CHO, ANA],  # Ben (on call now) left: his next, Cho, goes on
        (CHO, BEN, ANA): [ANA, CHO, BEN, ANA],  # reordered: after Ben comes Ana
    }
    for i, (members, expected) in enumerate(cases.items()):
        rot = make_rotation(db, name=f"case-{i}")
        change(db, rot, WED, members=members)
        got = table(db, rot, utc(2026, 3, 2, 9), utc(2026, 4, 13, 8))
        assert got[:2] == HISTORY, members
        assert [uid for _, _, uid in got[2:]] == expected, members
        assert got[2][0] == utc(2026, 3, 16, 9)


def test_a_pending_change_is_replaced_by_the_next_one(db):
    rot = make_rotation(db)
    change(db, rot, WED, shift_length=2)
    change(db, rot, WED + H, members=(ANA, BEN, CHO, LEA))
    assert len(rot.rules) == 2  # one version from the start, one from the next handoff
    got = table(db, rot, utc(2026, 3, 16, 9), utc(2026, 4, 27, 8))
    assert got == [
        (utc(2026, 3, 16, 9), utc(2026, 3, 30, 8), CHO),
        (utc(2026, 3, 30, 8), utc(2026, 4, 13, 8), LEA),
        (utc(2026, 4, 13, 8), utc(2026, 4, 27, 8), ANA),
    ]


def test_a_start_still_to_come_begins_the_new_rule_then_with_the_first_member(db):
    rot = make_rotation(db)
    change(db, rot, WED, anchor=date(2026, 4, 6), members=(CHO, BEN, ANA))
    got = table(db, rot, utc(2026, 3, 2, 9), utc(2026, 4, 20, 8))
    assert got == [
        *HISTORY,
        (utc(2026, 3, 16, 9), utc(2026, 3, 23, 9), CHO),  # the old rule until the new start
        (utc(2026, 3, 23, 9), utc(2026, 3, 30, 8), ANA),
        (utc(2026, 3, 30, 8), utc(2026, 4, 6, 8), BEN),
        (utc(2026, 4, 6, 8), utc(2026, 4, 13, 8), CHO),  # the new rule's first member
        (utc(2026, 4, 13, 8), utc(2026, 4, 20, 8), BEN),
    ]


def test_a_rotation_that_has_not_started_simply_takes_the_new_settings(db):
    rot = make_rotation(db)  # starts 2 Mar; it is 1 Jan
    change(db, rot, CREATED, shift_length=2, members=(BEN, ANA))
    assert len(rot.rules) == 1
    assert table(db, rot, utc(2026, 1, 1), utc(2026, 3, 30, 8)) == [
        (utc(2026, 3, 2, 9), utc(2026, 3, 16, 9), BEN),
        (utc(2026, 3, 16, 9), utc(2026, 3, 30, 8), ANA),
    ]


def test_someone_out_gives_up_only_their_own_shifts_and_back_resumes_the_order(db):
    rot = make_rotation(db)
    before = table(db, rot, utc(2026, 3, 2, 9), utc(2026, 4, 20, 8))
    assert [uid for *_, uid in before] == [ANA, BEN, CHO, ANA, BEN, CHO, ANA]
    assert out(db, rot, BEN, utc(2026, 3, 4)) == utc(2026, 3, 4)  # at once
    during = table(db, rot, utc(2026, 3, 2, 9), utc(2026, 4, 20, 8))
    # Ben's two slots go to the others in turn (the next member first); nobody else's move
    assert [uid for *_, uid in during] == [ANA, CHO, CHO, ANA, ANA, CHO, ANA]
    assert [(s, e) for s, e, _ in during] == [(s, e) for s, e, _ in before]
    # back from the next handoff after Wed 18 Mar: Cho keeps the shift she is on
    assert out(db, rot, BEN, utc(2026, 3, 18), active=True) == utc(2026, 3, 23, 9)
    after = table(db, rot, utc(2026, 3, 2, 9), utc(2026, 4, 20, 8))
    assert [uid for *_, uid in after] == [ANA, CHO, CHO, ANA, BEN, CHO, ANA]


def test_taking_out_whoever_is_on_call_hands_the_rest_of_the_shift_over_now(db):
    rot = make_rotation(db)
    out(db, rot, CHO, WED)  # not on call now: Ben's shift stays one shift, no handoff
    assert table(db, rot, WED, WED + H) == [HISTORY[1]]
    assert RotationSchedule(rot).handoffs(utc(2026, 3, 9, 10), utc(2026, 3, 23, 10)) == [
        utc(2026, 3, 16, 9),
        utc(2026, 3, 23, 9),
    ]
    out(db, rot, BEN, WED + H)  # on call now: Cho is out too, so Ana takes over now
    assert table(db, rot, utc(2026, 3, 9, 9), utc(2026, 3, 23, 9)) == [
        (utc(2026, 3, 9, 9), WED + H, BEN),
        (WED + H, utc(2026, 3, 16, 9), ANA),
        (utc(2026, 3, 16, 9), utc(2026, 3, 23, 9), ANA),
    ]
    assert WED + H in RotationSchedule(rot).handoffs(WED, utc(2026, 3, 16, 10))


def test_a_new_handoff_time_across_spring_forward_in_berlin(db):
    rot = make_rotation(db)  # Ana has the 167-hour shift of 23-30 Mar
    change(db, rot, utc(2026, 3, 24), handoff_time=time(9, 0))
    assert table(db, rot, utc(2026, 3, 23, 9), utc(2026, 4, 13, 7)) == [
        (utc(2026, 3, 23, 9), utc(2026, 3, 30, 8), ANA),  # 10:00 CET to 10:00 CEST, as it was
        (utc(2026, 3, 30, 8), utc(2026, 4, 6, 7), BEN),  # to 09:00 CEST: 167 hours again
        (utc(2026, 4, 6, 7), utc(2026, 4, 13, 7), CHO),
    ]


def test_a_change_from_a_handoff_that_does_not_exist_in_new_york(db):
    rot = make_rotation(
        db,
        tz="America/New_York",
        handoff=time(2, 30),
        weekday=None,
        unit="d",
        anchor=date(2026, 3, 1),
    )
    # daily at 02:30: Ana has Sat 7 Mar; on Sunday 02:30 doesn't exist, the handoff is 03:00 EDT
    assert change(db, rot, utc(2026, 3, 7, 17), shift_length=2) == utc(2026, 3, 8, 7)
    assert table(db, rot, utc(2026, 3, 7, 8), utc(2026, 3, 12, 6, 30)) == [
        (utc(2026, 3, 7, 7, 30), utc(2026, 3, 8, 7), ANA),
        (utc(2026, 3, 8, 7), utc(2026, 3, 10, 6, 30), BEN),  # 47.5 hours, to 02:30 EDT
        (utc(2026, 3, 10, 6, 30), utc(2026, 3, 12, 6, 30), CHO),
    ]


def test_taking_someone_out_does_not_bring_back_early_whoever_is_due_back(db):
    rot = make_rotation(db)
    out(db, rot, BEN, utc(2026, 3, 4))
    out(db, rot, BEN, utc(2026, 3, 10), active=True)  # back from Mon 16 Mar
    out(db, rot, ANA, WED)  # Ana out at once: Cho keeps covering Ben's week
    assert table(db, rot, utc(2026, 3, 9, 9), utc(2026, 3, 23, 9)) == [
        (utc(2026, 3, 9, 9), utc(2026, 3, 16, 9), CHO),
        (utc(2026, 3, 16, 9), utc(2026, 3, 23, 9), CHO),
    ]
    # Ana's next slot (her second while out) goes to the one after the next: Cho
    assert on_call_at(db, rot, utc(2026, 3, 23, 10)).slack_user_id == CHO


def test_two_transactions_changing_rotations_in_turns_neither_waits_on_the_workspace(
    db, engine, is_postgres
):
    """Each rotation change bumps its workspace's `schedule_version` too, at commit: a
    transaction holding one rotation's row while it goes on to another never holds the
    workspace's row (with it taken at each flush, these two deadlocked on PostgreSQL)."""
    import pytest
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    if not is_postgres:
        pytest.skip("SQLite lets one transaction write at a time")
    a = make_rotation(db, name="rot-a")
    b = make_rotation(db, name="rot-b", channel="C0B")
    db.commit()
    before = db.get(Workspace, a.workspace_id).schedule_version
    with Session(engine) as first, Session(engine) as second:
        first.get(Rotation, a.id).reminder_hours = 2
        first.flush()  # holds rotation a's row
        second.execute(text("SET LOCAL lock_timeout = '2s'"))
        second.get(Rotation, b.id).reminder_hours = 4
        second.flush()  # holds rotation b's row
        second.commit()  # and the workspace's, for the commit: `first` holds neither
        first.get(Rotation, b.id).reminder_hours = 3
        first.flush()
        first.commit()
    db.expire_all()
    assert db.get(Workspace, a.workspace_id).schedule_version == before + 2
    assert (db.get(Rotation, a.id).reminder_hours, db.get(Rotation, b.id).reminder_hours) == (2, 3)
