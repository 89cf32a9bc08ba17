"""From install to the first right `/oncall` answer in a workspace with no import, through
signed requests only: App Home -> Set up a team (the form) -> Add a rotation (the form) ->
`/oncall` in the team's channel. Six Slack steps (five with the slash commands)."""

from __future__ import annotations

import json

from sqlalchemy import select

from models import AuditEntry
from models.oncall.rotations import lookup_rotation
from tests.setup.forms import filled
from tests.setup.test_teams import button_in, home_of, submit, workspace_of


def test_install_to_the_first_right_oncall_answer_in_six_steps(driver, slack, db):
    slack.channel_members["C0BACKEND"] = ["U0LEAD", "U0ANA", "U0BEN", "U0UPKEEP"]
    steps = 0

    def step(result):
        nonlocal steps
        steps += 1
        return result

    home = step(home_of(driver, slack, "U0LEAD"))  # 1: open Upkeep's App Home
    setup = button_in(home, "Set up a team")
    step(driver.action(setup["action_id"], "", user="U0LEAD", channel=None))  # 2
    team_form = slack.calls_to("views.open")[-1].body["view"]
    saved = step(submit(driver, team_form, name="backend", channel="C0BACKEND"))  # 3
    assert saved.body == ""

    add = button_in(slack.home["U0LEAD"], "Add a rotation")  # App Home, published again
    assert add["value"] == "backend"
    step(driver.action(add["action_id"], add["value"], user="U0LEAD", channel=None))  # 4
    form = slack.calls_to("views.open")[-1].body["view"]
    assert form["callback_id"] == "oncall_rotation_view"
    inputs = {b["block_id"]: b["element"] for b in form["blocks"] if b["type"] == "input"}
    assert inputs["team"]["initial_option"]["value"] == "backend"
    assert inputs["timezone"]["initial_value"] == "Europe/Berlin"  # the team's
    assert inputs["weekday"]["initial_option"]["value"] == "monday"  # today, in Berlin
    assert inputs["start"]["initial_date"] == "2026-03-02"
    values = filled(form, name="backend-primary", members="U0ANA,U0BEN,U0LEAD")
    created = step(driver.view_submission(form["callback_id"], values, user="U0LEAD"))  # 5
    assert created.body == ""
    assert (
        "Created *backend-primary* (backend): monday 10:00 every 1w"
        in (slack.posted("D0LEAD")[-1]["text"])
    )

    answer = step(driver.command("/oncall", "", user="U0BEN", channel="C0BACKEND"))  # 6
    assert "<@U0ANA>" in answer.text.split("\n")[1]
    assert "backend-primary" in answer.text and "<@U0BEN>" in answer.text  # who is next
    assert steps == 6

    db.expire_all()
    rotation = lookup_rotation(db, workspace_of(db), "backend-primary")
    assert [m.person.slack_user_id for m in rotation.members] == ["U0ANA", "U0BEN", "U0LEAD"]
    actions = db.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["team.set", "team.set", "rotation.set"]  # the second: the channel's people
    home = json.dumps(home_of(driver, slack, "U0LEAD")["blocks"])
    assert "backend-primary" in home


def start_team(driver, slack) -> None:
    driver.command("/upkeep", "setup", user="U0LEAD")
    view = slack.calls_to("views.open")[-1].body["view"]
    submit(driver, view, name="backend", channel="C0BACKEND", members="U0ANA,U0BEN")


def test_oncall_set_alone_opens_the_form_whose_wrong_values_are_field_errors(driver, slack, db):
    refused = driver.command("/oncall", "set", user="U0LEAD", channel="C0BACKEND")
    assert "set one up first with `/upkeep setup`" in refused.text
    start_team(driver, slack)
    opened = driver.command("/oncall", "set", user="U0LEAD", channel="C0BACKEND")
    assert opened.text == "Opening the form…"
    form = slack.calls_to("views.open")[-1].body["view"]

    def send(**typed):
        values = filled(form, **{"name": "primary", "members": "U0ANA,U0BEN", **typed})
        return driver.view_submission(form["callback_id"], values, user="U0LEAD").json

    assert send(name="Primary!")["errors"] == {
        "name": "`primary!`: rotation names are lowercase letters, digits, - and _."
    }
    assert send(every="3x")["errors"] == {
        "every": "`every` must be a shift length like 1w, 2w or 1d."
    }
    assert send(start="2026-03-03")["errors"] == {
        "start": "`start` 2026-03-03 is a tuesday, but handoffs are on mondays: give a date "
        "with a handoff."
    }
    assert send(weekday="daily", every="1w", timezone="Mars/Base")["errors"] == {
        "timezone": "`timezone` 'Mars/Base' is not an IANA time zone."
    }
    assert set(send(weekday="tuesday", every="1d")["errors"]) == {"time"}
    db.expire_all()
    assert lookup_rotation(db, workspace_of(db), "primary") is None
    assert send() == {}
    # someone who leads no team may not submit one either
    values = filled(form, name="other", members="U0ANA")
    refused = driver.view_submission(form["callback_id"], values, user="U0ANA").json
    assert refused["errors"] == {"team": "Only backend's leads or an admin can set its rotations."}
    # a change from the form counts from the next handoff, like `/oncall set`
    values = filled(form, name="primary", members="U0BEN,U0ANA", start="2026-03-02")
    assert driver.view_submission(form["callback_id"], values, user="U0LEAD").body == ""
    assert "Changed *primary*" in slack.posted("D0LEAD")[-1]["text"]
