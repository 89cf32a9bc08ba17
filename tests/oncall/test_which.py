"""In a team's channel, `/oncall schedule` and `/oncall overrides` with no rotation named take the
team's only rotation, and ask which (listing them, with the usage) only when it has several."""

from __future__ import annotations

import pytest

from models.core.workspace import Team
from tests.factories import CREATED, make_rotation

TEAM_CHANNEL = "C0PAYMENTS"  # payments' channel; its rotation posts in C0PAYONCALL


@pytest.fixture
def rotation(db):
    """payments-primary, payments' only rotation: Ana, Ben, Cho, weekly from Mon 2 Mar 2026."""
    rot = make_rotation(db)
    db.commit()
    return rot


def test_schedule_in_the_teams_channel_is_its_only_rotations(driver, rotation):
    named = driver.command("/oncall", "schedule payments-primary", channel=TEAM_CHANNEL).text
    here = driver.command("/oncall", "schedule", channel=TEAM_CHANNEL).text
    assert here == named
    assert here.startswith("payments-primary: the next 4 weeks\n")
    two = driver.command("/oncall", "schedule 2w", channel=TEAM_CHANNEL).text
    assert two == driver.command("/oncall", "schedule payments-primary 2w").text
    assert two.startswith("payments-primary: the next 2 weeks\n")


def test_overrides_in_the_teams_channel_are_its_only_rotations(driver, rotation):
    driver.command(
        "/oncall", "override payments-primary <@U0CHO> 2026-03-05 09:00 to 18:00", user="U0LEAD"
    )
    here = driver.command("/oncall", "overrides", user="U0LEAD", channel=TEAM_CHANNEL).text
    assert here.startswith("payments-primary: overrides\n<@U0CHO> ")
    named = driver.command("/oncall", "overrides payments-primary", user="U0LEAD").text
    assert here == named


def test_a_team_with_several_rotations_is_asked_which(driver, db, rotation):
    make_rotation(db, name="payments-secondary")
    db.commit()
    rotations = "Which rotation? payments has 2: `payments-primary`, `payments-secondary`."
    schedule = driver.command("/oncall", "schedule", channel=TEAM_CHANNEL).text
    assert schedule == f"{rotations}\nUsage: /oncall schedule [<rotation>] [<N>w]"
    overrides = driver.command("/oncall", "overrides", channel=TEAM_CHANNEL).text
    assert overrides == f"{rotations}\nUsage: /oncall overrides [<rotation>]"
    named = driver.command("/oncall", "schedule payments-secondary", channel=TEAM_CHANNEL).text
    assert named.startswith("payments-secondary: the next 4 weeks\n")


def test_outside_a_teams_channel_someone_in_no_team_is_asked_which(driver, rotation):
    """Adi is in no team, in a channel that is no team's: nothing says which rotation."""
    answer = driver.command("/oncall", "schedule", user="U0ADMIN", channel="C0RANDOM").text
    assert answer == (
        "Which rotation? Name one: this channel is no team's and you are in none (rotations: "
        "`payments-primary`).\nUsage: /oncall schedule [<rotation>] [<N>w]"
    )
    # and Ben, in payments, is answered for his team there too
    ben = driver.command("/oncall", "schedule", user="U0BEN", channel="C0RANDOM").text
    assert ben.startswith("payments-primary: the next 4 weeks\n")


def test_a_teams_channel_whose_team_has_no_rotation_says_so(driver, db, rotation):
    """search has no rotation: in its channel, payments' rotation is not taken for it."""
    search = Team(
        workspace_id=rotation.workspace_id,
        name="search",
        tz="UTC",
        channel_id="C0SEARCH",
        created_at=CREATED,
    )
    db.add(search)
    db.commit()
    answer = driver.command("/oncall", "overrides", user="U0ANA", channel="C0SEARCH").text
    assert answer == (
        "Which rotation? Name one: search has none (rotations: `payments-primary`).\n"
        "Usage: /oncall overrides [<rotation>]"
    )
