"""Onboarding counts the hire's working days: their team's public holidays (or their own) and
their days off are skipped, for the steps and for "needs attention" two working days later."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.factories import make_team
from tests.onboarding.test_commands import at, steps_through, texts, tick_at, walkthrough
from tests.slack_requests import TEAM_ID

# Easter 2026 in Berlin: Good Friday (3 Apr) and Easter Monday (6 Apr) are public holidays.
MAUNDY_THURSDAY = "2026-04-02"


@pytest.fixture
def team(db):
    team = make_team(db, TEAM_ID, {"U0LEAD": "Lea Lead"}, {"U0BEN": "Ben Brooks"})
    team.holiday_country, team.holiday_region = "DE", "BE"
    db.commit()
    return team


def test_steps_skip_the_teams_public_holidays(driver, slack, db, team, scheduler, clock):
    clock.set(datetime(2026, 4, 1, 12, tzinfo=UTC))
    answer = driver.command("/onboard", f"<@U0BEN> start {MAUNDY_THURSDAY}", user="U0LEAD")
    assert "starts Thu 02 Apr" in answer.text
    w = walkthrough(db)
    days = {s.day: s.due_at.date().isoformat() for s in w.steps}
    assert (days[0], days[1], days[2]) == ("2026-04-02", "2026-04-07", "2026-04-08")
    # Ticks every three hours: nothing on Good Friday, the weekend or Easter Monday.
    steps_through(scheduler, clock, at("2026-04-01", 12), at("2026-04-02", 22))
    sent = len(slack.posted("U0BEN"))
    tick_at(scheduler, clock, at("2026-04-06", 22))
    assert len(slack.posted("U0BEN")) == sent
    # Step 1 (Thursday 10:00) is overdue two working days later: Wednesday 8 April, not Monday.
    steps_through(scheduler, clock, at("2026-04-06", 22), at("2026-04-08", 7))
    assert not [t for t in texts(slack, "U0LEAD") if "needs attention" in t]
    steps_through(scheduler, clock, at("2026-04-08", 7), at("2026-04-08", 12))
    [note] = [t for t in texts(slack, "U0LEAD") if "needs attention" in t]
    assert "step 1 *The company and the team* was sent Thu 02 Apr" in note


def test_a_hire_who_works_sunday_to_thursday_gets_steps_on_sunday(driver, db, team, clock):
    assert "You work sun-thu" in driver.command("/standup", "days sun-thu", user="U0BEN").text
    driver.command("/onboard", "<@U0BEN> start 2026-03-12", user="U0LEAD")  # a Thursday
    w = walkthrough(db)
    days = {s.day: s.due_at.date().isoformat() for s in w.steps}
    assert (days[0], days[1], days[2]) == ("2026-03-12", "2026-03-15", "2026-03-16")
    # A week earlier, Sunday 8 March is International Women's Day, a Berlin holiday.
    driver.command("/onboard", "start-date <@U0BEN> 2026-03-05", user="U0LEAD")
    days = {s.day: s.due_at.date().isoformat() for s in walkthrough(db).steps}
    assert (days[0], days[1], days[2]) == ("2026-03-05", "2026-03-09", "2026-03-10")


def test_a_start_on_a_holiday_begins_on_the_next_working_day(driver, db, team, clock):
    clock.set(datetime(2026, 4, 1, 12, tzinfo=UTC))
    answer = driver.command("/onboard", "<@U0BEN> start 2026-04-03", user="U0LEAD")
    assert "starts Tue 07 Apr" in answer.text
