"""Workdays and due instants, templates from the config file, walkthrough changes, buddies."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
import yaml

from models.config import export_config, import_config
from models.core.config import ConfigError
from models.core.errors import NotFound, UserError
from models.core.people import set_team_people
from models.core.working_days import WorkCalendar
from models.core.workspace import LEAD, MEMBER, Person, Team, Workspace
from models.onboarding.buddies import pick_shift, suggest_buddy
from models.onboarding.config import parse_step
from models.onboarding.lifecycle import (
    change_start,
    flag_attention,
    mark_done,
    pause,
    resume,
    start_walkthrough,
)
from models.onboarding.templates import BUILT_IN, BUILT_IN_FILE, find_template, load_built_in
from models.onboarding.walkthroughs import DONE, PAUSED
from models.onboarding.workdays import overdue_instant, step_due
from tests.conftest import START
from tests.factories import add_person, make_team

MONDAY = date(2026, 3, 2)
THURSDAY = date(2026, 3, 5)
WEEK = WorkCalendar()  # Monday to Friday, no public holidays
add_workdays = WEEK.add_working_days
workdays_between = WEEK.working_days_between


@pytest.fixture
def team(db) -> Team:
    return make_team(db, "T0001EXAMPLE", {"U0LEAD": "Lea"}, {"U0BEN": "Ben", "U0ANA": "Ana"})


@pytest.fixture
def workspace(db, team) -> Workspace:
    return db.get(Workspace, team.workspace_id)


def by_uid(team: Team, uid: str) -> Person:
    return next(m.person for m in team.memberships if m.person.slack_user_id == uid)


# -- workdays ----------------------------------------------------------------------------------


def test_workdays_from_a_monday_skip_the_weekend():
    assert [add_workdays(MONDAY, n).isoformat() for n in (0, 4, 5, 9)] == [
        "2026-03-02",
        "2026-03-06",
        "2026-03-09",
        "2026-03-13",
    ]


def test_workdays_from_a_thursday_skip_the_weekend():
    assert [add_workdays(THURSDAY, n).isoformat() for n in (0, 1, 2, 5, 9)] == [
        "2026-03-05",
        "2026-03-06",
        "2026-03-09",
        "2026-03-12",
        "2026-03-18",
    ]


def test_a_weekend_start_begins_on_monday_and_workdays_between_counts_weekdays():
    assert add_workdays(date(2026, 3, 7), 0) == date(2026, 3, 9)
    assert workdays_between(THURSDAY, date(2026, 3, 9)) == 2
    assert workdays_between(MONDAY, MONDAY) == 0


def test_due_instants_are_local_times_in_the_hires_zone():
    # 10:00 in Tokyo on workday 1 of a Thursday start is Friday 01:00 UTC.
    assert step_due(THURSDAY, 1, time(10, 0), zone="Asia/Tokyo", cal=WEEK) == datetime(
        2026, 3, 6, 1, tzinfo=UTC
    )
    # New York moves to summer time on 2026-03-08: 10:00 is 15:00 UTC before, 14:00 after.
    assert step_due(THURSDAY, 1, time(10, 0), zone="America/New_York", cal=WEEK).hour == 15
    assert step_due(THURSDAY, 2, time(10, 0), zone="America/New_York", cal=WEEK).hour == 14


def test_a_step_is_overdue_two_workdays_later_at_the_same_local_time():
    due = step_due(THURSDAY, 0, time(14, 0), zone="Europe/Berlin", cal=WEEK)
    assert overdue_instant(due, "Europe/Berlin", WEEK) == datetime(2026, 3, 9, 13, tzinfo=UTC)


def test_working_days_skip_public_holidays_and_days_off():
    berlin = WorkCalendar(country="DE", region="BE")
    # Easter 2026: Good Friday 3 Apr and Easter Monday 6 Apr are German public holidays.
    assert berlin.holiday(date(2026, 4, 3)) == "Good Friday"
    assert berlin.add_working_days(date(2026, 4, 2), 1) == date(2026, 4, 7)
    assert berlin.working_days_between(date(2026, 4, 2), date(2026, 4, 7)) == 1
    # 8 March (International Women's Day) is a holiday in Berlin, not in Bavaria; a Sunday
    # in 2026, so in 2027 (a Monday).
    assert berlin.holiday(date(2027, 3, 8)) and not WorkCalendar(country="DE", region="BY").holiday(
        date(2027, 3, 8)
    )
    sun_thu = WorkCalendar("12347")
    assert sun_thu.first_working_day(date(2026, 3, 6)) == date(2026, 3, 8)  # Fri -> Sun
    assert sun_thu.add_working_days(THURSDAY, 1) == date(2026, 3, 8)
    # A stored code the library no longer knows means no holidays, not a failing tick.
    assert WorkCalendar(country="ZZ").is_working_day(MONDAY)
    four_days = WorkCalendar("1234")
    assert four_days.working_days_between(MONDAY, date(2026, 3, 9)) == 4


# -- walkthroughs ------------------------------------------------------------------------------


def test_a_walkthrough_copies_the_built_in_template_in_the_hires_zone(db, workspace, team):
    hire = add_person(db, workspace, "U0CHO", "Cho", tz="Asia/Tokyo")
    w = start_walkthrough(
        db, team, hire, template=BUILT_IN, start=THURSDAY, now=START, lead=team.leads[0], buddy=None
    )
    assert w.tz == "Asia/Tokyo"
    assert len(w.steps) == len(BUILT_IN.steps) == 13
    assert w.welcome_at == datetime(2026, 3, 5, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo
    first, last = w.steps[0], w.steps[-1]
    assert (first.title, first.due_at) == (
        "The company and the team",
        datetime(2026, 3, 5, 1, 0, tzinfo=UTC),
    )
    assert (last.title, last.due_at) == ("Two weeks in", datetime(2026, 3, 18, 6, 0, tzinfo=UTC))
    assert [s.plan for s in w.steps] == [0] * 13
    assert sum(s.shadow for s in w.steps) == 1
    with pytest.raises(UserError, match="already onboarding"):
        start_walkthrough(
            db, team, hire, template=BUILT_IN, start=MONDAY, now=START, lead=None, buddy=None
        )


def test_a_hire_is_never_their_own_lead(db, workspace, team):
    lead = team.leads[0]
    with pytest.raises(UserError, match="A hire can't lead their own onboarding."):
        start_walkthrough(
            db, team, lead, template=BUILT_IN, start=THURSDAY, now=START, lead=lead, buddy=None
        )


def test_a_hire_without_a_zone_follows_the_teams(db, workspace, team):
    hire = add_person(db, workspace, "U0NEW", "New", tz=None)
    w = start_walkthrough(
        db, team, hire, template=BUILT_IN, start=THURSDAY, now=START, lead=None, buddy=None
    )
    assert w.tz == "Europe/Berlin"
    assert w.steps[0].due_at == datetime(2026, 3, 5, 9, 0, tzinfo=UTC)


def test_a_changed_start_date_moves_only_the_steps_not_yet_sent(db, workspace, team):
    hire = add_person(db, workspace, "U0CHO", "Cho")
    w = start_walkthrough(
        db, team, hire, template=BUILT_IN, start=MONDAY, now=START, lead=None, buddy=None
    )
    sent = w.steps[0]
    sent.sent_at = sent.due_at
    w.welcome_sent_at = w.welcome_at
    before = sent.due_at
    change_start(w, THURSDAY, START)
    assert sent.due_at == before and sent.plan == 0
    assert w.steps[1].due_at == datetime(2026, 3, 5, 10, 0, tzinfo=UTC)  # Thu 11:00 Berlin
    assert w.steps[-1].due_at == datetime(2026, 3, 18, 14, 0, tzinfo=UTC)
    assert [s.plan for s in w.steps[1:]] == [1] * 12


def test_a_start_date_in_the_past_sends_what_is_due_on_the_next_tick(db, workspace, team):
    hire = add_person(db, workspace, "U0CHO", "Cho")
    now = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)  # Tuesday 13:00 in Berlin
    w = start_walkthrough(
        db, team, hire, template=BUILT_IN, start=MONDAY, now=now, lead=None, buddy=None
    )
    soon = now + timedelta(minutes=1)
    assert w.welcome_at == soon
    assert [s.due_at == soon for s in w.steps[:5]] == [True, True, True, True, False]


def test_pause_and_resume_carry_on_where_the_hire_left_off(db, workspace, team):
    hire = add_person(db, workspace, "U0CHO", "Cho")
    w = start_walkthrough(
        db, team, hire, template=BUILT_IN, start=MONDAY, now=START, lead=None, buddy=None
    )
    pause(w, datetime(2026, 3, 3, 12, 0, tzinfo=UTC))
    assert w.status == PAUSED
    resume(w, datetime(2026, 3, 5, 8, 0, tzinfo=UTC))  # two workdays later
    assert w.start_date == date(2026, 3, 4)
    assert w.steps[-1].due_at == datetime(2026, 3, 17, 14, 0, tzinfo=UTC)
    with pytest.raises(UserError, match="not paused"):
        resume(w, START)


def test_done_steps_finish_the_walkthrough_and_clear_attention(db, workspace, team):
    hire = add_person(db, workspace, "U0CHO", "Cho")
    w = start_walkthrough(
        db, team, hire, template=BUILT_IN, start=MONDAY, now=START, lead=None, buddy=None
    )
    late = w.steps[0].overdue_at
    for s in w.steps:
        s.sent_at = s.due_at
    assert flag_attention(w, late) and not flag_attention(w, late)
    assert mark_done(w.steps[0], late) is False
    assert w.needs_attention is False
    finished = [mark_done(s, late) for s in w.steps[1:]]
    assert finished[-1] is True and w.status == DONE


# -- templates ---------------------------------------------------------------------------------


def test_the_built_in_template_is_read_from_its_file():
    assert load_built_in() == BUILT_IN
    assert BUILT_IN.name == "default" and BUILT_IN.team is None
    assert [(s.day, s.at.strftime("%H:%M"), s.title) for s in BUILT_IN.steps] == [
        (0, "10:00", "The company and the team"),
        (0, "11:00", "Meet your buddy"),
        (0, "14:00", "Access"),
        (1, "10:00", "Ways of working"),
        (1, "14:00", "Rules that matter"),
        (2, "10:00", "Your development environment"),
        (3, "10:00", "A first small change"),
        (4, "15:00", "Week 1 wrap-up"),
        (5, "10:00", "Team communication"),
        (6, "10:00", "Where we are heading"),
        (7, "10:00", "Step into regular work"),
        (8, "10:00", "Shadow the on-call rotation"),
        (9, "15:00", "Two weeks in"),
    ]
    assert [len(s.checklist) for s in BUILT_IN.steps] == [3, 1, 5, 2, 2, 3, 3, 0, 2, 1, 2, 2, 1]
    assert [s.title for s in BUILT_IN.steps if s.shadow] == ["Shadow the on-call rotation"]
    assert not any(s.links for s in BUILT_IN.steps)
    assert BUILT_IN.steps[1].body == (
        "{buddy} is your buddy for these two weeks: the person to ask anything, however small. "
        "Set up a short daily check-in for this week."
    )


def test_the_built_in_template_would_pass_as_a_config_files_template():
    raw = yaml.safe_load(BUILT_IN_FILE.read_text(encoding="utf-8"))["steps"]
    parsed = [parse_step(f"steps[{j}]", step) for j, step in enumerate(raw)]
    assert parsed == [s.to_dict() for s in BUILT_IN.steps]


CONFIG = {
    "onboarding": [
        {
            "name": "backend",
            "team": "payments",
            "steps": [
                {
                    "day": 1,
                    "at": "9:30",
                    "title": "Hello",
                    "body": "Hi {hire}, meet {buddy}.",
                    "links": [{"label": "Handbook", "url": "https://handbook.example.com"}],
                    "checklist": ["Read it"],
                },
                {"day": 0, "at": "11:00", "title": "First", "body": "First things", "shadow": True},
            ],
        },
        {"name": "sre", "steps": [{"day": 0, "title": "Only"}]},
    ]
}


def test_templates_come_from_the_config_file(db, workspace, team):
    report = import_config(db, workspace, CONFIG, START)
    assert report.created == ["onboarding backend", "onboarding sre"]
    mine = find_template(db, workspace, team, name=None)
    assert mine.name == "backend" and mine.team == "payments"
    assert [(s.day, s.at, s.title) for s in mine.steps] == [
        (1, time(9, 30), "Hello"),
        (0, time(11, 0), "First"),
    ]
    assert mine.steps[0].links[0].url == "https://handbook.example.com"
    assert find_template(db, workspace, team, name="SRE").steps[0].body == "Only"
    assert find_template(db, workspace, team, name="default") is BUILT_IN
    with pytest.raises(NotFound, match="Templates: backend, default, sre"):
        find_template(db, workspace, team, name="frontend")
    exported = export_config(db, workspace)["onboarding"]
    assert exported[0]["steps"][0]["at"] == "09:30"
    again = import_config(db, workspace, {"onboarding": exported}, START)
    assert again.unchanged == ["onboarding backend", "onboarding sre"]


def test_steps_are_sorted_by_workday_and_time_when_copied(db, workspace, team):
    import_config(db, workspace, CONFIG, START)
    hire = add_person(db, workspace, "U0CHO", "Cho")
    template = find_template(db, workspace, team, name=None)
    w = start_walkthrough(
        db, team, hire, template=template, start=MONDAY, now=START, lead=None, buddy=None
    )
    assert [s.title for s in w.steps] == ["First", "Hello"]


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ({"day": -1, "title": "x"}, r"steps\[0\]\.day: must be a workday number"),
        ({"day": 0, "at": "25:00", "title": "x"}, r"steps\[0\]\.at: '25:00' is not a time"),
        ({"day": 0}, r"steps\[0\]\.title: must be text"),
        (
            {"day": 0, "title": "x", "links": [{"label": "a", "url": "ftp://x"}]},
            r"steps\[0\]\.links\[0\]\.url: 'ftp://x' is not a web address",
        ),
        ({"day": 0, "title": "x", "colour": "red"}, r"steps\[0\]\.colour: is not a field"),
    ],
)
def test_config_errors_name_the_template_and_the_field(db, workspace, team, step, message):
    with pytest.raises(ConfigError, match=r"onboarding\[0\] \(t\)\." + message):
        import_config(db, workspace, {"onboarding": [{"name": "t", "steps": [step]}]}, START)


def test_a_template_for_an_unknown_team_is_refused(db, workspace, team):
    bad = {"onboarding": [{"name": "t", "team": "nope", "steps": [{"day": 0, "title": "x"}]}]}
    with pytest.raises(ConfigError, match=r"onboarding\[0\] \(t\)\.team: there is no team 'nope'"):
        import_config(db, workspace, bad, START)


# -- buddies -----------------------------------------------------------------------------------


def test_the_suggested_buddy_has_the_fewest_buddies_then_the_first_name(db, workspace, team):
    first = add_person(db, workspace, "U0CHO", "Cho")
    second = add_person(db, workspace, "U0DAN", "Dan")
    assert suggest_buddy(db, team, first, start=MONDAY, zone="Europe/Berlin").name == "Ana"
    ana = by_uid(team, "U0ANA")
    start_walkthrough(
        db, team, first, template=BUILT_IN, start=MONDAY, now=START, lead=None, buddy=ana
    )
    assert suggest_buddy(db, team, second, start=MONDAY, zone="Europe/Berlin").name == "Ben"
    # Never the hire themselves, even when they are in the team.
    set_team_people(team, MEMBER, [ana, second])
    assert suggest_buddy(db, team, second, start=MONDAY, zone="Europe/Berlin") == ana


def test_a_team_with_no_members_suggests_a_lead_and_none_when_empty(db, workspace, team):
    hire = add_person(db, workspace, "U0CHO", "Cho")
    set_team_people(team, MEMBER, [])
    assert suggest_buddy(db, team, hire, start=MONDAY, zone="UTC").name == "Lea"
    set_team_people(team, LEAD, [])
    assert suggest_buddy(db, team, hire, start=MONDAY, zone="UTC") is None


def test_the_shadowed_shift_is_the_one_under_way_else_the_next():
    class Shift:
        def __init__(self, start: int, end: int):
            self.start = START + timedelta(hours=start)
            self.end = START + timedelta(hours=end)

    shifts = [Shift(-24, 0), Shift(0, 24), Shift(24, 48)]
    assert pick_shift(shifts, START + timedelta(hours=3)) is shifts[1]
    assert pick_shift(shifts[2:], START) is shifts[2]
    assert pick_shift(shifts[:1], START) is None
