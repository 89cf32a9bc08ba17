"""Who an onboarding change concerns hears of it: the buddy who is replaced, the lead when
someone else starts or changes it, the buddy (and the hire, once welcomed) when it moves,
pauses, resumes or stops; and "I need help" reaches the lead too, as the welcome promises."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from models.core.workspace import Team
from tests.factories import make_rotation, make_team
from tests.slack_requests import TEAM_ID

CHO = "<@U0CHO>"  # the hire, in Tokyo


@pytest.fixture
def team(db) -> Team:
    made = make_team(db, TEAM_ID, {"U0LEAD": "Lea Lead"}, {"U0BEN": "Ben", "U0ANA": "Ana"})
    db.commit()
    return made


def dms(slack, uid: str) -> list[str]:
    return [m["text"] for m in slack.posted(uid)]


def onboard_cho(driver, user: str = "U0LEAD"):
    """Cho starts on Thursday (2026-03-05); Ana is the suggested buddy, Lea the lead."""
    return driver.command("/onboard", f"{CHO} start 2026-03-05 team payments", user=user)


def test_a_new_buddy_tells_the_one_they_replace(driver, slack, team):
    onboard_cho(driver)
    resp = driver.command("/onboard", f"buddy {CHO} <@U0BEN>", user="U0LEAD")
    assert resp.text == f"<@U0BEN> is now {CHO}'s buddy instead of <@U0ANA>; I told them both."
    assert dms(slack, "U0ANA")[-1] == (
        f":wave: <@U0LEAD> made <@U0BEN> {CHO}'s onboarding buddy in *payments* instead of "
        "you. Thank you for your help!"
    )
    assert dms(slack, "U0BEN")[-1].startswith(f"You're {CHO}'s onboarding buddy")
    assert dms(slack, "U0LEAD") == []  # she did it
    same = driver.command("/onboard", f"buddy {CHO} <@U0BEN>", user="U0ADMIN")
    assert same.text == f"<@U0BEN> is already {CHO}'s buddy."


def first_step(driver, slack, scheduler, clock) -> dict:
    onboard_cho(driver)
    scheduler.tick()
    clock.set(datetime(2026, 3, 5, 1, tzinfo=UTC))  # 10:00 in Tokyo: the welcome, step 1
    scheduler.tick()
    return slack.posted("U0CHO")[1]


def test_the_welcome_promises_the_lead_and_i_need_help_reaches_the_lead(
    driver, slack, team, scheduler, clock
):
    step = first_step(driver, slack, scheduler, clock)
    assert (
        "your lead <@U0LEAD> and your buddy <@U0ANA> will hear from me"
        in (slack.posted("U0CHO")[0]["text"])
    )
    value = step["blocks"][-1]["elements"][1]["value"]
    driver.action("onboarding_step_help", value, user="U0CHO", channel="U0CHO", message=step)
    asked = (
        f":raising_hand: {CHO} asked for help with onboarding step 1, *The company and the team*."
    )
    assert dms(slack, "U0ANA")[-1].startswith(asked)
    assert dms(slack, "U0LEAD")[-1] == (
        f"{asked} I pinged their buddy <@U0ANA> too; `/onboard status {CHO}` shows where they are."
    )
    assert dms(slack, "U0CHO")[-1] == (
        "I pinged <@U0ANA>, your buddy, and <@U0LEAD>, your lead; they'll get back to you."
    )


def test_an_onboarding_started_or_changed_by_someone_else_tells_the_lead_and_buddy(
    driver, slack, team, scheduler, clock
):
    onboard_cho(driver, user="U0ADMIN")
    assert dms(slack, "U0LEAD") == [
        f":wave: <@U0ADMIN> started {CHO}'s onboarding with *payments*, from Thu 05 Mar; you "
        "are their lead: you'll hear when they ask for help or fall behind. "
        f"`/onboard status {CHO}` shows their progress."
    ]
    driver.command("/onboard", f"start-date {CHO} 2026-03-09", user="U0ADMIN")
    moved = f"<@U0ADMIN> moved {CHO}'s onboarding with *payments*: it now starts Mon 09 Mar."
    assert dms(slack, "U0LEAD")[-1] == f":calendar: {moved}"
    assert dms(slack, "U0ANA")[-1] == f":calendar: {moved}"
    assert dms(slack, "U0CHO") == []  # not welcomed yet: the hire hears nothing before the start

    scheduler.tick()
    clock.set(datetime(2026, 3, 9, 1, tzinfo=UTC))  # Monday 10:00 in Tokyo: welcomed
    scheduler.tick()
    slack.reset()
    driver.command("/onboard", f"pause {CHO}", user="U0LEAD")
    assert dms(slack, "U0CHO") == [
        ":double_vertical_bar: <@U0LEAD> paused your onboarding with *payments*: no steps "
        "until it resumes."
    ]
    assert dms(slack, "U0ANA") == [
        f":double_vertical_bar: <@U0LEAD> paused {CHO}'s onboarding with *payments*: no steps "
        "until it resumes."
    ]
    assert dms(slack, "U0LEAD") == []  # she did it
    driver.command("/onboard", f"resume {CHO}", user="U0LEAD")
    assert dms(slack, "U0CHO")[-1].startswith(
        ":arrow_forward: <@U0LEAD> resumed your onboarding with *payments*."
    )
    driver.command("/onboard", f"cancel {CHO}", user="U0LEAD")
    assert dms(slack, "U0CHO")[-1] == (
        ":no_entry_sign: <@U0LEAD> cancelled your onboarding with *payments*: no more steps."
    )
    assert dms(slack, "U0ANA")[-1] == (
        f":no_entry_sign: <@U0LEAD> cancelled {CHO}'s onboarding with *payments*: no more steps."
    )


def test_a_buddy_on_call_in_the_hires_first_week_is_said_so(driver, db, team):
    make_rotation(db, members=("U0BEN",))  # Ben is on call all the time
    db.commit()
    chosen = driver.command(
        "/onboard", f"{CHO} start 2026-03-05 team payments buddy <@U0BEN>", user="U0LEAD"
    )
    busy = (
        f":warning: <@U0BEN> is on call for 2 days of {CHO}'s first week: busy for a buddy. "
        f"`/onboard buddy {CHO} @someone` changes it."
    )
    assert chosen.text.endswith(f"\n{busy}"), chosen.text
    again = driver.command("/onboard", f"buddy {CHO} <@U0ANA>", user="U0LEAD")
    assert ":warning:" not in again.text
    back = driver.command("/onboard", f"buddy {CHO} <@U0BEN>", user="U0LEAD")
    assert back.text.endswith(f"\n{busy}"), back.text
