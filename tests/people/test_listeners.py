"""Someone who leaves the workspace while in a rotation: its team's leads are told, with what to
do, and `/oncall out` takes them out (it refused a deactivated person)."""

from __future__ import annotations

import pytest

from tests.factories import make_rotation


@pytest.fixture
def rotation(db):
    """payments-primary: Mondays 10:00 Berlin from Mon 2 Mar 2026: Ana, Ben, Cho. Lea leads."""
    rot = make_rotation(db)
    db.commit()
    return rot


def test_someone_who_leaves_while_in_a_rotation_is_reported_to_its_leads(driver, slack, rotation):
    gone = dict(slack.users["U0BEN"], deleted=True)
    assert driver.event({"type": "user_change", "user": gone}).status == 200
    assert [m["text"] for m in slack.posted("U0LEAD")] == [
        ":warning: <@U0BEN> has left the workspace and is still in *payments-primary*, on call "
        "next from Mon 09 Mar 10:00 CET to Mon 16 Mar 10:00 CET. `/oncall out payments-primary "
        "<@U0BEN>` takes them out."
    ]
    driver.event({"type": "user_change", "user": gone})  # told once
    assert len(slack.posted("U0LEAD")) == 1


def test_someone_who_has_left_can_be_taken_out(driver, slack, rotation):
    driver.event({"type": "user_change", "user": dict(slack.users["U0BEN"], deleted=True)})
    asked = driver.command("/oncall", "out payments-primary <@U0BEN>", user="U0LEAD")
    assert asked.text.startswith(":warning: Taking <@U0BEN> out of *payments-primary*:"), asked.text
    assert slack.posted("U0BEN") == []  # nobody to tell
