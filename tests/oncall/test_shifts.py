"""Shift arithmetic: handoffs at local wall-clock times, across DST, with overrides layered."""

from __future__ import annotations

import random
from datetime import date, time, timedelta

import pytest

from models.core.errors import NotFound, UserError
from models.core.workspace import Workspace
from models.oncall.changes import set_active
from models.oncall.overrides import add_override, overrides_between
from models.oncall.rotations import find_rotation
from models.oncall.schedule import Shift, Timeline, held_by, holds_all
from models.oncall.shifts import on_call_at, shift_at, shifts, stretches
from tests.factories import CREATED, make_rotation, person, utc

H = timedelta(hours=1)


def who(db, rotation, at) -> str | None:
    found = on_call_at(db, rotation, at)
    return found.slack_user_id if found else None


def lengths(rotation, first: int, last: int) -> list[timedelta]:
    return [rotation.handoff(k + 1) - rotation.handoff(k) for k in range(first, last)]


def daily(db, tz: str, at: time, anchor: date, **kwargs):
    return make_rotation(db, tz=tz, handoff=at, weekday=None, unit="d", anchor=anchor, **kwargs)


def test_weekly_berlin_shift_across_spring_forward_is_167_hours(db):
    rot = make_rotation(db)  # Mondays 10:00 Berlin from Mon 2 Mar 2026: Ana, Ben, Cho
    assert rot.handoff(0) == utc(2026, 3, 2, 9)
    assert rot.handoff(3) == utc(2026, 3, 23, 9)  # 10:00 CET
    assert rot.handoff(4) == utc(2026, 3, 30, 8)  # 10:00 CEST
    assert lengths(rot, 2, 5) == [168 * H, 167 * H, 168 * H]
    assert who(db, rot, utc(2026, 3, 30, 8) - timedelta(microseconds=1)) == "U0ANA"  # k=3
    assert who(db, rot, utc(2026, 3, 30, 8)) == "U0BEN"  # k=4


def test_weekly_berlin_shift_across_fall_back_is_169_hours(db):
    rot = make_rotation(db)
    k = rot.index_at(utc(2026, 10, 20, 12))
    assert rot.handoff(k) == utc(2026, 10, 19, 8)  # 10:00 CEST
    assert rot.handoff(k + 1) == utc(2026, 10, 26, 9)  # 10:00 CET
    assert lengths(rot, k, k + 1) == [169 * H]


def test_new_york_daily_handoff_at_0230_on_spring_forward_day_moves_to_0300(db):
    rot = daily(db, "America/New_York", time(2, 30), date(2026, 3, 1))
    assert rot.handoff(6) == utc(2026, 3, 7, 7, 30)  # 02:30 EST
    assert rot.handoff(7) == utc(2026, 3, 8, 7, 0)  # 02:30 doesn't exist: 03:00 EDT
    assert rot.handoff(8) == utc(2026, 3, 9, 6, 30)  # 02:30 EDT
    assert lengths(rot, 6, 8) == [timedelta(hours=23, minutes=30)] * 2
    # no gap, no overlap: the shift before the jump ends exactly when the next begins
    before = shift_at(db, rot, utc(2026, 3, 8, 6, 59))
    after = shift_at(db, rot, utc(2026, 3, 8, 7, 0))
    assert before.end == after.start == utc(2026, 3, 8, 7, 0)
    assert (before.person.slack_user_id, after.person.slack_user_id) == ("U0ANA", "U0BEN")


def test_new_york_ambiguous_handoff_takes_the_first_occurrence(db):
    rot = daily(db, "America/New_York", time(1, 30), date(2026, 10, 1))
    k = rot.index_at(utc(2026, 11, 1, 3))
    assert rot.handoff(k) == utc(2026, 10, 31, 5, 30)
    assert rot.handoff(k + 1) == utc(2026, 11, 1, 5, 30)  # 01:30 EDT, the first of the two
    assert rot.handoff(k + 2) == utc(2026, 11, 2, 6, 30)  # 01:30 EST
    assert lengths(rot, k, k + 2) == [24 * H, 25 * H]


def test_lord_howe_half_hour_dst(db):
    spring = daily(db, "Australia/Lord_Howe", time(2, 15), date(2026, 10, 1), name="howe-spring")
    assert spring.handoff(2) == utc(2026, 10, 2, 15, 45)  # 02:15 +10:30
    assert spring.handoff(3) == utc(2026, 10, 3, 15, 30)  # 02:15 doesn't exist: 02:30 +11
    assert spring.handoff(4) == utc(2026, 10, 4, 15, 15)  # 02:15 +11
    assert lengths(spring, 2, 4) == [timedelta(hours=23, minutes=45)] * 2
    autumn = daily(db, "Australia/Lord_Howe", time(1, 45), date(2026, 4, 1), name="howe-autumn")
    assert autumn.handoff(4) == utc(2026, 4, 4, 14, 45)  # 01:45 +11, the first occurrence
    assert lengths(autumn, 3, 5) == [24 * H, timedelta(hours=24, minutes=30)]


def test_two_week_rotation(db):
    rot = make_rotation(db, length=2)
    assert who(db, rot, utc(2026, 3, 16, 8, 59)) == "U0ANA"
    assert who(db, rot, utc(2026, 3, 16, 9)) == "U0BEN"
    assert who(db, rot, utc(2026, 3, 30, 7, 59)) == "U0BEN"
    assert who(db, rot, utc(2026, 3, 30, 8)) == "U0CHO"  # 10:00 CEST
    assert who(db, rot, utc(2026, 4, 13, 8)) == "U0ANA"


def test_nobody_is_on_call_before_the_start(db):
    rot = make_rotation(db)  # starts Mon 2 Mar 2026 10:00 Berlin
    ws = db.get(Workspace, rot.workspace_id)
    assert rot.begins_at == rot.handoff(0) == utc(2026, 3, 2, 9)
    assert rot.index_at(utc(2026, 2, 25)) == -1  # the rule's arithmetic still counts back...
    assert who(db, rot, utc(2026, 2, 25)) is None  # ...but nobody is on call before the start
    assert who(db, rot, utc(2026, 3, 2, 9) - timedelta(microseconds=1)) is None
    assert who(db, rot, utc(2026, 3, 2, 9)) == "U0ANA"
    assert shifts(db, rot, utc(2026, 2, 1), end=utc(2026, 3, 2, 9)) == []
    got = [
        (s.start, s.person.slack_user_id)
        for s in shifts(db, rot, utc(2026, 2, 1), end=utc(2026, 3, 10))
    ]
    assert got == [(utc(2026, 3, 2, 9), "U0ANA"), (utc(2026, 3, 9, 9), "U0BEN")]
    # an override before the start changes nothing; across it, only its part after the start
    ben = person(db, ws, "U0BEN")
    add_override(
        db,
        rot,
        ben,
        start=utc(2026, 2, 27),
        end=utc(2026, 3, 3),
        reason="",
        created_by=ben,
        now=CREATED,
    )
    assert who(db, rot, utc(2026, 2, 28)) is None
    assert (
        Timeline(rot, overrides_between(db, rot, utc(2026, 2, 1), end=utc(2026, 4, 1))).at(
            utc(2026, 2, 28)
        )
        is None
    )
    assert [
        (s.start, s.end, s.person.slack_user_id)
        for s in shifts(db, rot, utc(2026, 2, 1), end=utc(2026, 3, 3))
    ] == [
        (utc(2026, 3, 2, 9), utc(2026, 3, 3), "U0BEN"),
        (utc(2026, 3, 3), utc(2026, 3, 9, 9), "U0ANA"),
    ]
    assert shift_at(db, rot, utc(2026, 2, 28)) == Shift(utc(2026, 2, 28), utc(2026, 3, 2, 9), None)


def test_members_taken_out_keep_their_place_and_the_others_keep_theirs(db):
    rot = make_rotation(db, away=("U0BEN",))
    # Ben's slots (1, 4, ...) are taken in turn by the next members; Ana's and Cho's don't move
    got = [who(db, rot, rot.handoff(k)) for k in range(6)]
    assert got == ["U0ANA", "U0CHO", "U0CHO", "U0ANA", "U0ANA", "U0CHO"]
    ben = person(db, db.get(Workspace, rot.workspace_id), "U0BEN")
    set_active(rot, ben, True, now=CREATED)  # before the start: simply back from the start
    db.flush()
    assert [who(db, rot, rot.handoff(k)) for k in range(3)] == ["U0ANA", "U0BEN", "U0CHO"]
    with pytest.raises(UserError, match="already in"):
        set_active(rot, ben, True, now=CREATED)


def test_nobody_active_means_nobody_on_call(db):
    rot = make_rotation(db, away=("U0ANA", "U0BEN", "U0CHO"))
    assert on_call_at(db, rot, utc(2026, 3, 3)) is None


def test_newest_override_wins_and_the_rotation_is_untouched(db):
    rot = make_rotation(db)
    ws = db.get(Workspace, rot.workspace_id)
    ben, cho, lead = (person(db, ws, u) for u in ("U0BEN", "U0CHO", "U0LEAD"))

    def add(p, start, end, created):
        return add_override(
            db, rot, p, start=start, end=end, reason="", created_by=lead, now=created
        )

    first = add(ben, utc(2026, 3, 3), utc(2026, 3, 5), CREATED + H)
    second = add(cho, utc(2026, 3, 4), utc(2026, 3, 6), CREATED + 2 * H)
    add(lead, utc(2026, 3, 3, 12), utc(2026, 3, 4, 12), CREATED)  # older: hidden under both
    got = [
        (s.start, s.end, s.person.slack_user_id, s.override)
        for s in shifts(db, rot, utc(2026, 3, 2, 9), end=utc(2026, 3, 9, 9))
    ]
    assert got == [
        (utc(2026, 3, 2, 9), utc(2026, 3, 3), "U0ANA", None),
        (utc(2026, 3, 3), utc(2026, 3, 4), "U0BEN", first),
        (utc(2026, 3, 4), utc(2026, 3, 6), "U0CHO", second),
        (utc(2026, 3, 6), utc(2026, 3, 9, 9), "U0ANA", None),
    ]
    assert who(db, rot, utc(2026, 3, 3, 18)) == "U0BEN"
    assert who(db, rot, utc(2026, 3, 4, 6)) == "U0CHO"
    assert Timeline(rot, []).at(utc(2026, 3, 4, 6)).slack_user_id == "U0ANA"


def test_an_override_across_a_handoff_is_split_there(db):
    rot = make_rotation(db)
    lead = person(db, db.get(Workspace, rot.workspace_id), "U0LEAD")
    add_override(
        db,
        rot,
        lead,
        start=utc(2026, 3, 9),
        end=utc(2026, 3, 10),
        reason="x",
        created_by=lead,
        now=CREATED,
    )
    got = [
        (s.start, s.end, s.person.slack_user_id)
        for s in shifts(db, rot, utc(2026, 3, 8), end=utc(2026, 3, 11))
    ]
    assert got == [
        (utc(2026, 3, 2, 9), utc(2026, 3, 9), "U0ANA"),
        (utc(2026, 3, 9), utc(2026, 3, 9, 9), "U0LEAD"),
        (utc(2026, 3, 9, 9), utc(2026, 3, 10), "U0LEAD"),
        (utc(2026, 3, 10), utc(2026, 3, 16, 9), "U0BEN"),
    ]


def test_stretches_are_cut_to_the_span_and_merged_per_person(db):
    rot = make_rotation(db)
    ws = db.get(Workspace, rot.workspace_id)
    ana, ben, lead = (person(db, ws, u) for u in ("U0ANA", "U0BEN", "U0LEAD"))
    # Ana's override from 2 Mar across her own Monday handoff into Ben's week.
    add_override(
        db,
        rot,
        ana,
        start=utc(2026, 3, 8),
        end=utc(2026, 3, 9, 12),
        reason="",
        created_by=lead,
        now=CREATED,
    )
    got = stretches(db, rot, utc(2026, 3, 8, 12), end=utc(2026, 3, 10))
    assert [(s.start, s.end, s.person.slack_user_id) for s in got] == [
        (utc(2026, 3, 8, 12), utc(2026, 3, 9, 12), "U0ANA"),
        (utc(2026, 3, 9, 12), utc(2026, 3, 10), "U0BEN"),
    ]
    assert [s.end for s in held_by(got, ana)] == [utc(2026, 3, 9, 12)]
    assert not holds_all(got, ana) and holds_all(got[:1], ana)


def test_no_stretches_at_all_are_nobodys(db):
    ana = person(db, db.get(Workspace, make_rotation(db).workspace_id), "U0ANA")
    assert not holds_all([], ana)


def test_on_call_at_agrees_with_shifts_at_random_instants(db):
    rot = daily(db, "America/New_York", time(2, 30), date(2026, 1, 1))
    ws = db.get(Workspace, rot.workspace_id)
    rng = random.Random(7)
    start = rot.begins_at
    people = [person(db, ws, u) for u in ("U0ANA", "U0BEN", "U0CHO", "U0LEAD")]
    for i in range(40):
        begin = start + timedelta(hours=rng.randrange(0, 24 * 360))
        end = begin + timedelta(minutes=rng.randrange(30, 60 * 24 * 5))
        add_override(
            db,
            rot,
            rng.choice(people),
            start=begin,
            end=end,
            reason="",
            created_by=None,
            now=CREATED + i * H,
        )
    every = shifts(db, rot, start, end=start + timedelta(days=366))
    assert all(a.end == b.start for a, b in zip(every, every[1:], strict=False))
    for _ in range(300):
        at = start + timedelta(seconds=rng.randrange(0, 365 * 86400))
        expected = next(s for s in every if s.start <= at < s.end)
        assert on_call_at(db, rot, at) is expected.person


def test_find_rotation_suggests_a_close_name(db):
    rot = make_rotation(db)
    ws = db.get(Workspace, rot.workspace_id)
    assert find_rotation(db, ws, "Payments-Primary") is rot
    with pytest.raises(NotFound, match="Did you mean `payments-primary`"):
        find_rotation(db, ws, "payment-primary")
